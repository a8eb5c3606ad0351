from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "yichuang.payments"
    label = "payments"
    verbose_name = _("缴费（统一公共支付）")

    def ready(self) -> None:
        from yichuang.cases import hooks
        from yichuang.payments import services

        # Acceptance bills an item with fees; the result waits for the money; a case that ends
        # without a result gives it back.
        hooks.after("accept", services.on_accept)
        hooks.before("deliver", services.on_deliver_before)
        for action in ("deny", "refuse", "withdraw"):
            hooks.after(action, services.on_case_closed)
