from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "yichuang.notify"
    label = "notify"
    verbose_name = _("短信通知")

    def ready(self) -> None:
        from yichuang.notify import checks  # noqa: F401
