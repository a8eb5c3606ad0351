from django.apps import AppConfig


class QueueConfig(AppConfig):
    name = "yichuang.queue"
    label = "queue"
    verbose_name = "排队叫号与预约"
