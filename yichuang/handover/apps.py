from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class HandoverConfig(AppConfig):
    name = "yichuang.handover"
    label = "handover"
    verbose_name = pgettext_lazy("plural", "移交清单")

    def ready(self) -> None:
        from yichuang.documents.models import HANDOVER_KINDS
        from yichuang.documents.selectors import register_document_visibility, register_seal_rule
        from yichuang.handover.documents import seal_again, visible_documents

        register_document_visibility(visible_documents)
        register_seal_rule(HANDOVER_KINDS, seal_again)
