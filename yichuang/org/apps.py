from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "yichuang.org"
    label = "org"
    verbose_name = _("组织机构")

    def ready(self) -> None:
        from yichuang.org import checks, tokens  # noqa: F401
