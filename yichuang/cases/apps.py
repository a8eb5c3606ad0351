from typing import Any

from django.apps import AppConfig
from django.db.models import Exists, OuterRef, Q


class CasesConfig(AppConfig):
    name = "yichuang.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from yichuang.cases.calendar import on_schedule_changed
        from yichuang.cases.documents import CASE_KINDS, seal_again
        from yichuang.documents.selectors import (
            register_document_notes,
            register_document_visibility,
            register_seal_rule,
        )
        from yichuang.files.selectors import register_file_visibility
        from yichuang.workdays.signals import schedule_changed

        # Whoever may see a case may read the files attached to it (a county reviewer included), and
        # nobody else but the uploader: a file attached to a case follows the case's scope.
        register_file_visibility(_case_files_rule, claims=_case_files_claimed)
        # … and the documents issued for it; a revoked seal is replaced by the case's own rule.
        register_document_visibility(_case_documents_rule)
        register_seal_rule(CASE_KINDS, seal_again)
        # The verify page of a decision (or certificate) later revoked says so (告知承诺违诺).
        register_document_notes(_revoked_case_notes)
        # A year's holiday schedule entered or changed: open cases' due dates are counted again.
        schedule_changed.connect(on_schedule_changed, dispatch_uid="cases-recount-due-dates")


def _case_files_rule(user: Any) -> Q:
    from yichuang.cases.models import Case, CaseMaterial
    from yichuang.cases.selectors import cases_for

    visible = cases_for(user).values("pk")
    links = CaseMaterial.files.through.objects.filter(
        storedfile_id=OuterRef("pk"), casematerial__case__in=visible
    )
    consents = Case.objects.filter(consent_file_id=OuterRef("pk"), pk__in=visible)
    return Q(Exists(links)) | Q(Exists(consents))


def _case_files_claimed() -> Q:
    from yichuang.cases.models import Case, CaseMaterial

    attached = CaseMaterial.files.through.objects.filter(storedfile_id=OuterRef("pk"))
    consent = Case.objects.filter(consent_file_id=OuterRef("pk"))
    return Q(Exists(attached)) | Q(Exists(consent))


def _case_documents_rule(user: Any) -> Q:
    from yichuang.cases.selectors import cases_for

    return Q(case__in=cases_for(user).values("pk"))


def _revoked_case_notes(document: Any) -> list[str]:
    """Under a document of a case whose decision was revoked: when, and the revocation's own code."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from yichuang.cases.models import CaseStatus
    from yichuang.documents.models import Document, DocumentKind

    if document.case_id is None or document.kind == DocumentKind.REVOCATION_DECISION:
        return []
    case = document.case
    if case is None or case.status != CaseStatus.REVOKED:
        return []
    revocation = (
        Document.objects.filter(case_id=case.pk, kind=DocumentKind.REVOCATION_DECISION)
        .only("verify_code", "issued_at")
        .first()
    )
    if revocation is None:
        return [_("该办件的决定已被撤销，本文书及随之颁发的证照不再有效。")]
    return [
        _(
            "该办件的决定已于 %(when)s 因违反告知承诺被撤销（撤销决定书验证码 %(code)s），"
            "本文书及随之颁发的证照自撤销之日起不再有效。"
        )
        % {
            "when": timezone.localtime(revocation.issued_at).strftime("%Y-%m-%d"),
            "code": revocation.verify_code,
        }
    ]
