"""Resident IDs, credit codes and mobile numbers are checked on the way in and masked on the way out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from yichuang.common.identity import (
    USCC_CHARS,
    birth_date_from_id,
    gender_from_id,
    mask_name,
    mask_phone,
    mask_resident_id,
    mask_uscc,
    mobile_valid,
    resident_id_check_char,
    resident_id_valid,
    uscc_check_char,
    uscc_valid,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

# The example printed in GB 11643-1999 itself, and a real credit code.
STANDARD_RESIDENT_ID = "11010519491231002X"
KNOWN_USCC = "91350100M000100Y43"


def make_resident_id(area: str, born: dt.date, sequence: int) -> str:
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


areas = st.from_regex(r"^[1-9][0-9]{5}$", fullmatch=True)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
resident_ids = st.builds(make_resident_id, areas, births, sequences)
usccs = st.text(alphabet=USCC_CHARS, min_size=17, max_size=17).map(lambda s: s + uscc_check_char(s))


def error_code(call, value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        call(value)
    return caught.value.code or ""


# --- resident IDs ---------------------------------------------------------------------------


def test_the_example_of_the_standard_is_valid_and_a_lower_case_x_is_normalised():
    assert resident_id_valid(STANDARD_RESIDENT_ID)
    assert validate_resident_id(" 11010519491231002x ") == STANDARD_RESIDENT_ID
    assert birth_date_from_id(STANDARD_RESIDENT_ID) == dt.date(1949, 12, 31)
    assert gender_from_id(STANDARD_RESIDENT_ID) == "female"  # 17th digit 2 is even


def test_full_width_digits_typed_with_a_chinese_input_method_count():
    assert validate_resident_id("１１０１０５１９４９１２３１００２ｘ") == STANDARD_RESIDENT_ID


@given(resident_ids)
def test_numbers_made_with_the_check_character_are_accepted(number):
    assert validate_resident_id(number) == number
    assert resident_id_valid(number.lower())


@given(resident_ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_changed_character_is_rejected(number, position, replacement):
    if number[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    changed = number[:position] + replacement + number[position + 1 :]
    assert not resident_id_valid(changed)


@given(resident_ids)
def test_the_gender_follows_the_parity_of_the_seventeenth_digit(number):
    assert gender_from_id(number) == ("male" if int(number[16]) % 2 else "female")


def test_a_date_that_does_not_exist_is_rejected_as_a_birth_date():
    first17 = "41150219900230123"
    number = first17 + resident_id_check_char(first17)
    assert error_code(validate_resident_id, number) == "birth_date"
    with pytest.raises(ValidationError, match="19900230"):
        validate_resident_id(number)


@time_machine.travel(dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC), tick=False)
def test_a_birth_date_in_the_future_or_before_1900_is_rejected():
    assert resident_id_valid(make_resident_id("411502", dt.date(2025, 6, 1), 123))
    assert (
        error_code(validate_resident_id, make_resident_id("411502", dt.date(2025, 6, 2), 123)) == "birth_date"
    )
    assert (
        error_code(validate_resident_id, make_resident_id("411502", dt.date(1899, 12, 31), 1)) == "birth_date"
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "length"),
        ("41150219900101123", "length"),
        ("4115021990010112345", "length"),
        ("4115021990010112A4", "characters"),
        ("X11502199001011234", "characters"),
        ("011502199001011239", "area"),
        ("411502199001011235", "check_digit"),
    ],
)
def test_the_message_says_what_is_wrong(value, code):
    assert error_code(validate_resident_id, value) == code


def test_messages_are_in_chinese():
    with pytest.raises(ValidationError) as caught:
        validate_resident_id("411502199001011235")
    assert "校验码" in caught.value.messages[0]


@pytest.mark.parametrize("value", [None, 12345, "", "   "])
def test_the_predicates_never_raise(value):
    assert resident_id_valid(value) is False
    assert uscc_valid(value) is False
    assert mobile_valid(value) is False


def test_the_check_helpers_refuse_bad_input():
    with pytest.raises(ValueError):
        resident_id_check_char("1234")
    with pytest.raises(ValueError):
        uscc_check_char("9135010OM000100Y4")  # O is not in the alphabet


# --- 统一社会信用代码 -----------------------------------------------------------------------


def test_a_real_credit_code_is_valid_and_lower_case_is_normalised():
    assert uscc_check_char(KNOWN_USCC[:17]) == KNOWN_USCC[17]
    assert validate_uscc(KNOWN_USCC.lower()) == KNOWN_USCC


@given(usccs)
def test_credit_codes_made_with_the_check_character_are_accepted(code):
    assert validate_uscc(code) == code


@given(usccs, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_CHARS))
@example(KNOWN_USCC, 17, "3")
def test_any_single_changed_character_of_a_credit_code_is_rejected(code, position, replacement):
    if code[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    assert not uscc_valid(code[:position] + replacement + code[position + 1 :])


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100I43", "characters"),
        ("91350100M000100O43", "characters"),
        ("91350100M000100Y44", "check_digit"),
    ],
)
def test_a_bad_credit_code_says_what_is_wrong(value, code):
    assert error_code(validate_uscc, value) == code


# --- mobile numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        " 138 1234 5678 ",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "8613812345678",
    ],
)
def test_mobile_numbers_are_normalised(value):
    assert validate_mobile(value) == "13812345678"


@pytest.mark.parametrize("value", ["", "12812345678", "1381234567", "138123456789", "0376-1234567", "abc"])
def test_what_is_not_a_mainland_mobile_number_is_rejected_in_chinese(value):
    with pytest.raises(ValidationError, match="手机号码"):
        validate_mobile(value)


# --- masks ----------------------------------------------------------------------------------


def test_the_masks_show_only_what_they_promise():
    assert mask_resident_id("411502199001011234") == "411502********1234"
    assert mask_uscc(KNOWN_USCC) == "9135**********0Y43"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("张") == "*"


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("", ""),
        ("  ", ""),
        ("1", "*"),
        ("12", "**"),
        ("123", "*23"),
        ("0376-123", "******23"),
        ("+8613812345678", "+86****5678"),
    ],
)
def test_the_phone_mask_keeps_the_behaviour_of_the_org_admin(phone, masked):
    assert mask_phone(phone) == masked


def visible(masked: str) -> int:
    return sum(1 for char in masked if char != "*")


@given(st.text(alphabet=st.characters(blacklist_characters="*"), max_size=30))
def test_masks_never_raise_and_never_reveal_more_than_stated(value):
    assert visible(mask_phone(value)) <= 7
    assert visible(mask_resident_id(value)) <= 10
    assert visible(mask_uscc(value)) <= 8
    assert visible(mask_name(value)) <= 2
    for mask in (mask_phone, mask_resident_id, mask_uscc, mask_name):
        stripped = value.strip()
        if stripped:
            assert mask(value) != stripped, (mask.__name__, value)


@given(resident_ids)
def test_a_masked_resident_id_never_shows_the_birth_date(number):
    masked = mask_resident_id(number)
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8


@pytest.mark.parametrize("value", [None, ""])
def test_masks_take_nothing_gracefully(value):
    for mask in (mask_phone, mask_resident_id, mask_uscc, mask_name):
        assert mask(value) == ""
