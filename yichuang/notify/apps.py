from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "yichuang.notify"
    label = "notify"
    verbose_name = "短信通知"
