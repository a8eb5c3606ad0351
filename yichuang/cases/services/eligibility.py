"""Who may apply for an item (受理条件), checked at intake from rules staff keep in the catalog
(``catalog.EligibilityRule``: age from the ID number, household region, applicant kind), and one
open case per applicant and item.

A 1990-born applicant's 高龄津贴 (80 and over) is refused at the window with the reason, before
anything is written (422 ``not_eligible`` with the field at fault). A second application for an item
the applicant already has open answers 409 ``duplicate_case`` naming the open case — also when two
windows submit at the same moment: ``OpenCaseClaim`` holds one row per applicant and item while a
case is open, under a unique index, so the second insert waits for the first transaction and fails.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.cases.models import ApplicantKind, Case, OpenCaseClaim
from yichuang.cases.services.inputs import ApplicantInput
from yichuang.catalog.models import EligibilityKind, EligibilityRule, ServiceItem
from yichuang.common.errors import Conflict, Invalid
from yichuang.common.identity import birth_date_from_id, resident_id_valid
from yichuang.common.memo import memoized


def _rules(item: ServiceItem) -> list[EligibilityRule]:
    return memoized(
        "reference",
        "eligibility_rules",
        item.pk,
        lambda: list(EligibilityRule.objects.filter(item_id=item.pk, active=True).order_by("id")),
    )


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years (周岁) on ``day``; one born on 29 February has his birthday on 1 March."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def eligibility_errors(item: ServiceItem, person: ApplicantInput) -> dict[str, list[str]]:
    """What keeps ``person`` from applying for ``item``, by the field at fault ({} when nothing)."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    for rule in _rules(item):
        value = rule.value.strip()
        problem = ""
        field = "applicant.id_number"
        if rule.kind in (EligibilityKind.MIN_AGE, EligibilityKind.MAX_AGE):
            if person.kind != ApplicantKind.PERSON or not resident_id_valid(person.id_number):
                continue  # an age applies to people with a resident ID; the kind rule covers the rest
            age = age_on(birth_date_from_id(person.id_number), today)
            limit = int(value)
            if rule.kind == EligibilityKind.MIN_AGE and age < limit:
                problem = _("“%(item)s”须年满%(limit)s周岁；按身份证号计算，申请人现年%(age)s周岁。") % {
                    "item": item.name,
                    "limit": limit,
                    "age": age,
                }
            elif rule.kind == EligibilityKind.MAX_AGE and age > limit:
                problem = _("“%(item)s”限%(limit)s周岁以下申请；按身份证号计算，申请人现年%(age)s周岁。") % {
                    "item": item.name,
                    "limit": limit,
                    "age": age,
                }
        elif rule.kind == EligibilityKind.REGION:
            if person.kind != ApplicantKind.PERSON:
                continue
            # The stated household or residence (跨乡镇通办) first, else the ID number's address code.
            code = person.region.code if person.region is not None else person.id_number[:6]
            field = "applicant.region" if person.region is not None else "applicant.id_number"
            if not code.startswith(value):
                problem = _("“%(item)s”限户籍或住所在本地（区划代码 %(code)s）的申请人办理。") % {
                    "item": item.name,
                    "code": value,
                }
        elif rule.kind == EligibilityKind.APPLICANT_KIND and person.kind != value:
            field = "applicant.kind"
            problem = _("“%(item)s”的申请人应为%(kind)s。") % {
                "item": item.name,
                "kind": ApplicantKind(value).label if value in ApplicantKind.values else value,
            }
        if problem:
            errors.setdefault(field, []).append(rule.message or problem)
    return errors


def check_eligible(item: ServiceItem, person: ApplicantInput) -> None:
    errors = eligibility_errors(item, person)
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(_("申请人不符合申请条件：%(why)s") % {"why": first}, fields=errors, code="not_eligible")


def applicant_key(id_number: str) -> str:
    """The key one applicant's claims are kept under: the personal-data index (keyed SM3, the key of
    ``pii``, which does not rotate) of the ID number, so the claim table holds no readable number."""
    from yichuang.pii.cipher import blind_index

    return blind_index(id_number.strip().upper(), context="cases.OpenCaseClaim.applicant")


def _duplicate(case_number: str, item: ServiceItem, *, reveal: bool = True) -> Conflict:
    if not reveal or not case_number:
        return Conflict(
            _("申请人已有一件“%(item)s”正在办理，不能重复申请；请在原办件上补正或撤回后再申请。")
            % {"item": item.name},
            code="duplicate_case",
        )
    return Conflict(
        _(
            "申请人已有一件“%(item)s”正在办理（办件编号 %(number)s），不能重复申请；请在原办件上补正或撤回后再申请。"
        )
        % {"item": item.name, "number": case_number},
        code="duplicate_case",
    )


def check_not_open(item: ServiceItem, person: ApplicantInput, *, reveal: bool = True) -> None:
    """409 naming (when ``reveal``) the applicant's open case of ``item``, if he has one."""
    from yichuang.cases.selectors import open_case_for_applicant

    existing = open_case_for_applicant(item=item, id_number=person.id_number)
    if existing is not None:
        raise _duplicate(existing.number, item, reveal=reveal)


def claim_open_case(case: Case, item: ServiceItem, person: ApplicantInput, *, reveal: bool = True) -> None:
    """Hold the applicant's one open case of ``item`` (inside the creating transaction). A concurrent
    claim for the same applicant and item waits on the unique index until the first commits, then
    fails here: 409 naming the case that won."""
    key = applicant_key(person.id_number)
    try:
        with transaction.atomic():
            OpenCaseClaim.objects.create(item=item, applicant_key=key, case=case)
    except IntegrityError:
        winner = (
            OpenCaseClaim.objects.filter(item=item, applicant_key=key)
            .values_list("case__number", flat=True)
            .first()
        )
        raise _duplicate(winner or "", item, reveal=reveal) from None


def release_open_case(case: Case) -> None:
    """A case leaves the open statuses: its applicant may apply for the item again."""
    OpenCaseClaim.objects.filter(case=case).delete()
