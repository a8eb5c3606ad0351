from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "yichuang.integrations"
    label = "integrations"
    verbose_name = _("对接系统")

    def ready(self) -> None:
        from yichuang.cases import hooks
        from yichuang.common.memo import watch
        from yichuang.integrations import services
        from yichuang.integrations.models import Subscription, SystemClient

        # Every line a case's timeline gains may be an event some system subscribed to; the
        # subscriptions are memoized, so a platform without any pays nothing per action.
        hooks.recorded(services.on_case_events)
        watch("reference", [Subscription, SystemClient])
