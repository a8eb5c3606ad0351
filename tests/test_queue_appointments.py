"""Appointments (预约): slots from each point's weekly schedule, closed on holidays and open at
lunch time, in the evening or at weekends where the point says so; booked with an SMS and a
cancellation code, never overbooked; honoured by checking in for a priority ticket."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.queue_cast import PHONE, WEDNESDAY_MORNING, Hall, at, client_for
from yichuang.notify.models import SmsMessage
from yichuang.queue.appointments import appointments_mark_missed, slots_sync
from yichuang.queue.days import DayType, day_type
from yichuang.queue.figures import queue_figures
from yichuang.queue.models import (
    Appointment,
    AppointmentSchedule,
    AppointmentSlot,
    AppointmentStatus,
    QueueTicket,
    ScheduleDays,
)

pytestmark = pytest.mark.django_db

WEDNESDAY = WEDNESDAY_MORNING.date()  # 2026-10-14
SLOTS = "/api/v1/queue/points/{code}/slots/"
BOOK = "/api/v1/queue/bookings/"


def line(point: Any, category: Any, days: str, start: str, end: str, capacity: int, **extra: Any) -> None:
    AppointmentSchedule.objects.create(
        point=point,
        category=category,
        days=days,
        start=dt.time.fromisoformat(start),
        end=dt.time.fromisoformat(end),
        capacity=capacity,
        **extra,
    )


@pytest.fixture
def schedules(hall: Hall) -> Hall:
    """The hall: 综合受理 on working days 8:30-12:00 (2 a slot), at lunch 12:00-14:00 (1 a slot,
    延时服务) and at weekends 9:00-12:00 (延时服务). The first town center: working days 8:30-10:00
    and Saturday mornings 9:00-10:00."""
    general = hall.categories["general"]
    W, R = ScheduleDays.WORKDAYS, ScheduleDays.REST_DAYS
    line(hall.point, general, W, "08:30", "12:00", 2)
    line(hall.point, general, W, "12:00", "14:00", 1, extended=True)
    line(hall.point, general, R, "09:00", "12:00", 1, extended=True)
    town = hall.world.points["center_a"]
    line(town, general, W, "08:30", "10:00", 1)
    line(town, general, R, "09:00", "10:00", 1, extended=True, weekdays="6")
    return hall


def slots(code: str = "HALL", **query: Any) -> list[dict[str, Any]]:
    response = APIClient().get(SLOTS.format(code=code), query)
    assert response.status_code == 200, response.content
    return response.json()


def first_slot(day: dt.date = WEDNESDAY, start: str = "08:30", code: str = "HALL") -> dict[str, Any]:
    return next(s for s in slots(code, date=day.isoformat()) if s["start"] == start)


def book(
    slot: dict[str, Any], phone: str = PHONE, name: str = "王秀英", client: APIClient | None = None
) -> Any:
    return (client or APIClient()).post(
        BOOK, {"slot": slot["id"], "name": name, "phone": phone}, format="json"
    )


def booked(slot: dict[str, Any], phone: str = PHONE) -> dict[str, Any]:
    response = book(slot, phone)
    assert response.status_code == 201, response.content
    return response.json()


class TestDays:
    @pytest.mark.parametrize(
        ("day", "kind"),
        [
            (dt.date(2026, 10, 14), DayType.WORKDAY),  # a Wednesday
            (dt.date(2026, 10, 17), DayType.REST_DAY),  # an ordinary Saturday
            (dt.date(2026, 10, 1), DayType.HOLIDAY),  # 国庆节, a Thursday
            (dt.date(2026, 10, 3), DayType.HOLIDAY),  # a Saturday inside the National Day week
            (dt.date(2026, 10, 10), DayType.WORKDAY),  # 调休上班: a working Saturday
            (dt.date(2026, 10, 11), DayType.REST_DAY),  # the Sunday after it
            (dt.date(2026, 6, 20), DayType.HOLIDAY),  # 端午节 Friday to Sunday: its Saturday
            (dt.date(2026, 1, 4), DayType.WORKDAY),  # a working Sunday after 元旦
        ],
    )
    def test_a_day_is_a_working_day_an_ordinary_weekend_or_a_holiday(self, day, kind, db):
        assert day_type(day) == kind


class TestSlots:
    @pytest.fixture(autouse=True)
    def _wednesday(self, time_machine: Any) -> None:
        time_machine.move_to(WEDNESDAY_MORNING, tick=False)

    def test_a_working_day_has_the_regular_slots_and_the_extended_lunch_slots(self, schedules):
        today = slots(date="2026-10-14")
        assert [s["start"] for s in today] == [
            "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
            "12:00", "12:30", "13:00", "13:30",
        ]  # fmt: skip
        assert [s["extended"] for s in today if s["start"] >= "12:00"] == [True] * 4
        assert (today[0]["capacity"], today[0]["left"], today[0]["end"]) == (2, 2, "09:00")

    def test_an_ordinary_weekend_opens_only_where_the_point_says_so(self, schedules):
        assert [s["start"] for s in slots(date="2026-10-17")] == [
            "09:00",
            "09:30",
            "10:00",
            "10:30",
            "11:00",
            "11:30",
        ]
        assert [s["start"] for s in slots("CA", date="2026-10-17")] == ["09:00", "09:30"], "Saturday mornings"
        assert slots("CA", date="2026-10-18") == [], "not on Sundays"
        assert slots("CB", date="2026-10-14") == [], "a point without schedules takes no appointments"

    def test_holidays_are_closed_even_on_their_weekend_days(self, schedules, time_machine):
        time_machine.move_to(at(dt.date(2026, 9, 30), 8), tick=False)
        assert slots(date="2026-10-01") == []
        assert slots(date="2026-10-03") == [], "a Saturday of the National Day week is no weekend"

    def test_a_make_up_working_saturday_has_working_day_slots(self, schedules, time_machine):
        time_machine.move_to(at(dt.date(2026, 10, 8), 8), tick=False)
        saturday = slots(date="2026-10-10")
        assert saturday[0]["start"] == "08:30" and not saturday[0]["extended"]

    def test_today_shows_only_the_slots_not_begun(self, schedules, time_machine):
        time_machine.move_to(at(WEDNESDAY, 10, 5), tick=False)
        assert slots(date="2026-10-14")[0]["start"] == "10:30"

    def test_only_the_booking_period_can_be_listed(self, schedules):
        response = APIClient().get(SLOTS.format(code="HALL"), {"date": "2026-10-21"})
        assert response.status_code == 422
        assert response.json()["detail"] == "只能查询今天起7天内的时段。"
        assert {s["day"] for s in slots()} == {f"2026-10-{d}" for d in range(14, 21)}, (
            "today and six more days"
        )

    def test_syncing_again_changes_nothing(self, schedules):
        slots()
        assert slots_sync(point=schedules.point) == 0

    def test_a_schedule_change_keeps_the_booked_places_and_drops_the_empty_slots(self, schedules):
        early = first_slot()
        booked(early)
        AppointmentSchedule.objects.filter(point=schedules.point, start=dt.time(8, 30)).update(
            start=dt.time(9, 0), capacity=1
        )
        slots_sync(point=schedules.point)
        kept = AppointmentSlot.objects.get(pk=early["id"])
        assert (kept.closed, kept.booked) == (True, 1), "the booked 8:30 slot stays for its appointment"
        assert first_slot(start="09:00")["capacity"] == 1
        assert not any(s["start"] == "08:30" for s in slots(date="2026-10-14"))
        assert not AppointmentSlot.objects.filter(
            day=WEDNESDAY + dt.timedelta(days=1), start=dt.time(8, 30)
        ).exists()

    def test_a_smaller_capacity_never_drops_below_what_is_booked(self, schedules):
        slot = first_slot()
        booked(slot)
        booked(slot, phone="13900000001")
        AppointmentSchedule.objects.filter(point=schedules.point, start=dt.time(8, 30)).update(capacity=1)
        slots_sync(point=schedules.point)
        assert AppointmentSlot.objects.get(pk=slot["id"]).capacity == 2


class TestBooking:
    @pytest.fixture(autouse=True)
    def _wednesday(self, time_machine: Any) -> None:
        time_machine.move_to(WEDNESDAY_MORNING, tick=False)

    def test_a_citizen_books_a_slot_and_gets_a_reference_and_a_cancellation_code_by_sms(self, schedules):
        body = booked(first_slot())
        assert len(body["reference"]) == 8 and len(body["cancel_code"]) == 6
        assert (body["day"], body["start"], body["end"], body["status"]) == (
            "2026-10-14",
            "08:30",
            "09:00",
            "booked",
        )
        assert (body["name"], body["phone"]) == ("王*英", "139****5678")
        message = SmsMessage.objects.get(template="appointment_booked")
        assert message.to == PHONE
        assert body["reference"] in message.body and body["cancel_code"] in message.body
        assert "10月14日 08:30-09:00" in message.body and "区政务服务中心" in message.body
        stored = Appointment.objects.get(reference=body["reference"])
        assert body["cancel_code"] not in stored.cancel_code_hash, "only a hash of the code is kept"
        assert AppointmentSlot.objects.get(pk=stored.slot_id).booked == 1

    def test_the_last_place_goes_once(self, schedules):
        lunch = first_slot(start="12:00")
        booked(lunch)
        response = book(lunch, phone="13900000002")
        assert response.status_code == 409
        assert response.json() == {
            "code": "slot_full",
            "detail": "该时段已约满，请选择其他时段。",
            "fields": {},
        }
        assert first_slot(start="12:00")["left"] == 0

    def test_one_person_holds_one_place_a_day_for_the_same_business_at_a_point(self, schedules):
        booked(first_slot())
        response = book(first_slot(start="10:00"))
        assert response.status_code == 409
        assert response.json()["code"] == "already_booked"
        assert first_slot(start="10:00")["left"] == 2, "nothing half-stored"

    def test_bad_input_is_refused_field_by_field(self, schedules):
        response = APIClient().post(
            BOOK, {"slot": first_slot()["id"], "name": " ", "phone": "123"}, format="json"
        )
        assert response.status_code == 400
        assert (
            APIClient().post(BOOK, {"slot": 999999, "name": "王", "phone": PHONE}, format="json").status_code
            == 422
        )
        response = book(first_slot(), phone="123")
        assert response.status_code == 422 and "phone" in response.json()["fields"]

    def test_a_slot_that_has_begun_cannot_be_booked(self, schedules, time_machine):
        slot = first_slot()
        time_machine.move_to(at(WEDNESDAY, 8, 31), tick=False)
        response = book(slot)
        assert response.status_code == 422
        assert response.json()["detail"] == "该时段已开始，不能再预约。"

    def test_the_citizen_finds_his_appointment_with_the_phone_only(self, schedules):
        body = booked(first_slot())
        found = APIClient().post(f"{BOOK}{body['reference']}/", {"phone": PHONE}, format="json")
        assert found.status_code == 200 and found.json()["reference"] == body["reference"]
        wrong = APIClient().post(f"{BOOK}{body['reference']}/", {"phone": "13900000000"}, format="json")
        unknown = APIClient().post(f"{BOOK}ZZZZZZZZ/", {"phone": PHONE}, format="json")
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()


@pytest.mark.django_db(transaction=True)
def test_many_people_booking_the_last_places_at_once_never_overbook(schedules, time_machine):
    time_machine.move_to(WEDNESDAY_MORNING, tick=False)
    slot = first_slot()  # two places
    codes: list[int] = []
    barrier = threading.Barrier(6)

    def person(n: int) -> None:
        try:
            barrier.wait()
            codes.append(book(slot, phone=f"1390000{n:04d}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=person, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 201, 409, 409, 409, 409]
    assert AppointmentSlot.objects.get(pk=slot["id"]).booked == 2
    assert Appointment.objects.filter(slot_id=slot["id"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_double_click_books_once(schedules, time_machine):
    time_machine.move_to(WEDNESDAY_MORNING, tick=False)
    slot = first_slot()
    codes: list[int] = []
    barrier = threading.Barrier(2)

    def click() -> None:
        try:
            barrier.wait()
            codes.append(book(slot).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409]
    assert AppointmentSlot.objects.get(pk=slot["id"]).booked == 1


class TestCancelling:
    @pytest.fixture(autouse=True)
    def _wednesday(self, time_machine: Any) -> None:
        time_machine.move_to(WEDNESDAY_MORNING, tick=False)

    def cancel(self, reference: str, code: str) -> Any:
        return APIClient().post(f"{BOOK}{reference}/cancel/", {"cancel_code": code}, format="json")

    def test_the_code_from_the_sms_cancels_and_gives_the_place_back(self, schedules):
        slot = first_slot()
        body = booked(slot)
        response = self.cancel(body["reference"], body["cancel_code"])
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert first_slot()["left"] == 2
        assert SmsMessage.objects.filter(template="appointment_cancelled").count() == 1
        again = self.cancel(body["reference"], body["cancel_code"])
        assert again.status_code == 409
        assert again.json()["detail"] == "预约当前状态为“已取消”，不能取消。"
        assert booked(slot)["status"] == "booked", "the same person may book again"

    def test_a_wrong_code_answers_like_an_unknown_reference(self, schedules):
        body = booked(first_slot())
        wrong = self.cancel(body["reference"], "000000" if body["cancel_code"] != "000000" else "111111")
        unknown = self.cancel("ZZZZZZZZ", body["cancel_code"])
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()
        assert Appointment.objects.get(reference=body["reference"]).status == AppointmentStatus.BOOKED

    def test_an_appointment_cannot_be_cancelled_once_its_slot_has_begun(self, schedules, time_machine):
        body = booked(first_slot())
        time_machine.move_to(at(WEDNESDAY, 8, 45), tick=False)
        response = self.cancel(body["reference"], body["cancel_code"])
        assert response.status_code == 409
        assert response.json()["detail"] == "预约时段已开始，不能取消。"

    def test_the_points_staff_cancel_for_a_caller(self, schedules):
        body = booked(first_slot())
        clerk = client_for(schedules.clerk)
        response = clerk.post(f"/api/v1/queue/appointments/{body['reference']}/actions/cancel/")
        assert response.status_code == 200 and response.json()["status"] == "cancelled"


class TestCheckingIn:
    @pytest.fixture(autouse=True)
    def _wednesday(self, time_machine: Any) -> None:
        time_machine.move_to(WEDNESDAY_MORNING, tick=False)

    def check_in(self, reference: str, phone: str = PHONE) -> Any:
        return APIClient().post(f"{BOOK}{reference}/check-in/", {"phone": phone}, format="json")

    def test_checking_in_too_early_is_refused_with_the_time_to_come_back(self, schedules):
        body = booked(first_slot(start="10:00"))
        response = self.check_in(body["reference"])
        assert response.status_code == 409
        assert (
            response.json()["detail"]
            == "还未到签到时间：请在10月14日 09:30以后签到（预约时段开始前30分钟起）。"
        )

    def test_an_appointment_checked_in_becomes_a_priority_ticket_called_before_walk_ins(
        self, schedules, time_machine
    ):
        body = booked(first_slot())
        APIClient().post("/api/v1/queue/points/HALL/tickets/", {"category": "general"}, format="json")
        time_machine.move_to(at(WEDNESDAY, 8, 10), tick=False)
        response = self.check_in(body["reference"])
        assert response.status_code == 201, response.content
        ticket = response.json()
        assert (ticket["number"], ticket["priority_reason"]) == ("A002", "appointment")
        appointment = Appointment.objects.get(reference=body["reference"])
        assert appointment.status == AppointmentStatus.CHECKED_IN and appointment.ticket.number == "A002"
        called = client_for(schedules.clerk).post(f"/api/v1/queue/windows/{schedules.windows['1'].pk}/call/")
        assert called.json()["number"] == "A002"
        assert self.check_in(body["reference"]).status_code == 409, "once"

    def test_a_wrong_phone_finds_no_appointment(self, schedules, time_machine):
        body = booked(first_slot())
        time_machine.move_to(at(WEDNESDAY, 8, 20), tick=False)
        assert self.check_in(body["reference"], phone="13900000000").status_code == 404
        assert not QueueTicket.objects.exists()

    def test_after_the_slot_the_citizen_takes_an_ordinary_number(self, schedules, time_machine):
        body = booked(first_slot())
        time_machine.move_to(at(WEDNESDAY, 9, 1), tick=False)
        response = self.check_in(body["reference"])
        assert response.status_code == 409
        assert response.json()["detail"] == "预约时段已过，请现场取号。"

    def test_the_window_checks_an_appointment_in(self, schedules, time_machine):
        body = booked(first_slot())
        time_machine.move_to(at(WEDNESDAY, 8, 30), tick=False)
        clerk = client_for(schedules.clerk)
        response = clerk.post(f"/api/v1/queue/appointments/{body['reference']}/actions/check_in/")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["ticket"]) == ("checked_in", "A001")

    def test_appointments_nobody_honoured_are_marked_missed(self, schedules, time_machine):
        honoured = booked(first_slot())
        missed = booked(first_slot(start="09:00"), phone="13900000003")
        time_machine.move_to(at(WEDNESDAY, 8, 40), tick=False)
        self.check_in(honoured["reference"])
        time_machine.move_to(at(WEDNESDAY, 9, 31), tick=False)
        assert appointments_mark_missed() == 1
        assert Appointment.objects.get(reference=missed["reference"]).status == AppointmentStatus.MISSED
        report = queue_figures(user=schedules.world.staff["admin"], first=WEDNESDAY, last=WEDNESDAY)
        assert (
            report.appointments.checked_in,
            report.appointments.missed,
            report.appointments.show_rate,
        ) == (1, 1, 0.5)
        assert report.total.from_appointments == 1


class TestStaff:
    @pytest.fixture(autouse=True)
    def _wednesday(self, time_machine: Any) -> None:
        time_machine.move_to(WEDNESDAY_MORNING, tick=False)

    def test_the_window_books_for_a_caller_on_the_phone(self, schedules):
        clerk = client_for(schedules.clerk)
        response = book(first_slot(), client=clerk)
        assert response.status_code == 201
        assert response.json()["channel"] == "api", "the public endpoint is the public endpoint"
        response = clerk.post(
            "/api/v1/queue/appointments/",
            {"slot": first_slot()["id"], "name": "李四", "phone": "13900000004"},
            format="json",
        )
        assert response.status_code == 201 and response.json()["channel"] == "staff"

    def test_staff_see_the_appointments_of_their_scope_only(self, schedules):
        body = booked(first_slot())
        booked(first_slot(code="CA"), phone="13900000005")
        hall_list = client_for(schedules.clerk).get("/api/v1/queue/appointments/").json()
        assert hall_list["count"] == 2, "the hall clerk's scope is the county"
        town = client_for(schedules.world.staff["other_clerk"])
        assert town.get("/api/v1/queue/appointments/").json()["count"] == 0
        assert town.get(f"/api/v1/queue/appointments/{body['reference']}/").status_code == 404
        assert (
            client_for(schedules.world.staff["town_clerk"]).get("/api/v1/queue/appointments/").json()["count"]
            == 1
        )

    def test_a_clerk_of_another_point_in_scope_cannot_act_on_the_appointment(self, schedules):
        body = booked(first_slot(code="CA"))
        response = client_for(schedules.clerk).post(
            f"/api/v1/queue/appointments/{body['reference']}/actions/cancel/"
        )
        assert response.status_code == 404
