from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "yichuang.delivery"
    label = "delivery"
    verbose_name = _("寄递（免费邮寄）")

    def ready(self) -> None:
        from yichuang.cases import hooks
        from yichuang.delivery import services

        # A mail delivery without a number takes the waybill made beforehand; any mail delivery
        # keeps its waybill, to be tracked.
        hooks.before("deliver", services.on_deliver_before)
        hooks.after("deliver", services.on_deliver_after)
