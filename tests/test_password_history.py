"""Password history (等保 level 3, issue 15 item 5): a member of staff cannot take back any of his
last five passwords — on the password page, in the admin and through ``changepassword`` alike —, and
the database keeps only Django's hashes of them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from yichuang.org.models import PasswordHistory, Staff

pytestmark = pytest.mark.django_db

FIRST = "pw-12345678"  # tests.factories.StaffFactory
PASSWORDS = ["Chunfeng-2026!", "k7Hq-M2xe-9TfR", "山水Ab12cd34", "Lake.view-77", "Qiu-Yue#2027"]


def change(user: Staff, password: str) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.save()


def refused_as_reused(password: str, user: Staff) -> bool:
    try:
        validate_password(password, user)
    except ValidationError as refused:
        return any("最近5次使用过的密码" in message for message in refused.messages)
    return False


def test_the_current_password_cannot_be_set_again(world):
    assert refused_as_reused(FIRST, world.staff["town_clerk"])


def test_none_of_the_last_five_passwords_comes_back(world):
    clerk = world.staff["town_clerk"]
    for password in PASSWORDS[:4]:
        change(clerk, password)

    # FIRST and the four since are the last five
    assert [refused_as_reused(p, clerk) for p in [FIRST, *PASSWORDS[:4]]] == [True] * 5

    change(clerk, PASSWORDS[4])
    assert not refused_as_reused(FIRST, clerk)  # the sixth back may be used again
    assert refused_as_reused(PASSWORDS[0], clerk)


def test_only_hashes_are_kept_and_no_more_than_five(world):
    clerk = world.staff["town_clerk"]
    for password in [*PASSWORDS, "Another-one-9"]:
        change(clerk, password)

    kept = list(PasswordHistory.objects.filter(user=clerk).values_list("password", flat=True))
    assert len(kept) == 5
    assert all(h.startswith("md5$") for h in kept)  # the tests' hasher; production's is pbkdf2
    assert not any(p in h for h in kept for p in PASSWORDS)


def test_the_count_is_a_setting(world, settings):
    settings.PASSWORD_HISTORY_COUNT = 2
    clerk = world.staff["town_clerk"]
    change(clerk, PASSWORDS[0])
    change(clerk, PASSWORDS[1])

    validate_password(FIRST, clerk)  # three back: allowed with a history of two
    with pytest.raises(ValidationError, match="最近2次"):
        validate_password(PASSWORDS[0], clerk)


def test_another_users_password_is_no_concern(world):
    change(world.staff["town_clerk"], PASSWORDS[0])

    validate_password(PASSWORDS[0], world.staff["other_clerk"])


def test_the_password_page_refuses_an_old_password_in_chinese_and_takes_a_new_one(world):
    clerk = world.staff["town_clerk"]
    change(clerk, PASSWORDS[0])
    client = Client()
    client.force_login(clerk)

    refused = client.post(
        "/password/",
        {"old_password": PASSWORDS[0], "new_password1": FIRST, "new_password2": FIRST},
    )
    assert refused.status_code == 400
    assert "新密码不能与最近5次使用过的密码相同" in refused.content.decode()

    done = client.post(
        "/password/",
        {"old_password": PASSWORDS[0], "new_password1": PASSWORDS[1], "new_password2": PASSWORDS[1]},
    )
    assert done.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORDS[1])
    assert client.get("/work/").status_code == 200  # still signed in


def test_the_admin_refuses_an_old_password_when_it_sets_one(world):
    clerk = world.staff["town_clerk"]
    admin = Client()
    admin.force_login(world.staff["admin"])

    page = admin.post(
        f"/admin/org/staff/{clerk.pk}/password/",
        {"password1": FIRST, "password2": FIRST, "usable_password": "true"},
    )
    assert page.status_code == 200
    assert "新密码不能与最近5次使用过的密码相同" in page.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(FIRST)


def test_changepassword_refuses_an_old_password(world, monkeypatch):
    answers = iter([FIRST, FIRST] * 3)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: next(answers))

    with pytest.raises(CommandError):
        call_command("changepassword", "clerk_a", stdout=StringIO(), stderr=StringIO())
