from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "yichuang.common"
    label = "common"
    verbose_name = _("公共")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from knox.models import AuthToken

        from yichuang.catalog import models as catalog
        from yichuang.common import (
            loginpace,  # noqa: F401  (failures counted per username)
            sessions,  # noqa: F401  (the session clock starts at sign-in)
        )
        from yichuang.common.memo import watch
        from yichuang.documents.models import Seal
        from yichuang.notify.models import SmsTemplate
        from yichuang.org.models import Department, Region, ServicePoint

        # The tokens kept in memory (common.auth) hold the user with his region and point.
        watch("auth", [get_user_model(), AuthToken, Region, ServicePoint], unless_only=["last_login"])
        # What the case services keep in memory: the catalog, the offers, delegations and handling
        # units, the seals, the SMS templates (the list in one place, so nothing is forgotten).
        watch(
            "reference",
            [
                catalog.LicenseType,
                catalog.ServiceItem,
                catalog.MaterialRequirement,
                catalog.FormField,
                catalog.Situation,
                catalog.SituationMaterial,
                catalog.ItemVersion,
                catalog.PointItem,
                catalog.Delegation,
                catalog.Bundle,
                catalog.BundleItem,
                catalog.EligibilityRule,
                Region,
                ServicePoint,
                Department,
                Seal,
                SmsTemplate,
            ],
        )
