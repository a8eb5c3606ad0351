from typing import Any

from django.apps import AppConfig
from django.db.models import Q


class CasesConfig(AppConfig):
    name = "yichuang.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from yichuang.files.selectors import register_file_visibility

        # Whoever may see a case may read the files attached to it (a county reviewer included).
        register_file_visibility(_case_files_rule)


def _case_files_rule(user: Any) -> Q:
    from yichuang.cases.selectors import cases_for

    return Q(case_materials__case__in=cases_for(user).values("pk"))
