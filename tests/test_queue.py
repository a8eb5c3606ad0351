"""The hall: numbers taken at the kiosk or the window, called to windows, served, shown on the board,
and measured."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.queue_cast import PHONE, WEDNESDAY_MORNING, Hall, client_for
from tests.test_cases import accepted_case
from yichuang.notify.models import SmsMessage
from yichuang.queue import services
from yichuang.queue.figures import queue_figures
from yichuang.queue.models import QueueTicket, QueueTicketEvent, TicketSource, TicketStatus

pytestmark = pytest.mark.django_db

KIOSK = "/api/v1/queue/points/{code}/tickets/"
BOARD = "/api/v1/queue/points/{code}/board/"
#: 1956-03-07: 70 years old in 2026. 2000-01-01: 26.
OLD_ID = "110101195603070017"
YOUNG_ID = "110101200001010010"


@pytest.fixture(autouse=True)
def _wednesday(time_machine: Any) -> None:
    time_machine.move_to(WEDNESDAY_MORNING, tick=False)


def take(code: str = "HALL", category: str = "general", **body: Any) -> dict[str, Any]:
    response = APIClient().post(KIOSK.format(code=code), {"category": category, **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def call(client: APIClient, window: Any) -> Any:
    return client.post(f"/api/v1/queue/windows/{window.pk}/call/")


def act(client: APIClient, ticket_id: int, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/queue/tickets/{ticket_id}/actions/{action}/", body, format="json")


def ticket(number: str) -> QueueTicket:
    return QueueTicket.objects.get(number=number, day=WEDNESDAY_MORNING.date())


# —— taking a number ————————————————————————————————————————————————————————————————————————————


class TestTaking:
    def test_a_kiosk_ticket_has_the_letter_of_its_category_and_the_next_number_of_the_day(self, hall):
        assert take()["number"] == "A001"
        assert take()["number"] == "A002"
        assert take(category="estate")["number"] == "D001", "each category counts alone"

    def test_numbers_start_again_the_next_day(self, hall, time_machine):
        take()
        time_machine.move_to(WEDNESDAY_MORNING + dt.timedelta(days=1), tick=False)
        assert take()["number"] == "A001"

    def test_the_kiosk_needs_no_login_and_prints_no_personal_data(self, hall):
        body = take(phone=PHONE)
        assert body["point_name"] == "区政务服务中心"
        assert body["ahead"] == 0
        assert PHONE not in str(body) and "phone" not in body

    def test_the_kiosk_tells_how_many_wait_ahead(self, hall):
        take()
        take()
        assert take()["ahead"] == 2

    def test_a_kiosk_point_queues_for_the_hall_it_stands_in(self, hall):
        from tests import factories as f
        from yichuang.org.models import PointKind

        f.PointFactory(code="HALL-ZD01", kind=PointKind.KIOSK, region=hall.point.region, parent=hall.point)
        body = take(code="HALL-ZD01")
        assert body["point"] == "HALL"

    def test_a_category_no_window_of_the_point_serves_is_refused_in_chinese(self, hall):
        response = APIClient().post(KIOSK.format(code="HALL"), {"category": "social"}, format="json")
        assert response.status_code == 422
        assert response.json()["fields"]["category"] == ["该服务点没有办理此类业务的窗口。"]
        assert not QueueTicket.objects.exists()

    def test_unknown_points_and_categories_answer_in_the_error_format(self, hall):
        assert APIClient().post(KIOSK.format(code="NOPE"), {"category": "general"}).status_code == 404
        response = APIClient().post(KIOSK.format(code="HALL"), {"category": "nope"}, format="json")
        assert response.status_code == 422
        assert response.json()["detail"] == "没有这个业务类别。"

    def test_a_bad_phone_number_is_refused(self, hall):
        response = APIClient().post(
            KIOSK.format(code="HALL"), {"category": "general", "phone": "12"}, format="json"
        )
        assert response.status_code == 422
        assert "phone" in response.json()["fields"]

    def test_the_elderly_and_the_disabled_get_priority_at_the_kiosk(self, hall):
        assert take(priority="elderly")["priority_reason"] == "elderly"
        assert take(priority="disabled")["priority"] is True
        assert take()["priority"] is False

    def test_an_id_card_of_someone_over_sixty_gives_priority_by_itself_and_is_not_kept(self, hall):
        body = take(id_number=OLD_ID)
        assert (body["priority"], body["priority_reason"]) == (True, "elderly")
        stored = ticket(body["number"])
        assert OLD_ID not in str(stored.__dict__)
        assert not QueueTicketEvent.objects.filter(data__icontains="1956").exists()

    def test_claiming_the_elderly_priority_with_a_younger_id_is_refused(self, hall):
        response = APIClient().post(
            KIOSK.format(code="HALL"),
            {"category": "general", "priority": "elderly", "id_number": YOUNG_ID},
            format="json",
        )
        assert response.status_code == 422
        assert response.json()["detail"] == "身份证显示未满60周岁，不能取老年人优先号。"

    def test_a_clerk_takes_a_number_for_someone_at_his_point_and_sees_the_phone_masked(self, hall):
        clerk = client_for(hall.clerk)
        response = clerk.post(
            "/api/v1/queue/tickets/", {"point": "HALL", "category": "general", "phone": PHONE}, format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["source"], body["phone"]) == ("clerk", "139****5678")

    def test_a_clerk_cannot_take_numbers_outside_his_scope(self, hall):
        town_clerk = client_for(hall.world.staff["other_clerk"])
        response = town_clerk.post(
            "/api/v1/queue/tickets/", {"point": "HALL", "category": "general"}, format="json"
        )
        assert response.status_code == 422
        assert response.json()["fields"]["point"] == ["没有这个服务点。"]


@pytest.mark.django_db(transaction=True)
def test_two_kiosks_taking_numbers_at_once_never_print_the_same_number(hall):
    numbers: list[str] = []
    errors: list[Any] = []
    barrier = threading.Barrier(6)

    def kiosk() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                response = APIClient().post(KIOSK.format(code="HALL"), {"category": "general"}, format="json")
                if response.status_code != 201:
                    errors.append(response.content)
                else:
                    numbers.append(response.json()["number"])
        finally:
            connection.close()

    threads = [threading.Thread(target=kiosk) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 19)]


# —— calling ———————————————————————————————————————————————————————————————————————————————————


class TestCalling:
    def test_priority_tickets_are_called_first_then_in_the_order_they_were_taken(self, hall, time_machine):
        for kind in ("", "", "elderly", ""):
            take(priority=kind)
            time_machine.shift(60)
        clerk = client_for(hall.clerk)
        order = []
        for _ in range(4):
            response = call(clerk, hall.windows["1"])
            assert response.status_code == 200, response.content
            order.append(response.json()["number"])
            act(clerk, response.json()["id"], "serve")
        assert order == ["A003", "A001", "A002", "A004"]

    def test_a_dedicated_window_calls_only_its_category_and_a_comprehensive_one_every_category(self, hall):
        take(category="general")
        take(category="estate")
        clerk = client_for(hall.clerk)
        dedicated = call(clerk, hall.windows["10"]).json()
        assert dedicated["number"] == "D001"
        assert call(clerk, hall.windows["10"]).status_code == 409, "its own queue is empty, A is not its"
        take(category="estate")
        assert call(clerk, hall.windows["1"]).json()["number"] == "A001"
        assert call(clerk, hall.windows["2"]).json()["number"] == "D002", "a comprehensive window takes any"

    def test_a_called_ticket_shows_at_its_window_and_gets_its_waiting_time(self, hall, time_machine):
        take()
        time_machine.shift(dt.timedelta(minutes=7))
        body = call(client_for(hall.clerk), hall.windows["1"]).json()
        assert (body["status"], body["window"], body["wait_seconds"]) == ("called", "1", 420)
        window = client_for(hall.clerk).get(f"/api/v1/queue/windows/{hall.windows['1'].pk}/").json()
        assert window["current"]["number"] == "A001"

    def test_a_window_closes_its_ticket_before_calling_the_next(self, hall):
        take()
        take()
        clerk = client_for(hall.clerk)
        call(clerk, hall.windows["1"])
        response = call(clerk, hall.windows["1"])
        assert response.status_code == 409
        assert response.json()["detail"] == "窗口当前的A001号尚未办结，请先办结、标记过号或转窗口。"
        assert ticket("A002").status == TicketStatus.WAITING

    def test_an_empty_queue_answers_409_with_its_own_code(self, hall):
        response = call(client_for(hall.clerk), hall.windows["1"])
        assert response.status_code == 409
        assert response.json() == {"code": "queue_empty", "detail": "当前没有等候的号。", "fields": {}}

    def test_a_served_ticket_counts_its_time_at_the_window(self, hall, time_machine):
        take()
        clerk = client_for(hall.clerk)
        called = call(clerk, hall.windows["1"]).json()
        time_machine.shift(dt.timedelta(minutes=9))
        served = act(clerk, called["id"], "serve").json()
        assert (served["status"], served["service_seconds"]) == ("served", 540)
        assert ticket("A001").served_by == hall.clerk

    def test_recalling_announces_the_number_again(self, hall):
        take()
        clerk = client_for(hall.clerk)
        called = call(clerk, hall.windows["1"]).json()
        assert act(clerk, called["id"], "recall").json()["recalls"] == 1
        assert list(
            QueueTicketEvent.objects.filter(ticket_id=called["id"]).values_list("action", flat=True)
        ) == [
            "take",
            "call",
            "recall",
        ]

    def test_a_no_show_can_come_back_at_the_end_of_the_queue(self, hall, time_machine):
        take()
        take()
        clerk = client_for(hall.clerk)
        first = call(clerk, hall.windows["1"]).json()
        assert act(clerk, first["id"], "no_show").json()["status"] == "no_show"
        time_machine.shift(60)
        assert act(clerk, first["id"], "requeue").json()["status"] == "waiting"
        assert call(clerk, hall.windows["1"]).json()["number"] == "A002"

    def test_a_transferred_ticket_waits_for_that_window_and_goes_first_there(self, hall, time_machine):
        take(category="general")
        take(category="estate")
        clerk = client_for(hall.clerk)
        first = call(clerk, hall.windows["1"]).json()
        time_machine.shift(dt.timedelta(minutes=3))
        moved = act(clerk, first["id"], "transfer", window=hall.windows["10"].pk).json()
        assert (moved["status"], moved["transfer_to"], moved["window"]) == ("waiting", "10", None)
        assert call(clerk, hall.windows["2"]).json()["number"] == "D001", "only window 10 calls it now"
        time_machine.shift(dt.timedelta(minutes=5))
        again = call(clerk, hall.windows["10"]).json()
        assert again["number"] == "A001"
        time_machine.shift(dt.timedelta(minutes=4))
        done = act(clerk, again["id"], "serve").json()
        assert done["service_seconds"] == 7 * 60, "3 minutes at window 1 and 4 at window 10"
        assert done["wait_seconds"] == 0, "waiting is counted until the first call"

    def test_a_transfer_stays_within_the_point(self, hall):
        take()
        clerk = client_for(hall.clerk)
        called = call(clerk, hall.windows["1"]).json()
        response = act(clerk, called["id"], "transfer", window=hall.windows["town"].pk)
        assert response.status_code == 422
        assert ticket("A001").status == TicketStatus.CALLED

    def test_a_move_the_status_does_not_allow_answers_409_and_changes_nothing(self, hall):
        take()
        clerk = client_for(hall.clerk)
        waiting = ticket("A001")
        response = act(clerk, waiting.pk, "serve")
        assert response.status_code == 409
        assert response.json()["detail"] == "A001号当前状态为“等候中”，不能办结。"
        waiting.refresh_from_db()
        assert (waiting.status, waiting.finished_at) == (TicketStatus.WAITING, None)
        assert act(clerk, waiting.pk, "dance").status_code == 404

    def test_a_waiting_ticket_can_be_cancelled(self, hall):
        take()
        response = act(client_for(hall.clerk), ticket("A001").pk, "cancel")
        assert response.json()["status"] == "cancelled"

    def test_a_ticket_links_to_the_cases_it_produced(self, hall, county):
        town_clerk = county.staff["town_clerk"]
        clerk = client_for(town_clerk)
        take(code="CA", category="social")
        called = call(clerk, hall.windows["town"]).json()
        case = accepted_case(clerk)
        served = act(clerk, called["id"], "serve", cases=[case["number"]]).json()
        assert served["cases"] == [case["number"]]
        other = accepted_case(clerk)
        linked = act(clerk, called["id"], "link", cases=[other["number"]]).json()
        assert sorted(linked["cases"]) == sorted([case["number"], other["number"]])
        assert QueueTicket.objects.get(pk=called["id"]).cases.count() == 2

    def test_a_case_of_another_point_cannot_be_linked(self, hall, county):
        take()
        hall_clerk = client_for(hall.clerk)
        called = call(hall_clerk, hall.windows["1"]).json()
        case = accepted_case(client_for(county.staff["town_clerk"]))
        response = act(hall_clerk, called["id"], "serve", cases=[case["number"]])
        assert response.status_code == 422
        assert ticket("A001").status == TicketStatus.CALLED, "nothing half-stored"

    def test_a_clerk_of_another_point_does_not_see_the_window(self, hall):
        take()
        other = client_for(hall.world.staff["other_clerk"])
        assert call(other, hall.windows["1"]).status_code == 404
        assert other.get(f"/api/v1/queue/tickets/{ticket('A001').pk}/").status_code == 404

    def test_a_supervisor_reads_the_queue_but_does_not_call(self, hall):
        take()
        supervisor = client_for(hall.world.staff["supervisor"])
        assert supervisor.get("/api/v1/queue/tickets/", {"point": "HALL"}).json()["count"] == 1
        response = call(supervisor, hall.windows["1"])
        assert response.status_code == 403
        assert response.json()["detail"] == "只能在本服务点的窗口操作。"

    def test_anonymous_callers_must_log_in_to_call(self, hall):
        assert call(APIClient(), hall.windows["1"]).status_code == 401

    def test_the_window_list_shows_each_windows_current_number_and_queue(self, hall):
        take()
        take(category="estate")
        clerk = client_for(hall.clerk)
        call(clerk, hall.windows["1"])
        windows = {w["number"]: w for w in clerk.get("/api/v1/queue/windows/").json()}
        assert set(windows) == {"1", "2", "10"}
        assert windows["1"]["current"]["number"] == "A001"
        assert (windows["2"]["waiting"], windows["10"]["waiting"]) == (1, 1)
        assert windows["10"]["categories"] == ["estate"]

    def test_a_called_person_with_a_phone_gets_a_message(self, hall):
        take(phone=PHONE)
        call(client_for(hall.clerk), hall.windows["2"])
        message = SmsMessage.objects.get(template="queue_called")
        assert "请A001号到区政务服务中心2号窗口办理" in message.body

    def test_tickets_left_at_night_end_as_not_served(self, hall, time_machine):
        take()
        time_machine.move_to(WEDNESDAY_MORNING + dt.timedelta(days=1), tick=False)
        assert services.tickets_close_day() == 1
        assert ticket("A001").status == TicketStatus.EXPIRED
        assert call(client_for(hall.clerk), hall.windows["1"]).status_code == 409, (
            "yesterday's are not called"
        )


@pytest.mark.django_db(transaction=True)
def test_two_clerks_calling_at_once_never_get_the_same_ticket(hall):
    from yichuang.org.models import Window

    clerks = []
    for n in range(4):
        window = Window.objects.create(point=hall.point, number=str(20 + n), name="综合受理窗口")
        clerks.append((client_for(hall.clerk), window))
    for _ in range(6):
        take()
    called: list[str] = []
    statuses: list[int] = []
    barrier = threading.Barrier(len(clerks))

    def work(client: APIClient, window: Any) -> None:
        try:
            barrier.wait()
            for _ in range(2):
                response = call(client, window)
                statuses.append(response.status_code)
                if response.status_code == 200:
                    called.append(response.json()["number"])
                    act(client, response.json()["id"], "serve")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=pair) for pair in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(called) == len(set(called)) == 6
    assert sorted(statuses) == [200] * 6 + [409] * 2
    assert QueueTicketEvent.objects.filter(action="call").count() == 6


# —— the display board ——————————————————————————————————————————————————————————————————————————


class TestBoard:
    def test_the_board_shows_each_window_the_queues_and_the_line_the_speaker_reads(self, hall):
        take()
        take()
        take(category="estate")
        clerk = client_for(hall.clerk)
        call(clerk, hall.windows["2"])
        board = APIClient().get(BOARD.format(code="HALL")).json()
        assert [(c["number"], c["window"]) for c in board["current"]] == [("A001", "2")]
        assert board["current"][0]["text"] == "请A001号到2号窗口办理"
        assert {q["letter"]: q["waiting"] for q in board["queues"]} == {"A": 1, "D": 1}
        assert board["announcements"] == [], "a board's first poll does not replay the morning"

    def test_a_board_hears_each_call_once_in_order_and_recalls_again(self, hall):
        for _ in range(3):
            take()
        clerk = client_for(hall.clerk)
        seen = APIClient().get(BOARD.format(code="HALL")).json()["last_event"]
        first = call(clerk, hall.windows["1"]).json()
        call(clerk, hall.windows["2"])
        act(clerk, first["id"], "recall")
        board = APIClient().get(BOARD.format(code="HALL"), {"after": seen}).json()
        assert [a["text"] for a in board["announcements"]] == [
            "请A001号到1号窗口办理",
            "请A002号到2号窗口办理",
            "请A001号到1号窗口办理",
        ]
        again = APIClient().get(BOARD.format(code="HALL"), {"after": board["last_event"]}).json()
        assert again["announcements"] == []
        assert [r["number"] for r in again["recent"]] == ["A001", "A002"]

    def test_a_served_ticket_leaves_the_current_list(self, hall):
        take()
        clerk = client_for(hall.clerk)
        act(clerk, call(clerk, hall.windows["1"]).json()["id"], "serve")
        board = APIClient().get(BOARD.format(code="HALL")).json()
        assert board["current"] == []
        assert board["recent"][0]["number"] == "A001"

    def test_a_bad_after_answers_in_the_error_format(self, hall):
        response = APIClient().get(BOARD.format(code="HALL"), {"after": "x"})
        assert response.status_code == 422

    def test_public_endpoints_are_rate_limited(self, hall, settings):
        from django.core.cache import cache

        cache.clear()
        rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        rates["queue_kiosk"] = "2/min"
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        from rest_framework.throttling import ScopedRateThrottle

        original = ScopedRateThrottle.THROTTLE_RATES
        ScopedRateThrottle.THROTTLE_RATES = rates
        try:
            codes = [
                APIClient()
                .post(KIOSK.format(code="HALL"), {"category": "general"}, format="json")
                .status_code
                for _ in range(3)
            ]
        finally:
            ScopedRateThrottle.THROTTLE_RATES = original
            cache.clear()
        assert codes == [201, 201, 429]


# —— figures ———————————————————————————————————————————————————————————————————————————————————


def a_morning(hall: Hall, time_machine: Any) -> None:
    """A000 waits 4 min and is served in 6; A002 waits 12 and is served in 10; D001 waits 20 and does
    not come; at the town, A001 waits 2 and is served in 3."""
    clerk = client_for(hall.clerk)
    take()
    take()
    take(category="estate")
    time_machine.shift(dt.timedelta(minutes=4))
    first = call(clerk, hall.windows["1"]).json()
    time_machine.shift(dt.timedelta(minutes=6))
    act(clerk, first["id"], "serve")
    time_machine.shift(dt.timedelta(minutes=2))
    second = call(clerk, hall.windows["1"]).json()
    time_machine.shift(dt.timedelta(minutes=8))
    third = call(clerk, hall.windows["10"]).json()
    time_machine.shift(dt.timedelta(minutes=2))
    act(clerk, second["id"], "serve")
    act(clerk, third["id"], "no_show")
    town = client_for(hall.world.staff["town_clerk"])
    take(code="CA")
    time_machine.shift(dt.timedelta(minutes=2))
    fourth = call(town, hall.windows["town"]).json()
    time_machine.shift(dt.timedelta(minutes=3))
    act(town, fourth["id"], "serve")


class TestFigures:
    def test_waiting_and_service_times_by_point(self, hall, time_machine):
        a_morning(hall, time_machine)
        report = queue_figures(
            user=hall.world.staff["admin"], first=WEDNESDAY_MORNING.date(), last=WEDNESDAY_MORNING.date()
        )
        rows = {r.key: r for r in report.rows}
        assert (rows["HALL"].taken, rows["HALL"].served, rows["HALL"].no_show) == (3, 2, 1)
        assert rows["HALL"].average_wait_minutes == 12.0  # (4 + 12 + 20) / 3
        assert rows["HALL"].average_service_minutes == 8.0  # (6 + 10) / 2
        assert rows["HALL"].within_target == round(1 / 3, 4)  # only the 4-minute wait is within 10
        assert (rows["CA"].average_wait_minutes, rows["CA"].average_service_minutes) == (2.0, 3.0)
        assert report.total.taken == 4

    def test_by_window_and_by_category(self, hall, time_machine):
        a_morning(hall, time_machine)
        day = WEDNESDAY_MORNING.date()
        by_window = queue_figures(
            user=hall.world.staff["admin"], first=day, last=day, by="window", point="HALL"
        )
        assert [(r.key, r.served) for r in by_window.rows] == [("HALL#1", 2), ("HALL#10", 0)]
        by_category = queue_figures(user=hall.world.staff["admin"], first=day, last=day, by="category")
        assert {r.key: r.taken for r in by_category.rows} == {"general": 3, "estate": 1}

    def test_a_town_clerk_sees_only_his_towns_figures(self, hall, time_machine):
        a_morning(hall, time_machine)
        response = client_for(hall.world.staff["town_clerk"]).get("/api/v1/queue/figures/")
        assert response.status_code == 200
        assert [r["key"] for r in response.json()["rows"]] == ["CA"]

    def test_the_api_checks_its_dates(self, hall):
        admin = client_for(hall.world.staff["admin"])
        assert admin.get("/api/v1/queue/figures/", {"from": "2026-13-01"}).status_code == 400
        response = admin.get("/api/v1/queue/figures/", {"from": "2026-10-14", "to": "2026-10-01"})
        assert response.json()["fields"]["to"] == ["截止日期不能早于起始日期。"]
        assert admin.get("/api/v1/queue/figures/", {"by": "mood"}).status_code == 400


def test_a_clerk_ticket_is_marked_as_taken_by_him(hall):
    made = services.ticket_take(
        point=hall.point, category=hall.categories["general"], source=TicketSource.CLERK, actor=hall.clerk
    )
    assert made.taken_by == hall.clerk
