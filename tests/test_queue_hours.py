"""Opening hours (办公时间): the kiosk gives numbers only while the point is open and says when it
opens next; a clerk at his window and a checked-in appointment still get one; a point without hours
on record is not limited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.queue_cast import Hall, at, client_for
from yichuang.queue.appointments import appointment_book, slots_sync
from yichuang.queue.models import (
    AppointmentSchedule,
    AppointmentSlot,
    OpeningHours,
    QueueTicket,
    ScheduleDays,
)

pytestmark = pytest.mark.django_db

KIOSK = "/api/v1/queue/points/{code}/tickets/"
SUNDAY = dt.date(2026, 10, 18)
TUESDAY = dt.date(2026, 10, 13)
WEDNESDAY = dt.date(2026, 10, 14)
FRIDAY = dt.date(2026, 10, 16)


def hours(point: Any, days: str, start: str, end: str, **extra: Any) -> None:
    OpeningHours.objects.create(
        point=point,
        days=days,
        start=dt.time.fromisoformat(start),
        end=dt.time.fromisoformat(end),
        **extra,
    )


@pytest.fixture
def open_hours(hall: Hall) -> Hall:
    """The hall's hours as the demo county publishes them: working days 8:30-17:30 without a noon
    break, till 19:00 on Tuesdays and Thursdays, weekends 9:00-16:00 (延时服务), closed on statutory
    holidays. The first town center closes at noon: 8:30-12:00 and 14:30-17:30."""
    W, R = ScheduleDays.WORKDAYS, ScheduleDays.REST_DAYS
    hours(hall.point, W, "08:30", "12:00")
    hours(hall.point, W, "12:00", "17:30")
    hours(hall.point, W, "17:30", "19:00", extended=True, weekdays="24")
    hours(hall.point, R, "09:00", "16:00", extended=True)
    town = hall.world.points["center_a"]
    hours(town, W, "08:30", "12:00")
    hours(town, W, "14:30", "17:30")
    return hall


def kiosk(code: str = "HALL", category: str = "general") -> Any:
    return APIClient().post(KIOSK.format(code=code), {"category": category}, format="json")


def clock(time_machine: Any, day: dt.date, hour: int, minute: int = 0) -> None:
    time_machine.move_to(at(day, hour, minute), tick=False)


class TestTheKiosk:
    def test_at_night_on_a_sunday_the_kiosk_gives_no_number_and_says_when_the_hall_opens(
        self, open_hours, time_machine
    ):
        clock(time_machine, SUNDAY, 0, 49)
        response = kiosk()
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "point_closed"
        assert body["detail"] == "区政务服务中心现在不在办公时间，暂停取号。下次开始办理：今天 9:00。"
        assert not QueueTicket.objects.exists()

    def test_a_refused_night_takes_no_number_from_the_day(self, open_hours, time_machine):
        clock(time_machine, SUNDAY, 0, 49)
        kiosk()
        clock(time_machine, SUNDAY, 9, 0)
        response = kiosk()
        assert response.status_code == 201
        assert response.json()["number"] == "A001"

    def test_the_weekend_hours_give_numbers_until_they_end(self, open_hours, time_machine):
        clock(time_machine, SUNDAY, 15, 59)
        assert kiosk().status_code == 201
        clock(time_machine, SUNDAY, 16, 0)
        response = kiosk()
        assert response.status_code == 409
        assert response.json()["detail"].endswith("下次开始办理：明天（周一）8:30。")

    def test_after_closing_on_a_friday_the_next_opening_is_saturdays_extended_service(
        self, open_hours, time_machine
    ):
        clock(time_machine, FRIDAY, 17, 40)
        assert kiosk().json()["detail"].endswith("下次开始办理：明天（周六）9:00。")

    def test_the_tuesday_evening_service_gives_numbers_and_a_wednesday_evening_does_not(
        self, open_hours, time_machine
    ):
        clock(time_machine, TUESDAY, 18, 30)
        assert kiosk().status_code == 201
        clock(time_machine, WEDNESDAY, 18, 30)
        assert kiosk().json()["detail"].endswith("下次开始办理：明天（周四）8:30。")

    def test_the_hall_that_does_not_close_at_noon_gives_numbers_at_lunch_time(self, open_hours, time_machine):
        clock(time_machine, WEDNESDAY, 12, 30)
        assert kiosk().status_code == 201

    def test_a_town_center_closed_at_noon_says_it_opens_again_in_the_afternoon(
        self, open_hours, time_machine
    ):
        clock(time_machine, WEDNESDAY, 12, 30)
        response = kiosk(code="CA")
        assert response.status_code == 409
        assert response.json()["detail"] == (
            "甲镇便民服务中心现在不在办公时间，暂停取号。下次开始办理：今天 14:30。"
        )

    def test_the_national_day_week_is_closed_and_the_hall_opens_after_it(self, open_hours, time_machine):
        clock(time_machine, dt.date(2026, 10, 3), 10, 0)  # a Saturday of the holiday: no weekend service
        assert kiosk().json()["detail"].endswith("下次开始办理：10月8日（周四）8:30。")

    def test_a_point_without_opening_hours_gives_numbers_at_any_time(self, hall, time_machine):
        clock(time_machine, SUNDAY, 0, 49)
        assert kiosk().status_code == 201

    def test_a_point_whose_hours_are_all_switched_off_is_not_limited(self, open_hours, time_machine):
        OpeningHours.objects.update(active=False)
        clock(time_machine, SUNDAY, 0, 49)
        assert kiosk().status_code == 201


class TestTheWindowAndAppointments:
    def test_a_clerk_still_takes_a_number_for_someone_at_his_window_after_hours(
        self, open_hours, time_machine
    ):
        clock(time_machine, WEDNESDAY, 17, 45)
        response = client_for(open_hours.clerk).post(
            "/api/v1/queue/tickets/", {"point": "HALL", "category": "general"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["number"] == "A001"

    def test_a_booked_person_checks_in_before_the_hall_opens(self, open_hours, time_machine):
        AppointmentSchedule.objects.create(
            point=open_hours.point,
            category=open_hours.categories["general"],
            days=ScheduleDays.WORKDAYS,
            start=dt.time(8, 30),
            end=dt.time(9, 0),
        )
        clock(time_machine, TUESDAY, 18, 0)
        slots_sync(point=open_hours.point)
        slot = AppointmentSlot.objects.get(point=open_hours.point, day=WEDNESDAY)
        appointment, _code = appointment_book(slot=slot, name="王秀英", phone="13900000001")
        clock(time_machine, WEDNESDAY, 8, 10)
        response = APIClient().post(
            f"/api/v1/queue/bookings/{appointment.reference}/check-in/",
            {"phone": "13900000001"},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["priority"] is True


class TestTheKioskPage:
    def test_when_the_hall_is_closed_the_kiosk_page_says_when_it_opens_and_its_buttons_are_off(
        self, open_hours, time_machine
    ):
        clock(time_machine, SUNDAY, 0, 49)
        text = Client().get("/queue/HALL/kiosk/").content.decode()
        assert "现在不在办公时间，暂停取号。下次开始办理：今天 9:00。" in text
        assert 'data-category="general" disabled' in text
        assert 'data-change-at="2026-10-18T09:00:00+08:00"' in text, "it reloads when the hall opens"

    def test_while_the_hall_is_open_the_kiosk_page_shows_no_notice_and_knows_when_it_closes(
        self, open_hours, time_machine
    ):
        clock(time_machine, WEDNESDAY, 10, 0)
        text = Client().get("/queue/HALL/kiosk/").content.decode()
        assert "不在办公时间" not in text
        assert 'data-category="general" disabled' not in text
        assert 'data-change-at="2026-10-14T17:30:00+08:00"' in text, "12:00 is no closing: no noon break"

    def test_a_kiosk_page_of_a_point_without_hours_has_no_notice(self, hall, time_machine):
        clock(time_machine, SUNDAY, 0, 49)
        text = Client().get("/queue/HALL/kiosk/").content.decode()
        assert "不在办公时间" not in text and 'data-change-at=""' in text
