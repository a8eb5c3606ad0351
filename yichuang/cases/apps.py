from typing import Any

from django.apps import AppConfig
from django.db.models import Exists, OuterRef, Q


class CasesConfig(AppConfig):
    name = "yichuang.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from yichuang.files.selectors import register_file_visibility

        # Whoever may see a case may read the files attached to it (a county reviewer included).
        register_file_visibility(_case_files_rule)


def _case_files_rule(user: Any) -> Q:
    from yichuang.cases.models import CaseMaterial
    from yichuang.cases.selectors import cases_for

    links = CaseMaterial.files.through.objects.filter(
        storedfile_id=OuterRef("pk"), casematerial__case__in=cases_for(user).values("pk")
    )
    return Q(Exists(links))
