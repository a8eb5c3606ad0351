"""Personal data sealed at rest (issue 15, Deliver 3; decision 96): SM4-GCM under a key named in each
value, an SM3-HMAC index for equality look-ups, key rotation, and loud failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from tests.test_cases import ID_NUMBER, PHONE, application
from yichuang.cases.models import Case
from yichuang.citizens.models import Citizen
from yichuang.notify.models import SmsMessage, SmsStatus
from yichuang.notify.services import sms_send_batch
from yichuang.pii import keys
from yichuang.pii.cipher import SealError, blind_index, seal
from yichuang.pii.migration import reseal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def key_file(settings: Any, tmp_path: Path) -> Any:
    """Each test seals under keys of its own, in a file of its own."""
    settings.PII_KEY_FILE = str(tmp_path / "keys" / "pii-keys.json")
    keys.forget_keys()
    yield Path(settings.PII_KEY_FILE)
    keys.forget_keys()


def raw(table: str, *columns: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")
        return list(cursor.fetchall())


@pytest.fixture
def case(county: Any, clerk: Any) -> Case:
    response = clerk.post("/api/v1/cases/", application(clerk), format="json")
    assert response.status_code == 201, response.content
    return Case.objects.get(number=response.json()["number"])


def test_the_database_holds_no_plain_id_number_or_phone_of_an_applicant(case):
    [(id_number, phone)] = raw("cases_case", "applicant_id_number", "applicant_phone")

    assert ID_NUMBER not in id_number and PHONE not in phone
    assert id_number.startswith("s1.") and phone.startswith("s1.")
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.applicant_id_number, fresh.applicant_phone) == (ID_NUMBER, PHONE)


def test_the_same_number_seals_differently_each_time(case):
    [(first,)] = raw("cases_case", "applicant_phone")
    case.save()
    [(second,)] = raw("cases_case", "applicant_phone")

    assert first != second
    assert Case.objects.get(pk=case.pk).applicant_phone == PHONE


def test_the_outbox_keeps_the_number_sealed_and_masks_it_once_sent(case):
    ids = list(SmsMessage.objects.filter(case_number=case.number).values_list("pk", flat=True))
    assert ids and all(PHONE not in row[0] for row in raw("notify_smsmessage", '"to"'))

    sms_send_batch(message_ids=ids)

    sent = SmsMessage.objects.get(pk=ids[0])
    assert sent.status == SmsStatus.SENT
    assert sent.to == PHONE[:3] + "****" + PHONE[-4:]
    assert all(value.startswith("s1.") for (value,) in raw("notify_smsmessage", '"to"'))


def test_tracking_by_phone_still_works(case):
    from rest_framework.test import APIClient

    public = APIClient()
    assert public.post(f"/api/v1/track/{case.number}/", {"phone": PHONE}, format="json").status_code == 200
    assert (
        public.post(f"/api/v1/track/{case.number}/", {"phone": "13900000000"}, format="json").status_code
        == 404
    )


def test_a_citizen_is_found_by_his_phone_through_the_index():
    first = Citizen.objects.create(phone="13912340000")

    assert Citizen.objects.get(phone=" 13912340000 ") == first
    assert Citizen.objects.get_or_create(phone="13912340000") == (first, False)
    assert list(Citizen.objects.filter(phone__in=["13912340000", "13800000000"])) == [first]
    [(stored, index)] = raw("citizens_citizen", "phone", "phone_index")
    assert "13912340000" not in stored and len(index) == 64 and "13912340000" not in index


def test_two_citizens_cannot_share_a_phone():
    from django.db import IntegrityError, transaction

    Citizen.objects.create(phone="13912340000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Citizen.objects.create(phone="13912340000")


def test_a_sealed_column_refuses_what_ciphertext_cannot_answer(case):
    with pytest.raises(FieldError, match="加密字段"):
        list(Citizen.objects.filter(phone__startswith="139"))
    with pytest.raises(FieldError, match="没有查询索引"):
        list(Case.objects.filter(applicant_phone=PHONE))


def test_a_wrong_key_fails_loudly(case, key_file):
    data = json.loads(key_file.read_text())
    data["keys"][data["current"]] = "00" * 16
    key_file.write_text(json.dumps(data))
    keys.forget_keys()

    with pytest.raises(SealError, match="密钥错误或数据被改动"):
        Case.objects.get(pk=case.pk)


def test_a_missing_key_names_the_key(case, key_file):
    data = json.loads(key_file.read_text())
    data["keys"] = {"0badbeef": "11" * 16}
    data["current"] = "0badbeef"
    key_file.write_text(json.dumps(data))
    keys.forget_keys()

    with pytest.raises(SealError, match="不在密钥文件中"):
        Case.objects.get(pk=case.pk)


def test_a_ciphertext_moved_to_another_column_does_not_open(case):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET applicant_id_number = applicant_phone")

    with pytest.raises(SealError):
        Case.objects.get(pk=case.pk)


def test_rotation_seals_every_row_again_under_a_new_key_and_retires_the_old(case, key_file, capsys):
    old = json.loads(key_file.read_text())["current"]
    Citizen.objects.create(phone="13912340000", id_number=ID_NUMBER)

    call_command("rotate_pii_key", "--batch", "1", "--retire")

    new = json.loads(key_file.read_text())["current"]
    assert new != old and list(json.loads(key_file.read_text())["keys"]) == [new]
    for table, column in (("cases_case", "applicant_phone"), ("citizens_citizen", "id_number")):
        assert all(value.startswith(f"s1.{new}.") for (value,) in raw(table, column))
    assert Case.objects.get(pk=case.pk).applicant_phone == PHONE
    assert Citizen.objects.get(phone="13912340000").id_number == ID_NUMBER
    out = capsys.readouterr().out
    assert "cases.Case: 1/1" in out and old in out


def test_a_rotation_stopped_half_way_is_resumed(case, key_file):
    call_command("rotate_pii_key")
    data = json.loads(key_file.read_text())
    old = next(k for k in data["keys"] if k != data["current"])
    with connection.cursor() as cursor:  # as if the run had stopped before this row
        cursor.execute(
            "UPDATE cases_case SET applicant_phone = %s",
            [seal(PHONE, context="cases.Case.applicant_phone", key_id=old)],
        )

    call_command("rotate_pii_key", "--no-new-key", "--retire")

    assert raw("cases_case", "applicant_phone")[0][0].startswith(f"s1.{data['current']}.")
    assert Case.objects.get(pk=case.pk).applicant_phone == PHONE


def test_the_data_migration_seals_plain_rows_and_fills_the_index():
    Citizen.objects.create(phone="13912340000")
    with connection.cursor() as cursor:  # a row as it was before the migration
        cursor.execute("UPDATE citizens_citizen SET phone = '13912340000', phone_index = ''")

    assert reseal(Citizen, connection, batch=1) == 1

    [(stored, index)] = raw("citizens_citizen", "phone", "phone_index")
    assert stored.startswith("s1.") and index == blind_index("13912340000", context="citizens.Citizen.phone")
    assert Citizen.objects.get(phone="13912340000").phone == "13912340000"


def test_production_refuses_to_start_without_a_key_file(settings, tmp_path):
    from yichuang.pii.checks import refuse_without_pii_keys

    settings.PRODUCTION = True
    settings.PII_KEY_FILE = str(tmp_path / "absent.json")
    keys.forget_keys()

    with pytest.raises(ImproperlyConfigured, match="个人信息"):
        refuse_without_pii_keys()
    assert not (tmp_path / "absent.json").exists()


def test_outside_production_the_key_file_is_made_once_and_kept_private(key_file):
    assert not key_file.exists()
    ring = keys.keyring()

    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
    keys.forget_keys()
    assert keys.keyring() == ring


def every_text_value() -> Iterator[tuple[str, str, str]]:
    """(table, column, value) of every text column of every table of the project."""
    from django.apps import apps

    for model in apps.get_models(include_auto_created=True):
        columns = [
            f.column
            for f in model._meta.local_concrete_fields
            if f.get_internal_type() in {"CharField", "TextField", "JSONField"}
        ]
        if not columns:
            continue
        table = model._meta.db_table
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        yield table, column, str(value)


def test_no_table_holds_the_applicants_whole_id_number_or_phone_after_a_case_is_decided(
    case, clerk, reviewer, django_capture_on_commit_callbacks
):
    from tests.test_cases import act

    with django_capture_on_commit_callbacks(execute=True):
        act(reviewer, case.number, "approve")
        act(clerk, case.number, "deliver", method="pickup")

    found = [(t, c) for t, c, v in every_text_value() if ID_NUMBER in v or PHONE in v]
    assert found == []


class MemoryKeys:
    """A stand-in for a KMS: the keys live with the service, not in a file on the server."""

    ring = keys.KeyRing(current="kms00001", keys={"kms00001": b"\x07" * 16}, index_key=b"\x09" * 32)

    def load(self) -> keys.KeyRing:
        return self.ring

    def add_key(self) -> str:
        raise NotImplementedError


def test_a_kms_backend_named_in_the_settings_supplies_the_keys(settings, key_file):
    settings.PII_KEY_BACKEND = "tests.test_pii.MemoryKeys"
    keys.forget_keys()

    citizen = Citizen.objects.create(phone="13912340000")

    [(stored,)] = raw("citizens_citizen", "phone")
    assert stored.startswith("s1.kms00001.") and not key_file.exists()
    assert Citizen.objects.get(phone="13912340000") == citizen


def test_every_sealed_address_column_holds_the_longest_address_a_form_accepts():
    """Forms accept 200 characters of address; sealed, even in 4-byte characters, they must fit."""
    from django.apps import apps

    from yichuang.pii.fields import SealedCharField, SealedJSONField

    longest = len(seal("𠀀" * 200, context="x" * 40))
    columns = [
        (model._meta.label, field.name, field.max_length)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, SealedCharField)
        and not isinstance(field, SealedJSONField)
        and "address" in field.name
    ]
    assert len(columns) == 3
    assert [c for c in columns if (c[2] or 0) < longest] == []
