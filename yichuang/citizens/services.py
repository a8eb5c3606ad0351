"""Writes for citizens: sign-in by SMS code, tokens, real-name binding, and the online application,
supplement and rating, each through the services the window uses (``cases.services``,
``ratings.services``): the same rules, whoever applies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions

from yichuang.cases.models import Case
from yichuang.cases.services import ApplicantInput, BundleReceipt, MaterialInput
from yichuang.catalog.models import Bundle, ServiceItem
from yichuang.citizens import secrets
from yichuang.citizens.drafts import draft_discard
from yichuang.citizens.identity import VerifiedIdentity, identity_service
from yichuang.citizens.models import Citizen, CitizenCase, CitizenFile, CitizenToken, LoginCode
from yichuang.common.errors import Invalid
from yichuang.common.identity import mask_address, validate_mobile
from yichuang.org.models import Role, ServicePoint, Staff

#: The account that stands for the applicant himself where the case records need a staff row
#: (``created_by``, the timeline's actor, the uploader of his files): never active, no password,
#: the least of roles, no scope. Nobody signs in as it.
ONLINE_ACCOUNT = "online-applicant"


def code_minutes() -> int:
    return int(getattr(settings, "CITIZEN_CODE_MINUTES", 5))


def code_tries() -> int:
    return int(getattr(settings, "CITIZEN_CODE_TRIES", 5))


def token_days() -> int:
    return int(getattr(settings, "CITIZEN_TOKEN_DAYS", 7))


class WrongCode(exceptions.APIException):
    """400 for a code that is wrong, used, expired or tried too often: one message for all, so the
    answer does not tell which."""

    status_code = 400
    default_code = "wrong_code"
    default_detail = gettext_lazy("验证码错误或已失效，请重新获取。")

    def __init__(self) -> None:
        super().__init__()
        self.fields = {"code": [str(self.default_detail)]}


def online_account() -> Staff:
    account, _created = Staff.objects.get_or_create(
        username=ONLINE_ACCOUNT,
        defaults={
            "first_name": "网上申请（本人）",
            "role": Role.SUPERVISOR,
            "is_active": False,
            "password": make_password(None),
        },
    )
    return account


def _phone(value: str) -> str:
    try:
        return validate_mobile(value or "")
    except Exception as exc:  # django's ValidationError
        raise Invalid(_("请填写正确的手机号码。"), fields={"phone": [_("请填写11位手机号码。")]}) from exc


@transaction.atomic
def code_send(*, phone: str) -> LoginCode:
    """A new 6-digit code for ``phone`` by SMS (the outbox); an earlier unused code stops working."""
    from yichuang.notify.services import sms_enqueue

    number = _phone(phone)
    now = timezone.now()
    LoginCode.objects.filter(phone=number, used_at__isnull=True).update(used_at=now)
    code = secrets.new_code()
    row = LoginCode.objects.create(
        phone=number,
        digest=secrets.digest("code", f"{number}:{code}"),
        expires_at=now + dt.timedelta(minutes=code_minutes()),
    )
    sms_enqueue(
        to=number, template="citizen_login_code", context={"code": code, "minutes": str(code_minutes())}
    )
    return row


def code_sign_in(*, phone: str, code: str) -> tuple[Citizen, str]:
    """The citizen of ``phone`` (created on his first sign-in) and a new token's key, which is
    returned once and kept only as a digest."""
    number = _phone(phone)
    now = timezone.now()
    with transaction.atomic():
        row = (
            LoginCode.objects.select_for_update()
            .filter(phone=number, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or row.tries >= code_tries():
            raise WrongCode()
        if not secrets.same(row.digest, "code", f"{number}:{(code or '').strip()}"):
            row.tries += 1
            row.save(update_fields=["tries"])
            wrong = True
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            wrong = False
    if wrong:
        # outside the block: the counted try must stay written
        raise WrongCode()
    with transaction.atomic():
        citizen, _created = Citizen.objects.get_or_create(phone=number)
        key = secrets.new_token()
        CitizenToken.objects.create(
            citizen=citizen,
            digest=secrets.digest("token", key),
            expires_at=now + dt.timedelta(days=token_days()),
        )
    return citizen, key


def token_revoke(*, token: CitizenToken) -> None:
    CitizenToken.objects.filter(pk=token.pk).delete()


def identity_bind(*, citizen: Citizen, name: str, id_number: str) -> Citizen:
    """实名认证 through the configured service. Once bound, the identity is not changed online (a
    citizen who bound a wrong one asks the window)."""
    service = identity_service()
    verified = service.verify(name=name, id_number=id_number)
    return identity_bind_verified(citizen=citizen, verified=verified, backend=service.name)


@transaction.atomic
def identity_bind_verified(*, citizen: Citizen, verified: VerifiedIdentity, backend: str) -> Citizen:
    """Bind an identity a service has verified. A citizen already bound keeps his identity: once
    verified, his name and ID number are read-only to him, whichever service verified them — another
    ID number, or another name for the same number, is refused (422) and changes nothing (a wrong one
    is corrected at the window)."""
    citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
    if citizen.verified and (citizen.id_number != verified.id_number or citizen.name != verified.name):
        raise Invalid(
            _("您已完成实名认证，不能改为其他身份；如有错误请到窗口办理。"),
            fields={"id_number": [_("已实名认证。")]},
        )
    citizen.name = verified.name
    citizen.id_number = verified.id_number
    citizen.verified_at = timezone.now()
    citizen.identity_backend = backend
    citizen.save(update_fields=["name", "id_number", "id_number_index", "verified_at", "identity_backend"])
    return citizen


def oidc_sign_in(*, current: Citizen | None, verified: VerifiedIdentity, phone: str) -> Citizen:
    """The citizen the province's unified identity has just verified. Signed in already (by SMS): his
    account is bound to the verified identity. Otherwise the account the province verified for that ID
    number before signs in;
    failing that, the account of the phone the provider verified (made on first use) is bound. With no
    account and no phone, he is asked to sign in by SMS first (an account is keyed by its phone)."""
    if current is not None:
        return identity_bind_verified(citizen=current, verified=verified, backend="oidc")
    # Only an account the province itself verified before: one bound by a typed number (the demo's
    # check digit proves nothing) is not handed to whoever holds that number now.
    bound = (
        Citizen.objects.filter(
            id_number=verified.id_number, verified_at__isnull=False, identity_backend="oidc"
        )
        .order_by("-verified_at", "-id")
        .first()
    )
    if bound is not None:
        return identity_bind_verified(citizen=bound, verified=verified, backend="oidc")
    if not phone:
        raise Invalid(
            _("省统一身份认证未提供手机号码，请先用手机验证码登录，再通过省统一身份认证完成实名认证。"),
            fields={"phone": [_("请先用手机验证码登录。")]},
        )
    with transaction.atomic():
        account, _created = Citizen.objects.get_or_create(phone=phone)
        return identity_bind_verified(citizen=account, verified=verified, backend="oidc")


def file_store_for(*, citizen: Citizen, upload: Any) -> Any:
    from yichuang.files.services import file_store

    with transaction.atomic():
        stored = file_store(upload=upload, actor=online_account())
        CitizenFile.objects.create(citizen=citizen, file=stored)
    return stored


def _require_verified(citizen: Citizen) -> None:
    if not citizen.verified:
        raise exceptions.PermissionDenied(_("请先完成实名认证，再申请办理。"))


DELIVERY_WORDS = {"pickup": gettext_lazy("到服务点领取"), "mail": gettext_lazy("邮寄送达")}


@transaction.atomic
def citizen_apply(
    *,
    citizen: Citizen,
    item: ServiceItem,
    point: ServicePoint,
    materials: list[MaterialInput],
    commitments: list[str],
    delivery_method: str,
    delivery_address: str = "",
    form: Mapping[str, Any] | None = None,
    channel: str = "online",
    situation: str = "",
) -> Case:
    """网上申请: a case on channel ``online``, ``submitted`` for the window's pre-review, the
    applicant being the citizen's bound identity and his phone."""
    from yichuang.cases.services import online_case_create

    _require_verified(citizen)
    address = (delivery_address or "").strip()
    if delivery_method == "mail" and not address:
        raise Invalid(_("邮寄送达请填写收件地址。"), fields={"delivery.address": [_("请填写收件地址。")]})
    note = (_("自助终端申请，希望%(how)s。") if channel == "kiosk" else _("网上申请，希望%(how)s。")) % {
        "how": DELIVERY_WORDS[delivery_method]
    }
    if delivery_method == "mail":
        # The timeline is the audit log: the address stays masked there; the whole address is kept
        # on the link row, for the window that posts the result.
        note += _("收件地址：%(address)s。") % {"address": mask_address(address)}
    case = online_case_create(
        actor=online_account(),
        item=item,
        point=point,
        applicant=ApplicantInput(
            kind="person", name=citizen.name, id_number=citizen.id_number, phone=citizen.phone
        ),
        materials=materials,
        commitments=commitments,
        note=note,
        form=form,
        channel=channel,
        situation=situation,
    )
    CitizenCase.objects.create(
        citizen=citizen, case=case, delivery_method=delivery_method, delivery_address=address
    )
    # His draft of this item has become the application (in the same transaction: both or neither).
    draft_discard(citizen=citizen, item=item)
    return case


@transaction.atomic
def citizen_bundle_apply(
    *,
    citizen: Citizen,
    bundle: Bundle,
    point: ServicePoint,
    materials: list[MaterialInput],
    commitments: list[str],
    delivery_method: str,
    delivery_address: str = "",
    form: Mapping[str, Any] | None = None,
) -> BundleReceipt:
    """一件事 online: one application, one set of materials and one form for all its items, a case
    per item (``online_bundle_apply``), each his own and each waiting for the window's pre-review."""
    from yichuang.cases.services import online_bundle_apply

    _require_verified(citizen)
    address = (delivery_address or "").strip()
    if delivery_method == "mail" and not address:
        raise Invalid(_("邮寄送达请填写收件地址。"), fields={"delivery.address": [_("请填写收件地址。")]})
    note = _("网上申请（一件事：%(bundle)s），希望%(how)s。") % {
        "bundle": bundle.name,
        "how": DELIVERY_WORDS[delivery_method],
    }
    if delivery_method == "mail":
        note += _("收件地址：%(address)s。") % {"address": address}
    receipt = online_bundle_apply(
        actor=online_account(),
        bundle=bundle,
        point=point,
        applicant=ApplicantInput(
            kind="person", name=citizen.name, id_number=citizen.id_number, phone=citizen.phone
        ),
        materials=materials,
        commitments=commitments,
        note=note,
        form=form,
    )
    CitizenCase.objects.bulk_create(
        CitizenCase(citizen=citizen, case=case, delivery_method=delivery_method, delivery_address=address)
        for case in receipt.cases
    )
    for case in receipt.cases:
        draft_discard(citizen=citizen, item=case.item)
    return receipt


def citizen_supplement(*, citizen: Citizen, case: Case, materials: list[MaterialInput]) -> Case:
    """补正 by the applicant himself, after the window's one-time notice."""
    from yichuang.cases.services import case_supplement
    from yichuang.notify.services import sms_enqueue

    with transaction.atomic():
        done: Case = case_supplement(
            case=case,
            actor=online_account(),
            materials=materials,
            note=_("申请人网上补正。"),
            by_applicant=True,
        )
        # Each step of the pre-review reaches his phone: the papers arrived and wait for the window.
        sms_enqueue(
            to=done.applicant_phone,
            template="case_supplement_received",
            context={"number": done.number, "item": done.item.name, "point": done.point.name},
            case_number=done.number,
        )
    return done


def citizen_rate(*, case: Case, score: int, comment: str) -> Any:
    from yichuang.ratings.models import RatingChannel
    from yichuang.ratings.services import rating_submit

    return rating_submit(case=case, channel=RatingChannel.WEB, score=score, comment=comment)
