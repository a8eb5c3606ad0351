"""Personal and organisational identifiers: checked on the way in, masked on the way out.

- 公民身份号码 (resident ID), GB 11643-1999: 6-digit area code, 8-digit birth date, 3-digit
  sequence (odd 17th digit = male), and a check character by ISO 7064 MOD 11-2.
- 统一社会信用代码 (USCC), GB 32100-2015: 18 characters from a 31-character alphabet without
  I, O, Z, S, V; the 18th is a MOD 31 check character.
- Mainland mobile numbers: ``1[3-9]`` and nine more digits.

Validators return the normalised value (NFKC, so full-width digits typed with a Chinese input method
count; stripped; upper-case letters) and raise ``django.core.exceptions.ValidationError`` with a
Chinese message saying what is wrong. The ``*_valid`` predicates never raise.

Masks are for screens, lists and logs: they never raise and never show more than the stated
characters, whatever they are given (short, empty or malformed values included).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# --- 公民身份号码 (GB 11643-1999) -------------------------------------------------------------

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"  # index = (Σ aᵢ·wᵢ) mod 11
_RESIDENT_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_DIGITS_17 = re.compile(r"^[0-9]{17}$")

Gender = Literal["male", "female"]


def _normalise(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip().upper()


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID whose first 17 digits are ``first17`` (ISO 7064 MOD 11-2)."""
    if not _DIGITS_17.match(first17):
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def _birth_date(normalised: str) -> datetime.date | None:
    try:
        return datetime.date(int(normalised[6:10]), int(normalised[10:12]), int(normalised[12:14]))
    except ValueError:
        return None


def validate_resident_id(value: str) -> str:
    """The normalised 18-character resident ID (upper-case X), or ``ValidationError`` saying why not."""
    normalised = _normalise(value)
    if len(normalised) != 18:
        raise ValidationError(
            _("公民身份号码应为18位，当前为%(length)d位。") % {"length": len(normalised)}, code="length"
        )
    if not _RESIDENT_ID_SHAPE.match(normalised):
        raise ValidationError(_("公民身份号码的前17位应为数字，最后一位应为数字或X。"), code="characters")
    if normalised[0] == "0":
        raise ValidationError(_("公民身份号码的地址码不能以0开头。"), code="area")
    born = _birth_date(normalised)
    if born is None:
        raise ValidationError(
            _("公民身份号码中的出生日期%(date)s不是有效日期。") % {"date": normalised[6:14]},
            code="birth_date",
        )
    if born.year < 1900:
        raise ValidationError(_("公民身份号码中的出生日期早于1900年。"), code="birth_date")
    if born > timezone.localdate():
        raise ValidationError(_("公民身份号码中的出生日期晚于今天。"), code="birth_date")
    if resident_id_check_char(normalised[:17]) != normalised[17]:
        raise ValidationError(_("公民身份号码的校验码不正确，请核对后重新输入。"), code="check_digit")
    return normalised


def resident_id_valid(value: str) -> bool:
    try:
        validate_resident_id(value)
    except ValidationError:
        return False
    return True


def birth_date_from_id(value: str) -> datetime.date:
    """Date of birth from a valid resident ID (``ValidationError`` when the ID is not valid)."""
    born = _birth_date(validate_resident_id(value))
    assert born is not None  # validate_resident_id checked it
    return born


def gender_from_id(value: str) -> Gender:
    """GB 11643: the 17th digit (the last of the sequence code) is odd for men, even for women."""
    return "male" if int(validate_resident_id(value)[16]) % 2 == 1 else "female"


# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # value of a character = its index
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3ⁱ mod 31
_USCC_SHAPE = re.compile(rf"^[{USCC_CHARS}]{{18}}$")


def uscc_check_char(first17: str) -> str:
    """The 18th character of a USCC: c = 31 − (Σ vᵢ·wᵢ mod 31), with 31 written as 0."""
    if len(first17) != 17 or any(char not in USCC_CHARS for char in first17):
        raise ValueError("first17 must be 17 characters from the USCC alphabet")
    total = sum(USCC_CHARS.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """The normalised (upper-case) 统一社会信用代码, or ``ValidationError`` saying why not."""
    normalised = _normalise(value)
    if len(normalised) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(length)d位。") % {"length": len(normalised)}, code="length"
        )
    if not _USCC_SHAPE.match(normalised):
        raise ValidationError(
            _("统一社会信用代码只能由数字和大写字母组成（不使用I、O、Z、S、V）。"), code="characters"
        )
    if uscc_check_char(normalised[:17]) != normalised[17]:
        raise ValidationError(_("统一社会信用代码的校验码不正确，请核对后重新输入。"), code="check_digit")
    return normalised


def uscc_valid(value: str) -> bool:
    try:
        validate_uscc(value)
    except ValidationError:
        return False
    return True


ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code_check_char(first8: str) -> str:
    """The 9th character of a 主体标识码 (组织机构代码, GB 11714-1997): c = 11 − (Σ vᵢ·wᵢ mod 11), with
    digits worth themselves and letters A = 10 … Z = 35; 10 is written X and 11 as 0."""
    if len(first8) != 8 or not all(char.isdigit() or "A" <= char <= "Z" for char in first8):
        raise ValueError("first8 must be 8 digits or upper-case letters")
    total = sum(
        int(char, 36) * weight for char, weight in zip(first8, ORGANISATION_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_issue(*, authority: str, category: str, region_code: str, serial: int) -> str:
    """A new 统一社会信用代码 (GB 32100-2015) as a registration authority assigns it: 登记管理部门代码
    (``authority``, 9 = 市场监督管理, 5 = 民政 …), 机构类别代码 (``category``: for 市场监督管理 1 企业,
    2 个体工商户, 3 农民专业合作社), the six-digit 登记管理机关行政区划码, the nine-character 主体标识码
    (eight characters of ``serial`` written in the USCC alphabet and their GB 11714 check character),
    and the MOD 31 check character. Distinct serials under one authority and region give distinct codes."""
    if len(authority) != 1 or len(category) != 1 or len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("authority and category are one character each, region_code six digits")
    if not 0 <= serial < len(USCC_CHARS) ** 8:
        raise ValueError("serial out of range")
    body = ""
    for _position in range(8):
        serial, digit = divmod(serial, len(USCC_CHARS))
        body = USCC_CHARS[digit] + body
    first17 = f"{authority}{category}{region_code}{body}{organisation_code_check_char(body)}"
    return first17 + uscc_check_char(first17)


# --- 手机号码 -----------------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_MOBILE_SEPARATORS = re.compile(r"[\s\-()（）]")


def validate_mobile(value: str) -> str:
    """The 11-digit mainland mobile number, without spaces, dashes or a +86 / 0086 / 86 prefix."""
    normalised = _MOBILE_SEPARATORS.sub("", _normalise(value))
    for prefix in ("+86", "0086", "86"):
        if normalised.startswith(prefix) and len(normalised) == len(prefix) + 11:
            normalised = normalised[len(prefix) :]
            break
    if not _MOBILE.match(normalised):
        raise ValidationError(_("请输入有效的11位手机号码。"), code="invalid_mobile")
    return normalised


def mobile_valid(value: str) -> bool:
    try:
        validate_mobile(value)
    except ValidationError:
        return False
    return True


# --- Masks --------------------------------------------------------------------------------------


def _mask_short(value: str) -> str:
    """A value too short for its usual mask: the last two characters at most, and only if ≥ 3 long."""
    if len(value) <= 2:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]


def mask_phone(phone: str) -> str:
    """138****5678: keep the operator prefix and the last four digits, hide the rest.

    Short numbers (landline extensions, typos) keep only their last two characters visible so that a
    list never shows a whole personal number.
    """
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return _mask_short(phone)


def mask_resident_id(value: str) -> str:
    """411502********1234: the area code and the last four characters; the birth date stays hidden."""
    value = (value or "").strip()
    if len(value) >= 15:  # 18 digits, or an old 15-digit number
        return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"
    return _mask_short(value)


def mask_uscc(value: str) -> str:
    """9135**********0Y43: the first four and the last four characters."""
    value = (value or "").strip()
    if len(value) >= 15:
        return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
    return _mask_short(value)


_PLACE_ENDS = "省市区县旗镇乡"


def mask_address(address: str) -> str:
    """信阳市浉河区甲镇******: the places down to the town (or the first eight characters), the street,
    house and room hidden — enough for a list or a log to tell where, not to find the door."""
    address = (address or "").strip()
    if not address:
        return ""
    keep = 0
    for index, char in enumerate(address[:16]):
        if char in _PLACE_ENDS or address[index - 1 : index + 1] == "街道":
            keep = index + 1
    keep = keep or min(len(address) // 2, 8)
    if keep >= len(address):
        keep = max(len(address) - 4, 0)
    return address[:keep] + "******"  # as many stars whatever the length: the length says nothing


def mask_name(name: str) -> str:
    """张*丰, 张*, 欧**娜: the first and (from three characters on) the last character."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"
