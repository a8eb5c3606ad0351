"""Staff sessions, passwords and the lockout (issue 15 items 5 and 6): a session ends after 30 idle
minutes and 12 hours in all; passwords that are dates, digits, the username or common are refused in
Chinese; five failures lock a user only at the address they came from."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345678"  # tests.factories.StaffFactory
NINE = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)  # 09:00 in the county


def signed_in() -> Client:
    client = Client()
    assert client.post("/login/", {"username": "clerk_a", "password": PASSWORD}).status_code == 302
    return client


def at(minutes: float) -> time_machine.travel:
    return time_machine.travel(NINE + dt.timedelta(minutes=minutes), tick=False)


class TestSessions:
    def test_a_session_used_now_and_then_stays_open(self, county):
        with at(0):
            client = signed_in()
        for minute in (10, 35, 62, 90):
            with at(minute):
                assert client.get("/work/").status_code == 200, minute

    def test_thirty_idle_minutes_end_the_session_with_a_note_why(self, county):
        with at(0):
            client = signed_in()
            assert client.get("/work/").status_code == 200
        with at(31.5):
            page = client.get("/work/")
            assert page.status_code == 302 and page["Location"].startswith("/login/")
            login = client.get(page["Location"]).content.decode()
            assert "30分钟未操作" in login

    def test_the_idle_limit_is_a_setting(self, county, settings):
        settings.SESSION_IDLE_MINUTES = 5
        with at(0):
            client = signed_in()
        with at(6.5):
            assert client.get("/work/").status_code == 302

    def test_twelve_hours_end_a_session_however_busy(self, county):
        with at(0):
            client = signed_in()
        minute = 0
        while minute < 12 * 60 - 20:
            minute += 20
            with at(minute):
                assert client.get("/work/").status_code == 200, minute
        with at(12 * 60 + 1):
            assert client.get("/work/").status_code == 302

    def test_the_api_with_an_ended_session_answers_401(self, county):
        with at(0):
            client = signed_in()
            assert client.get("/api/v1/me/").status_code == 200
        with at(45):
            assert client.get("/api/v1/me/").status_code in (401, 403)

    def test_the_cookie_lives_no_longer_than_the_absolute_limit(self, settings):
        assert settings.SESSION_COOKIE_AGE == 12 * 3600


class TestPasswords:
    @pytest.mark.parametrize(
        ("password", "why"),
        [
            ("20261207", "日期"),
            ("2026-12-07", "日期"),
            ("07.12.2026", "日期"),
            ("13812345678", "全是数字"),
            ("Clerk_a-2026!", "用户名"),
            ("password", "太常见"),
            ("abcdefgh", "3类"),
            ("Ab1!", "太短"),
        ],
    )
    def test_weak_passwords_are_refused_saying_why_in_chinese(self, world, password, why):
        with pytest.raises(ValidationError) as refused:
            validate_password(password, world.staff["town_clerk"])
        assert any(why in message for message in refused.value.messages), refused.value.messages

    @pytest.mark.parametrize("password", ["Chunfeng-2026!", "k7Hq-M2xe-9TfR", "山水Ab12cd34"])
    def test_a_good_password_passes(self, world, password):
        validate_password(password, world.staff["town_clerk"])

    def test_the_rules_are_told_before_they_are_broken(self):
        assert any("不能是日期" in text for text in password_validators_help_texts())


class TestLockout:
    def sign_in(self, password: str, address: str) -> int:
        return (
            APIClient()
            .post(
                "/api/v1/auth/token/",
                {"username": "clerk_a", "password": password},
                format="json",
                HTTP_X_FORWARDED_FOR=address,
            )
            .status_code
        )

    def test_an_attacker_behind_the_proxy_locks_the_user_only_at_his_own_address(self, world, settings):
        settings.YICHUANG_TRUSTED_PROXIES = "127.0.0.1"  # every request comes through nginx
        answers = [self.sign_in("wrong", "6.6.6.6") for _ in range(5)]
        assert answers == [400] * 4 + [403]
        assert self.sign_in(PASSWORD, "6.6.6.6") == 403  # locked there, even with the right password
        assert self.sign_in(PASSWORD, "203.0.113.5") == 200  # the clerk at his desk signs in

    def test_a_made_up_header_does_not_escape_the_lockout(self, world):
        for i in range(5):
            self.sign_in("wrong", f"6.6.6.{i}")
        assert self.sign_in(PASSWORD, "198.51.100.1") == 403
