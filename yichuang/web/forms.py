"""The forms of the pages. Every field has a label; messages are Chinese first."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yichuang.cases.models import ApplicantKind, CaseStatus, DeliveryMethod
from yichuang.cases.selectors import OPEN_STATUSES
from yichuang.cases.services import MAX_EXTENSION_DAYS, SUSPEND_KINDS
from yichuang.common.auth import DEMO_REFUSED
from yichuang.common.identity import validate_mobile, validate_resident_id, validate_uscc
from yichuang.common.loginpace import PacedLoginFormMixin
from yichuang.org.checks import demo_username_refused
from yichuang.org.models import Region


class LoginForm(PacedLoginFormMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续多次输错，账号将被暂时锁定。"),
        "inactive": _("该账号已停用。"),
    }

    def clean(self) -> dict[str, Any]:
        # Production refuses the published demo accounts with a message that says why.
        if demo_username_refused(self.cleaned_data.get("username") or ""):
            raise ValidationError(DEMO_REFUSED, code="demo_account")
        cleaned: dict[str, Any] = super().clean()
        return cleaned


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("办件编号"),
        max_length=24,
        help_text=_("受理通知书或短信上的编号"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("申请时留的手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        number = "".join(str(self.cleaned_data["number"]).split()).upper()
        # a 一件事 is tracked as one by its application number: YJS + digits
        digits = number[3:] if number.startswith("YJS") else number
        if not digits.isdigit():
            raise ValidationError(_("办件编号由数字组成（“一件事”申请编号以YJS开头），请核对。"))
        return number

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data["phone"])


SCORES = [
    (5, _("非常满意")),
    (4, _("满意")),
    (3, _("基本满意")),
    (2, _("不满意")),
    (1, _("非常不满意")),
]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对这次办事满意吗？"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见或建议（可不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApplicantForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("申请人类型"),
        choices=[(ApplicantKind.PERSON, _("个人")), (ApplicantKind.ORGANIZATION, _("企业或其他组织"))],
        initial=ApplicantKind.PERSON,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("申请人姓名或名称"), max_length=100)
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=30,
        help_text=_("个人填18位居民身份证号，组织填统一社会信用代码"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        help_text=_("用于接收办理进度短信和查询进度"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    region = forms.ModelChoiceField(
        label=_("申请人户籍或住所所在乡镇（跨乡镇通办）"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("与本服务点相同"),
    )

    def __init__(self, *args: Any, towns: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if towns is not None:
            self.fields["region"].queryset = towns  # type: ignore[attr-defined]
        else:
            del self.fields["region"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("id_number")
        if number:
            try:
                if data.get("kind") == ApplicantKind.ORGANIZATION:
                    data["id_number"] = validate_uscc(number)
                else:
                    data["id_number"] = validate_resident_id(number)
            except ValidationError as exc:
                self.add_error("id_number", exc)
        return data

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data["phone"])


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("备注（可不填）"), required=False, max_length=2000)
    override_reason = forms.CharField(
        label=_("容缺材料未补齐即准予的理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("容缺材料补齐前原则上不予准予；确需先行准予的，理由将记入办理过程。"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(label=_("备注"), required=False, max_length=2000)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("备注（可不填）"), required=False, max_length=2000)


class SuspendForm(forms.Form):
    kind = forms.ChoiceField(label=_("中止情形"), choices=list(SUSPEND_KINDS.items()))
    reason = forms.CharField(label=_("中止原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延期工作日"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    reason = forms.CharField(label=_("延期理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DeliverForm(forms.Form):
    method = forms.ChoiceField(label=_("送达方式"), choices=DeliveryMethod.choices)
    tracking_number = forms.CharField(label=_("邮件单号（邮寄时填）"), required=False, max_length=40)
    recipient_name = forms.CharField(label=_("签收人姓名"), required=False, max_length=100)


#: The form of a case action, by the inputs it takes in the registry (``cases.actions``) other than
#: those the page gathers itself (the materials listed in a notice, the files of a supplement).
PAGE_INPUTS = frozenset({"missing", "materials"})
ACTION_FORMS: dict[frozenset[str], type[forms.Form]] = {
    frozenset(): NoteForm,
    frozenset({"override_reason"}): ApproveForm,
    frozenset({"reason"}): ReasonForm,
    frozenset({"reason", "kind"}): SuspendForm,
    frozenset({"reason", "days"}): ExtendForm,
    frozenset({"method", "tracking_number", "recipient_name"}): DeliverForm,
}


def action_form_class(action: str) -> type[forms.Form]:
    from yichuang.cases.actions import CASE_ACTIONS

    return ACTION_FORMS[frozenset(CASE_ACTIONS[action].input_names) - PAGE_INPUTS]


#: The queue's status filter takes a group of statuses as well as one status. The work page's piles
#: link to these groups, so that a pile's count and the list behind its link are the same cases.
STATUS_GROUPS: dict[str, tuple[Any, list[str]]] = {
    "open": (_("在办（全部未办结）"), list(OPEN_STATUSES)),
    "review": (
        _("审批中（已受理、审查中、已中止）"),
        [CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED],
    ),
}


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    kind = forms.ChoiceField(
        label=_("办件类型"),
        required=False,
        choices=[("", _("即办件和承诺件")), ("immediate", _("即办件")), ("promised", _("承诺件"))],
    )
    item = forms.ChoiceField(label=_("事项"), required=False)
    point = forms.ChoiceField(label=_("受理服务点"), required=False)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    bring_home = forms.BooleanField(label=_("只看待送证上门的代办件"), required=False)
    prereview_overdue = forms.BooleanField(label=_("只看预审超期的网上申请"), required=False)

    OPEN = "open"
    REVIEW = "review"

    def __init__(self, *args: Any, items: Any = (), points: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            *[(key, label) for key, (label, _statuses) in STATUS_GROUPS.items()],
            ("", _("全部状态")),
            *CaseStatus.choices,
        ]
        self.fields["item"].choices = [("", _("全部事项")), *items]  # type: ignore[attr-defined]
        self.fields["point"].choices = [("", _("全部服务点")), *points]  # type: ignore[attr-defined]
