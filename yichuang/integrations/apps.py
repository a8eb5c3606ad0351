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
        # 免证办 across the province: the licence library answers for types not issued here.
        from yichuang.integrations.license_library import province_licenses
        from yichuang.licenses.selectors import license_source_register

        license_source_register(province_licenses)
        # 好差评 to the national system: a report row with each rating, when a URL is configured.
        from django.db.models.signals import post_save

        from yichuang.integrations.rating_report import on_rating_saved
        from yichuang.ratings.models import Rating

        post_save.connect(on_rating_saved, sender=Rating, dispatch_uid="integrations:rating-report")
        watch("reference", [Subscription, SystemClient])
