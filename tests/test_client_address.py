"""Limits count the client, not what the client writes in X-Forwarded-For (issue 15 item 1).

The client's address comes from ``yichuang.common.clientip.client_address``: the peer's own unless
``YICHUANG_TRUSTED_PROXIES`` names proxies of ours, and then only what those proxies wrote. The
throttles, the tracking page, ``/verify/``, the citizens' sign-in codes, the login lockout and the
audit trail all ask it; the counters live in the database cache, one count for every process."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from yichuang.common import throttles
from yichuang.common.clientip import TrustedProxies, parse_trusted_proxies, resolve

NUMBER = "41150220261207000001"  # no such case: a 404 until the limit, then 429


def spoofed(i: int) -> str:
    return f"203.0.113.{i % 250}, 198.51.{i // 250}.{i % 250}"


class TestTheAddressRule:
    def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says(self):
        assert resolve("192.0.2.7", "203.0.113.9", TrustedProxies()) == "192.0.2.7"

    def test_one_trusted_hop_gives_the_address_our_proxy_saw(self):
        one = parse_trusted_proxies("1")
        assert resolve("127.0.0.1", "203.0.113.9", one) == "203.0.113.9"
        # a client that sends its own header gets it appended to, not believed
        assert resolve("127.0.0.1", "6.6.6.6, 203.0.113.9", one) == "203.0.113.9"

    def test_two_hops_count_from_the_right(self):
        two = parse_trusted_proxies("2")
        assert resolve("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", two) == "203.0.113.9"
        assert resolve("10.0.0.2", "203.0.113.9", two) == "203.0.113.9"  # fewer hops than configured

    def test_trusted_networks_are_walked_from_the_peer_to_the_first_stranger(self):
        ours = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")
        assert resolve("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.2.3", ours) == "203.0.113.9"
        # a peer that is not ours is the client, whatever it claims
        assert resolve("198.51.100.4", "10.1.2.3", ours) == "198.51.100.4"

    def test_garbage_in_the_header_is_never_a_fresh_identity(self):
        assert resolve("127.0.0.1", "not-an-address", parse_trusted_proxies("1")) == "127.0.0.1"
        ours = parse_trusted_proxies("127.0.0.0/8")
        assert resolve("127.0.0.1", "x, 127.0.0.2", ours) == "127.0.0.2"

    def test_ports_and_ipv6_are_understood(self):
        one = parse_trusted_proxies("1")
        assert resolve("::1", "[2001:db8::1]:4711", one) == "2001:db8::1"
        assert resolve("127.0.0.1", "203.0.113.9:5555", one) == "203.0.113.9"

    def test_a_bad_setting_stops_the_start_naming_the_variable(self):
        with pytest.raises(ImproperlyConfigured, match="YICHUANG_TRUSTED_PROXIES"):
            parse_trusted_proxies("nginx.local")


@pytest.mark.django_db
class TestPublicLimits:
    def test_300_made_up_forwarded_headers_are_throttled_like_one_client(self):
        client = APIClient()
        codes = [
            client.post(
                f"/api/v1/track/{NUMBER}/",
                {"phone": "13900000000"},
                format="json",
                HTTP_X_FORWARDED_FOR=spoofed(i),
            ).status_code
            for i in range(300)
        ]
        assert codes[:20] == [404] * 20
        assert set(codes[20:]) == {429}

    def test_behind_a_configured_proxy_each_real_client_has_its_own_count(self, settings):
        settings.YICHUANG_TRUSTED_PROXIES = "127.0.0.1"  # the test client's peer address is nginx
        client = APIClient()

        def track(real: str, made_up: str = "") -> int:
            header = f"{made_up}, {real}" if made_up else real
            return client.post(
                f"/api/v1/track/{NUMBER}/",
                {"phone": "13900000000"},
                format="json",
                HTTP_X_FORWARDED_FOR=header,
            ).status_code

        first = [track("203.0.113.10", made_up=f"6.6.6.{i}") for i in range(21)]
        assert first == [404] * 20 + [429]  # the spoofed left part, appended to by nginx, changes nothing
        assert track("203.0.113.11") == 404  # another citizen behind the same proxy is not blocked

    def test_the_counter_is_in_the_shared_cache_not_in_this_process(self):
        APIClient().post(f"/api/v1/track/{NUMBER}/", {"phone": "13900000000"}, format="json")
        # A cache object made afresh (as another worker has) sees the same count.
        elsewhere = caches.create_connection("default")
        assert type(elsewhere).__name__ in {"DatabaseCache", "RedisCache"}
        counted = elsewhere.get("throttle_track_127.0.0.1")
        assert counted is not None and len(counted) == 1

    def test_the_tracking_page_counts_by_the_same_address(self, county):
        client = Client()
        codes = [
            client.post(
                "/track/", {"number": NUMBER, "phone": "13900000000"}, HTTP_X_FORWARDED_FOR=spoofed(i)
            ).status_code
            for i in range(25)
        ]
        assert codes[:20] == [404] * 20 and set(codes[20:]) == {429}

    def test_the_verify_page_is_limited_too(self, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "verify": "5/min",
            },
        }
        client = Client()
        codes = [
            client.get("/verify/ABCD-EFGH-JKLM", HTTP_X_FORWARDED_FOR=spoofed(i)).status_code
            for i in range(7)
        ]
        assert codes == [404] * 5 + [429, 429]
        page = client.get("/verify/ABCD-EFGH-JKLM")
        assert page["Retry-After"] == "60"
        assert "查询过于频繁" in page.content.decode()

    def test_sign_in_codes_are_limited_per_real_address_not_per_header(self):
        client = APIClient()
        answers = [
            client.post(
                "/api/v1/citizen/login/code/",
                {"phone": f"1381234{i:04d}"},
                format="json",
                HTTP_X_FORWARDED_FOR=spoofed(i),
            ).status_code
            for i in range(11)
        ]
        assert answers == [202] * 10 + [429]

    def test_a_refused_request_is_logged_with_the_counted_address(self, caplog, settings):
        settings.YICHUANG_TRUSTED_PROXIES = "1"
        client = APIClient()
        with caplog.at_level(logging.WARNING, logger="yichuang.security"):
            for _ in range(21):
                client.post(
                    f"/api/v1/track/{NUMBER}/",
                    {"phone": "13900000000"},
                    format="json",
                    HTTP_X_FORWARDED_FOR="203.0.113.77",
                )
        assert any("203.0.113.77" in r.getMessage() and "track" in r.getMessage() for r in caplog.records)


def _views(patterns: list[Any]) -> list[Any]:
    found: list[Any] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _views(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            found.append(getattr(entry.callback, "cls", None) or getattr(entry.callback, "view_class", None))
    return [view for view in found if view is not None]


def test_every_throttle_of_every_api_view_counts_by_the_client_address():
    checked = 0
    for view in _views(get_resolver().url_patterns):
        for throttle in getattr(view, "throttle_classes", []):
            checked += 1
            assert issubclass(throttle, throttles.ScopedRateThrottle | throttles.ClientAddressThrottle), (
                f"{view.__module__}.{view.__name__} uses {throttle}: use yichuang.common.throttles"
            )
    assert checked >= 8


@pytest.mark.django_db
def test_a_security_event_records_the_client_behind_the_proxy(world, settings):
    from yichuang.audit.models import SecurityEvent

    settings.YICHUANG_TRUSTED_PROXIES = "127.0.0.1"
    APIClient().post(
        "/api/v1/auth/token/",
        {"username": "clerk_a", "password": "wrong"},
        format="json",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5",
    )
    assert SecurityEvent.objects.get(kind="login_failed").ip == "203.0.113.5"
