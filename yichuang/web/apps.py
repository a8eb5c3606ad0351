from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "yichuang.web"
    label = "web"
    verbose_name = "页面"
