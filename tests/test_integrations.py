"""Other systems (issue 17, item 5): an OAuth2 client-credentials token reads only its scopes and its
region; a subscribed system receives signed events for a case's transitions, retried with growing
pauses and kept as dead letters when its receiver never answers."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from tests.test_cases import accepted_case, act, application, client_for
from yichuang.integrations.models import EventStatus, OutboundEvent
from yichuang.integrations.services import BACKOFF, events_deliver, subscription_create, system_register
from yichuang.integrations.signing import signature_valid

pytestmark = pytest.mark.django_db


class Receiver:
    """A system's endpoint on this machine: keeps what it is sent, answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(owner.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _headers, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.server.shutdown()


def other_town_case(county: Any) -> str:
    """A case accepted at the second town's center (outside the first town's systems)."""
    clerk = client_for(county.staff["other_clerk"])
    answer = clerk.post(
        "/api/v1/cases/",
        application(clerk, point="CB", provide=("M001", "M002", "M020"), commitments=["M010"]),
        format="json",
    )
    assert answer.status_code == 201, answer.content
    return str(answer.json()["number"])


def system_token(client_id: str, secret: str, scope: str = "") -> dict[str, Any]:
    asked = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    answer = APIClient().post("/o/token/", {**asked, "scope": scope} if scope else asked)
    return {"status": answer.status_code, **answer.json()}


def as_system(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def town_system(county: Any) -> tuple[Any, str, str]:
    """The town's 低保 system: it may read cases and subscribe, for the first town only."""
    return system_register(
        name="甲镇社会救助系统",
        region=county.regions["town_a"],
        scopes=["cases:read", "events:subscribe", "events:read"],
    )


def test_a_system_signs_in_with_its_client_credentials_and_reads_a_case_of_its_region(county, town_system):
    _client, client_id, secret = town_system
    number = accepted_case(client_for(county.staff["town_clerk"]))["number"]
    token = system_token(client_id, secret)
    assert token["status"] == 200 and token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"cases:read", "events:subscribe", "events:read"}
    answer = as_system(token["access_token"]).get(f"/api/v1/system/cases/{number}/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted" and answer.json()["item"]["name"] == "农村最低生活保障审批"
    assert "applicant" not in answer.json()  # no personal data for other systems


def test_a_wrong_secret_gets_no_token(town_system):
    _client, client_id, _secret = town_system
    assert system_token(client_id, "not-the-secret")["status"] == 401


def test_a_system_cannot_take_a_scope_it_was_not_granted(town_system):
    _client, client_id, secret = town_system
    assert system_token(client_id, secret, scope="events:write")["status"] == 400


def test_a_token_without_the_scope_is_refused_and_a_case_outside_the_region_is_not_found(county):
    _client, client_id, secret = system_register(
        name="甲镇窗口屏", region=county.regions["town_a"], scopes=["events:read"]
    )
    other_town = other_town_case(county)
    narrow = as_system(system_token(client_id, secret)["access_token"])
    assert narrow.get(f"/api/v1/system/cases/{other_town}/").status_code == 403
    _client, client_id, secret = system_register(name="甲镇系统", region=county.regions["town_a"])
    reader = as_system(system_token(client_id, secret)["access_token"])
    assert reader.get(f"/api/v1/system/cases/{other_town}/").status_code == 404


def test_staff_tokens_open_no_system_endpoint_and_system_tokens_no_staff_endpoint(county, town_system):
    _client, client_id, secret = town_system
    number = accepted_case(client_for(county.staff["town_clerk"]))["number"]
    assert client_for(county.staff["town_clerk"]).get(f"/api/v1/system/cases/{number}/").status_code in (
        401,
        403,
    )
    system = as_system(system_token(client_id, secret)["access_token"])
    assert system.get(f"/api/v1/cases/{number}/").status_code == 401


def test_no_system_token_or_client_secret_is_kept_in_the_database(town_system):
    from oauth2_provider.models import AccessToken, Application

    _client, client_id, secret = town_system
    token = system_token(client_id, secret)["access_token"]
    stored = AccessToken.objects.get()
    assert stored.token != token and token not in stored.token_checksum
    assert Application.objects.get(client_id=client_id).client_secret != secret


def test_a_subscribed_system_receives_each_transition_signed_and_in_order(county, town_system, receiver):
    _client, client_id, secret = town_system
    token = system_token(client_id, secret)["access_token"]
    made = as_system(token).post(
        "/api/v1/system/subscriptions/", {"url": receiver.url, "events": []}, format="json"
    )
    assert made.status_code == 201
    webhook_secret = made.json()["secret"]

    number = accepted_case(client_for(county.staff["town_clerk"]))["number"]
    assert act(client_for(county.staff["reviewer"]), number, "approve").status_code == 200
    assert events_deliver() == 4

    kinds = [(e["type"], e.get("from_status"), e["to_status"]) for e in receiver.events()]
    assert kinds == [
        ("case.created", None, "submitted"),
        ("case.status_changed", "submitted", "accepted"),
        ("case.status_changed", "accepted", "approved"),
        ("case.decided", "accepted", "approved"),
    ]
    assert all(e["case"]["number"] == number for e in receiver.events())
    for headers, body in receiver.received:
        assert signature_valid(secret=webhook_secret, headers=headers, body=body)
        assert "applicant" not in body.decode()
    tampered_headers, tampered_body = receiver.received[0]
    assert not signature_valid(secret=webhook_secret, headers=tampered_headers, body=tampered_body + b" ")
    assert OutboundEvent.objects.filter(status=EventStatus.DELIVERED).count() == 4


def test_events_of_another_region_are_not_sent(county, town_system, receiver):
    client, _id, _secret = town_system
    subscription_create(client=client, url=receiver.url, events=[])
    other_town_case(county)
    assert events_deliver() == 0 and receiver.received == []


def test_a_receiver_that_fails_is_tried_again_later_then_kept_as_a_dead_letter(county, town_system, receiver):
    client, client_id, secret = town_system
    subscription_create(client=client, url=receiver.url, events=["case.created"])
    receiver.status = 503
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        accepted_case(client_for(county.staff["town_clerk"]))
        assert events_deliver() == 1
        event = OutboundEvent.objects.get()
        assert (event.status, event.attempts, event.last_status) == (EventStatus.PENDING, 1, 503)
        assert events_deliver() == 0  # not due before its pause is over
        for pause in BACKOFF:
            clock.shift(dt.timedelta(seconds=pause))
            assert events_deliver() == 1
    event.refresh_from_db()
    assert event.status == EventStatus.DEAD and event.attempts == len(BACKOFF) + 1
    assert len(receiver.received) == len(BACKOFF) + 1

    # The system lists its dead letters and, once its receiver is back, has one sent again.
    _c, reader_id, reader_secret = system_register(
        name="甲镇运维", region=client.region, scopes=["events:read", "events:write"]
    )
    system = as_system(system_token(client_id, secret)["access_token"])
    dead = system.get("/api/v1/system/events/?status=dead")
    assert dead.status_code == 200 and [row["id"] for row in dead.json()["results"]] == [str(event.uid)]
    other = as_system(system_token(reader_id, reader_secret)["access_token"])
    assert other.get("/api/v1/system/events/?status=dead").json()["results"] == []
    assert other.post(f"/api/v1/system/events/{event.uid}/redeliver/").status_code == 404
    receiver.status = 204
    from yichuang.integrations.services import event_redeliver

    event_redeliver(event=event)
    assert events_deliver() == 1
    event.refresh_from_db()
    assert event.status == EventStatus.DELIVERED


def test_two_sweeps_at_once_post_each_event_once(county, town_system, receiver):
    client, _id, _secret = town_system
    subscription_create(client=client, url=receiver.url, events=[])
    accepted_case(client_for(county.staff["town_clerk"]))
    from yichuang.integrations.services import events_claim

    first = events_claim()
    second = events_claim()
    assert len(first) == 2 and second == []


def test_without_subscriptions_an_action_writes_no_event(county):
    accepted_case(client_for(county.staff["town_clerk"]))
    assert not OutboundEvent.objects.exists()


def test_the_command_registers_a_system_and_prints_its_credentials_once(county, capsys):
    call_command("add_system", "县电子证照库", "--scopes", "cases:read events:read")
    out = capsys.readouterr().out
    assert "client_id:" in out and "client_secret:" in out
    client_id = out.split("client_id:")[1].split()[0]
    secret = out.split("client_secret:")[1].split()[0]
    assert system_token(client_id, secret)["status"] == 200
