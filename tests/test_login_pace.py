"""A slowing, never locking, limit per username from every address (issue 15 item 5, decision 105).

django-axes locks a username at one address after five failures; an attacker with many addresses
would get five guesses at each. After ten failures in a row from anywhere, each further attempt for
that username must wait — 2, 4, 8 … seconds up to five minutes — and is answered 429 with
``Retry-After`` without its password being looked at; the user at an address he signed in from before
is never kept waiting."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345678"  # tests.factories.StaffFactory
NINE = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)
DESK = "203.0.113.5"


@pytest.fixture(autouse=True)
def behind_the_proxy(settings: Any) -> None:
    settings.YICHUANG_TRUSTED_PROXIES = "127.0.0.1"  # every request comes through nginx


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NINE, tick=False) as traveller:
        yield traveller


def sign_in(password: str, address: str, username: str = "clerk_a") -> Any:
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        HTTP_X_FORWARDED_FOR=address,
    )


def botnet(failures: int, start: int = 0) -> list[int]:
    """``failures`` wrong guesses, two from each address (axes never locks any of them)."""
    return [
        sign_in("wrong", f"198.51.{(start + i) // 2}.{(start + i) % 2 + 1}").status_code
        for i in range(failures)
    ]


def test_ten_failures_from_many_addresses_make_the_next_attempt_wait(world, clock):
    assert botnet(10) == [400] * 10

    answer = sign_in(PASSWORD, "192.0.2.77")  # even the right password: it is not looked at

    assert answer.status_code == 429
    assert answer["Retry-After"] == "2"
    body = answer.json()
    assert body["code"] == "throttled" and "2秒后再试" in body["detail"] and "token" not in body


def test_the_wait_doubles_with_each_failure_and_stops_at_five_minutes(world, clock):
    botnet(10)
    waits = []
    for i in range(10):
        refused = sign_in("wrong", f"192.0.2.{i + 1}")
        waits.append(int(refused["Retry-After"]))
        clock.shift(waits[-1])
        assert sign_in("wrong", f"192.0.2.{i + 1}").status_code == 400  # one guess, then wait again

    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_attempts_during_the_wait_spend_no_guess_and_lock_no_one(world, clock):
    botnet(10)
    answers = [sign_in("wrong", "192.0.2.9").status_code for _ in range(8)]
    assert answers == [429] * 8

    clock.shift(2)
    # eight refusals counted nothing: neither a longer wait nor axes' lock at that address
    assert sign_in(PASSWORD, "192.0.2.9").status_code == 200


def test_the_user_at_his_usual_address_is_never_kept_waiting(world, clock):
    assert sign_in(PASSWORD, DESK).status_code == 200  # yesterday, at his desk
    clock.shift(dt.timedelta(days=1))
    botnet(30)
    assert sign_in(PASSWORD, "192.0.2.1").status_code == 429  # elsewhere he waits like anyone

    assert sign_in(PASSWORD, DESK).status_code == 200


def test_an_address_long_unused_is_not_usual_any_more(world, clock, settings):
    settings.LOGIN_KNOWN_ADDRESS_DAYS = 30
    assert sign_in(PASSWORD, DESK).status_code == 200
    clock.shift(dt.timedelta(days=31))
    botnet(10)

    assert sign_in(PASSWORD, DESK).status_code == 429


def test_a_quiet_quarter_of_an_hour_forgets_the_failures(world, clock):
    botnet(9)
    clock.shift(dt.timedelta(minutes=16))
    botnet(9, start=20)

    assert sign_in(PASSWORD, "192.0.2.1").status_code == 200


def test_a_successful_sign_in_forgets_the_failures(world, clock):
    botnet(9)
    assert sign_in(PASSWORD, DESK).status_code == 200
    botnet(9, start=20)

    assert sign_in(PASSWORD, "192.0.2.1").status_code == 200


def test_other_users_are_not_slowed(world, clock):
    botnet(12)

    assert sign_in(PASSWORD, "192.0.2.1", username="clerk_b").status_code == 200


def test_the_counts_are_kept_where_every_process_sees_them(world, clock, settings):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    botnet(10)

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM yichuang_cache")
        keys = [key for (key,) in cursor.fetchall()]
    assert any("login-pace:" in key for key in keys)
    assert not any("clerk_a" in key for key in keys)  # the username is hashed in the key


def test_the_login_page_says_so_in_chinese_with_retry_after(world, clock):
    botnet(10)

    page = Client(HTTP_X_FORWARDED_FOR="192.0.2.50").post(
        "/login/", {"username": "clerk_a", "password": PASSWORD}
    )

    assert page.status_code == 429 and page["Retry-After"] == "2"
    assert "该账号近期多次登录失败" in page.content.decode()
    assert "_auth_user_id" not in page.client.session


def test_the_admins_login_is_slowed_alike(world, clock):
    botnet(10, start=0)
    for i in range(10):  # the administrator's account this time
        sign_in("wrong", f"198.51.{i // 2}.{i % 2 + 1}", username="root")

    page = Client(HTTP_X_FORWARDED_FOR="192.0.2.50").post(
        "/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD}
    )

    assert page.status_code == 429 and "该账号近期多次登录失败" in page.content.decode()
