"""Staff API tokens (issue 15 items 3 and 5): kept as digests, one per sign-in, with an expiry, revoked at
sign-out and at a password change; ``POST /api/v1/auth/token/`` still answers ``{"token"}`` and
``Authorization: Bearer`` still opens the API (contract.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from yichuang.citizens.models import CitizenToken

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345678"  # tests.factories.StaffFactory


def sign_in(username: str = "clerk_a", password: str = PASSWORD) -> tuple[APIClient, str]:
    client = APIClient()
    answer = client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert answer.status_code == 200, answer.content
    token = answer.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, token


def every_text_in_the_database() -> str:
    """All the token table's columns as text (what someone reading the database sees)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_the_token_answer_keeps_its_contract_and_names_its_expiry(world):
    client, _token = sign_in()
    assert client.get("/api/v1/me/").json()["username"] == "clerk_a"
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": "clerk_a", "password": PASSWORD}, format="json"
    )
    assert set(answer.json()) == {"token", "expires_at"}


def test_the_database_holds_digests_never_a_token(world):
    _client, token = sign_in()
    stored = every_text_in_the_database()
    assert token not in stored
    assert token[15:] not in stored  # only the look-up prefix, never enough to sign in
    assert len(AuthToken.objects.get().digest) == 128


def test_each_device_has_its_own_token_and_signing_out_ends_only_that_one(world):
    desk, _ = sign_in()
    laptop, _ = sign_in()
    assert desk.post("/api/v1/auth/logout/", format="json").status_code == 204
    assert desk.get("/api/v1/me/").status_code == 401
    assert laptop.get("/api/v1/me/").status_code == 200


def test_signing_out_everywhere_ends_every_token_of_the_user(world):
    desk, _ = sign_in()
    laptop, _ = sign_in()
    other, _ = sign_in("clerk_b")
    assert desk.post("/api/v1/auth/logout/", {"all": True}, format="json").status_code == 204
    assert laptop.get("/api/v1/me/").status_code == 401
    assert other.get("/api/v1/me/").status_code == 200


def test_a_revoked_token_is_refused_at_once_although_it_was_just_used(world):
    client, _ = sign_in()
    assert client.get("/api/v1/me/").status_code == 200  # now kept in the process's token memo
    AuthToken.objects.filter(user=world.staff["town_clerk"]).delete()
    answer = client.get("/api/v1/me/")
    assert answer.status_code == 401 and answer.json()["code"] == "token_invalid"


def test_a_password_change_ends_every_token(world):
    client, _ = sign_in()
    assert client.get("/api/v1/me/").status_code == 200
    clerk = world.staff["town_clerk"]
    clerk.set_password("Another-pass-2026")
    clerk.save()
    assert client.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=clerk).exists()


def test_a_saved_profile_without_a_new_password_keeps_the_tokens(world):
    client, _ = sign_in()
    clerk = world.staff["town_clerk"]
    clerk.first_name = "小明"
    clerk.save()
    assert client.get("/api/v1/me/").status_code == 200


def test_a_token_expires_after_its_hours_even_while_remembered(world, settings):
    settings.AUTH_TOKEN_HOURS = 12
    with time_machine.travel(dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC), tick=False):
        client, _ = sign_in()
        assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(dt.datetime(2026, 12, 7, 19, 59, tzinfo=dt.UTC), tick=False):
        assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(dt.datetime(2026, 12, 7, 20, 1, tzinfo=dt.UTC), tick=False):
        assert client.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.exists(), "an expired token found is deleted"


def test_a_user_holds_at_most_the_limit_of_tokens_the_oldest_retired(world, settings):
    settings.AUTH_TOKEN_LIMIT = 3
    first, _ = sign_in()
    for _ in range(3):
        sign_in()
    assert AuthToken.objects.filter(user=world.staff["town_clerk"]).count() == 3
    assert first.get("/api/v1/me/").status_code == 401


def test_signing_out_is_a_security_event(world):
    from yichuang.audit.models import SecurityEvent

    client, _ = sign_in()
    client.post("/api/v1/auth/logout/", format="json")
    assert SecurityEvent.objects.filter(kind="logout", username="clerk_a").exists()


def test_signing_out_needs_a_signed_in_caller(world):
    assert APIClient().post("/api/v1/auth/logout/", format="json").status_code == 401


def test_a_citizens_sign_out_revokes_his_token(db):
    from tests.test_citizens import PHONE, last_code

    client = APIClient()
    client.post("/api/v1/citizen/login/code/", {"phone": PHONE}, format="json")
    token = client.post("/api/v1/citizen/login/", {"phone": PHONE, "code": last_code(PHONE)}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    assert client.get("/api/v1/citizen/me/").status_code == 200
    assert client.post("/api/v1/citizen/logout/", format="json").status_code == 204
    assert client.get("/api/v1/citizen/me/").status_code == 401
    assert not CitizenToken.objects.exists()
