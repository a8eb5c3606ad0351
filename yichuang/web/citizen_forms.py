"""The forms of the citizens' own pages (sign-in by SMS code, real-name binding, delivery). They check
the shape of what is typed; the rules (the code's tries, the identity service) stay in the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yichuang.common.identity import validate_mobile


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        error_messages={"required": _("请填写手机号码。")},
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "type": "tel", "autofocus": True}
        ),
    )

    def clean_phone(self) -> str:
        try:
            return validate_mobile(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise ValidationError(_("请填写11位手机号码。")) from exc


class CodeForm(PhoneForm):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        error_messages={
            "required": _("请填写短信验证码。"),
            "min_length": _("验证码为6位数字。"),
            "max_length": _("验证码为6位数字。"),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        if not code.isdigit():
            raise ValidationError(_("验证码为6位数字。"))
        return code


class IdentityForm(forms.Form):
    name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        error_messages={"required": _("请填写身份证上的姓名。")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        max_length=18,
        error_messages={"required": _("请填写18位居民身份证号码。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class DeliveryForm(forms.Form):
    delivery_method = forms.ChoiceField(
        label=_("领取方式"),
        choices=[("pickup", _("到服务点领取")), ("mail", _("免费邮寄到家"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择领取方式。"), "invalid_choice": _("请选择领取方式。")},
    )
    delivery_address = forms.CharField(
        label=_("收件地址（邮寄时填写）"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("收件地址不能超过200个字。")},
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
