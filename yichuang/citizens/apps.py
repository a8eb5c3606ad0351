from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "yichuang.citizens"
    label = "citizens"
    verbose_name = _("群众（网上办、掌上办）")

    def ready(self) -> None:
        from yichuang.citizens import schema  # noqa: F401  (the token's security scheme)
        from yichuang.citizens.models import Citizen
        from yichuang.citizens.selectors import citizen_files_rule
        from yichuang.files.selectors import register_file_owner

        # A citizen reads the files he uploaded himself, and nothing else of the files app.
        register_file_owner(Citizen, citizen_files_rule)
