from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class HandoverConfig(AppConfig):
    name = "yichuang.handover"
    label = "handover"
    verbose_name = pgettext_lazy("plural", "移交清单")
