"""``yichuang simulate``: a realistic month of the demo county, run through the real services.

Applicants arrive at the county hall, the town centers, partner banks and village agents on working
days; windows accept (some after a one-time notice and a supplement), immediate items finish in one
sitting, reviewers decide within the promised time (a few late, a few suspended, a few denied),
results are picked up, mailed or brought home by agents, citizens rate, bad ratings are called back
and closed. Every step is a service call at its simulated time (``time_machine``), so the timeline,
SMS outbox, deadlines, ratings and the dashboard's rollups are exactly what the real flow writes.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.exceptions import APIException

from yichuang.cases import services as case_services
from yichuang.cases.models import Case, CaseStatus, Channel, MaterialState
from yichuang.catalog.models import ServiceItem
from yichuang.catalog.selectors import items_offered_at
from yichuang.common.identity import resident_id_check_char
from yichuang.documents.services import signing_deferred
from yichuang.files.samples import BLANK_PDF
from yichuang.files.services import file_store
from yichuang.org.models import Department, PointKind, Role, ServicePoint, Staff, Window, WindowKind
from yichuang.queue import appointments
from yichuang.queue import services as queue_services
from yichuang.queue.models import (
    AppointmentChannel,
    AppointmentSlot,
    QueueTicket,
    ServiceCategory,
    TicketSource,
)
from yichuang.queue.selectors import categories_offered
from yichuang.ratings import services as ratings
from yichuang.ratings.models import Rectification
from yichuang.workdays.calendar import add_workdays, is_workday

TZ = ZoneInfo(settings.TIME_ZONE)
PDF = BLANK_PDF
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程魏"
GIVEN = "秀英桂兰玉兰建国建华志强海燕文斌德华春梅国强丽娟晓东永强红梅立新振华明远小燕金文光明淑芬"
#: How many applicants a point of each kind sees, relative to a town center.
WEIGHTS = {
    PointKind.COUNTY_HALL: 4.0,
    PointKind.TOWN_CENTER: 1.0,
    PointKind.BANK_OUTLET: 0.25,
    PointKind.VILLAGE_STATION: 0.2,
}
#: Minutes a visitor waits for his number to be called, and spends at the window, by kind of point.
WAIT_MINUTES = {PointKind.COUNTY_HALL: (1, 25), PointKind.TOWN_CENTER: (0, 12)}
SERVICE_MINUTES = (3, 15)
#: Visitors at a point with appointment schedules who booked a slot a few days before (预约) and check
#: in when they come; with every sixth of them, someone else booked the same slot and never comes (爽约).
BOOKED_SHARE = 0.12
NO_SHOW_EVERY = 6
SCORES = [5] * 80 + [4] * 12 + [3] * 5 + [2] * 2 + [1] * 1


class Refused(Exception):
    """A step the services refused (kept in the tally; the month goes on)."""


@dataclass(order=True)
class _Step:
    at: dt.datetime
    seq: int
    run: Callable[[], object] = field(compare=False)
    label: str = field(compare=False, default="")


@dataclass
class Simulation:
    first: dt.date
    last: dt.date
    cases: int
    tickets: int = 0
    seed: int = 20261121
    tally: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self._queue: list[_Step] = []
        self._seq = itertools.count()
        self._clerks: dict[int, Staff] = {}
        self._reviewers: dict[int, Staff] = {}
        self._windows: dict[int, Window | None] = {}
        self._files: dict[int, Any] = {}
        self._offers: dict[int, list[ServiceItem]] = {}

    # —— the cast: real demo staff where they exist, simulation staff (demo-flagged) elsewhere ——

    def _staff(self, username: str, **fields: Any) -> Staff:
        person = Staff.objects.filter(username=username).first()
        if person is None:
            person = Staff(username=username, is_demo=True, **fields)
            person.set_unusable_password()
            person.save()
        return person

    def clerk_for(self, point: ServicePoint) -> Staff:
        if point.pk not in self._clerks:
            role = Role.BANK_CLERK if point.kind == PointKind.BANK_OUTLET else Role.WINDOW_CLERK
            if point.kind == PointKind.VILLAGE_STATION:
                role = Role.VILLAGE_AGENT
            found = Staff.objects.filter(point=point, role=role, is_active=True).order_by("id").first()
            region = None if role == Role.BANK_CLERK else point.region
            surname = self.random.choice(SURNAMES)
            self._clerks[point.pk] = found or self._staff(
                f"sim_{point.code}",
                role=role,
                point=point,
                region=region,
                last_name=surname,
                first_name="模拟",
            )
        return self._clerks[point.pk]

    def reviewer_for(self, department: Department) -> Staff:
        if department.pk not in self._reviewers:
            found = Staff.objects.filter(role=Role.REVIEWER, department=department, is_active=True).first()
            self._reviewers[department.pk] = found or self._staff(
                f"sim_review_{department.code}",
                role=Role.REVIEWER,
                department=department,
                region=department.region,
                last_name=self.random.choice(SURNAMES),
                first_name="审核",
            )
        return self._reviewers[department.pk]

    def file_of(self, actor: Staff) -> Any:
        if actor.pk not in self._files:
            self._files[actor.pk] = file_store(upload=SimpleUploadedFile("材料扫描件.pdf", PDF), actor=actor)
        return self._files[actor.pk]

    # —— time ——

    def workdays(self) -> list[dt.date]:
        day, days = self.first, []
        while day <= self.last:
            if is_workday(day):
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def at(self, day: dt.date, earliest: float = 8.5, latest: float = 17.5) -> dt.datetime:
        hours = self.random.uniform(earliest, latest)
        return dt.datetime.combine(
            day, dt.time(int(hours), int(hours % 1 * 60), self.random.randrange(60)), TZ
        )

    def later(self, now: dt.datetime, workdays: int) -> dt.datetime:
        return self.at(add_workdays(now.date(), workdays)) if workdays else now + dt.timedelta(minutes=3)

    def schedule(self, when: dt.datetime, label: str, run: Callable[[], object]) -> None:
        heapq.heappush(self._queue, _Step(when, next(self._seq), run, label))

    # —— the month ——

    def steps(self) -> Iterator[str]:
        """Run the month; yields the label of each step done (the command draws its progress bar)."""
        if settings.PRODUCTION:
            raise CommandError("生产环境禁止运行模拟。Refusing to simulate in production.")
        points = list(
            ServicePoint.objects.filter(kind__in=list(WEIGHTS), active=True)
            .select_related("region")
            .order_by("code")
        )
        # Village stations: one agent per town is enough to show the flow (the demo's two plus more).
        stations = [p for p in points if p.kind == PointKind.VILLAGE_STATION]
        keep = {p.pk for p in stations if Staff.objects.filter(point=p, role=Role.VILLAGE_AGENT).exists()}
        by_town: dict[str, ServicePoint] = {}
        for station in stations:
            by_town.setdefault(station.region.code[:9], station)
        keep |= {p.pk for p in by_town.values()}
        points = [p for p in points if p.kind != PointKind.VILLAGE_STATION or p.pk in keep]
        for point in points:
            self._offers[point.pk] = list(items_offered_at(point).order_by("code"))
        points = [p for p in points if self._offers[p.pk]]
        days = self.workdays()
        if not days or not points:
            return
        weights = [WEIGHTS[PointKind(p.kind)] for p in points]
        for _n in range(self.cases):
            point = self.random.choices(points, weights)[0]
            day = self.random.choice(days)
            self.schedule(self.at(day), "arrive", partial(self.arrive, point))
        self._plan_tickets(days)
        end = dt.datetime.combine(self.last, dt.time(23, 59), TZ)
        # A 12345 ticket registered late in the month is still signed for, answered, closed and
        # revisited after it (up to the real present): its month's 按时办结率 counts it, and leaving it
        # open for ever would make it overdue. Applications left open at the month's end stay open.
        present = timezone.now()
        left_open = 0
        while self._queue:
            step = heapq.heappop(self._queue)
            if step.at > end and not (step.label.startswith("ticket_") and step.at <= present):
                left_open += 1
                continue
            # Documents are signed on their first request, not after each simulated action: rendering
            # some 3 000 PDFs would double the run or more, and a month of history is rarely opened whole.
            with (
                time_machine.travel(step.at, tick=False),
                signing_deferred(),
            ):
                try:
                    step.run()
                    self.tally[step.label] += 1
                except (APIException, DjangoValidationError, Refused):
                    self.tally[f"{step.label}_refused"] += 1
            yield step.label
        self.tally["left_open"] = left_open
        # The sweep that runs every quarter of an hour: booked places nobody came for are 爽约.
        self.tally["appointment_missed"] = appointments.appointments_mark_missed(now=min(end, timezone.now()))

    def total_steps_hint(self) -> int:
        return self.cases * 5 + self.tickets * 4

    # —— 12345 tickets: registered by the operator, routed, signed, answered, closed, revisited ——

    def _plan_tickets(self, days: list[dt.date]) -> None:
        from yichuang.hotline.models import Category
        from yichuang.hotline.selectors import is_operator
        from yichuang.org.models import Region, RegionLevel
        from yichuang.org.selectors import scope_of

        operator = Staff.objects.filter(username="hotline1").first()
        if not self.tickets or operator is None or not is_operator(operator):
            return
        leaves = list(Category.objects.filter(active=True, children__isnull=True).order_by("code"))
        # The places the operator takes calls for (his hotline's region): with two counties loaded,
        # 浉河区's operator registers no call about 平桥区 (it would be refused, decision 153).
        scope = scope_of(operator)
        places_qs = Region.objects.filter(level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE])
        if scope.region is not None:
            places_qs = places_qs.filter(code__startswith=scope.region.prefix)
        elif not scope.everything:
            return
        places = list(places_qs.order_by("code"))
        if not leaves or not places:
            return
        for _n in range(self.tickets):
            category, place = self.random.choice(leaves), self.random.choice(places)
            self.schedule(
                self.at(self.random.choice(days), 8.0, 20.0),
                "ticket",
                partial(self.ticket, operator, category, place),
            )

    def _member_of(self, unit: Any) -> Staff:
        if unit.department is not None:
            return self.reviewer_for(unit.department)
        return self.clerk_for(unit.point)

    def ticket(self, operator: Staff, category: Any, place: Any) -> None:
        from yichuang.hotline import services as hotline
        from yichuang.hotline.models import TicketType

        kind = self.random.choices(
            [
                TicketType.CONSULT,
                TicketType.HELP,
                TicketType.COMPLAINT,
                TicketType.SUGGESTION,
                TicketType.PRAISE,
            ],
            [40, 25, 25, 7, 3],
        )[0]
        if kind == TicketType.CONSULT and self.random.random() < 0.6:
            ticket = hotline.ticket_create(
                actor=operator,
                type=kind,
                category=category,
                region=place,
                title=f"咨询{category.name}",
                content="来电咨询办理条件和所需材料。",
                caller_phone=f"139{self.random.randrange(10**8):08d}",
            )
            hotline.ticket_answer(ticket=ticket, actor=operator, reply="已按办事指南答复来电人。")
            return
        ticket = hotline.ticket_create(
            actor=operator,
            type=kind,
            category=category,
            region=place,
            title=f"{category.name}诉求",
            content=f"来电人反映{place.name}的{category.name}问题，请核实处理。",
            caller_phone=f"139{self.random.randrange(10**8):08d}",
            dispatch=True,
        )
        if ticket.assigned_unit is None:
            raise Refused
        hours = self.random.uniform(0.2, 3.0)
        self.schedule(
            _now() + dt.timedelta(hours=hours), "ticket_accept", lambda: self.ticket_work(ticket.pk, operator)
        )

    def ticket_work(self, ticket_id: int, operator: Staff) -> None:
        from yichuang.hotline import services as hotline
        from yichuang.hotline.models import Ticket

        ticket = Ticket.objects.get(pk=ticket_id)
        unit = ticket.assigned_unit
        if unit is None:
            raise Refused
        member = self._member_of(unit)
        hotline.ticket_accept(ticket=ticket, actor=member)
        limit_hours = max(1.0, (ticket.due_at - _now()).total_seconds() / 3600)
        late = self.random.random() < 0.03
        delay = dt.timedelta(hours=limit_hours * (1.2 if late else self.random.uniform(0.1, 0.8)))
        self.schedule(_now() + delay, "ticket_reply", lambda: self.ticket_reply(ticket_id, member, operator))

    def ticket_reply(self, ticket_id: int, member: Staff, operator: Staff) -> None:
        from yichuang.hotline import services as hotline
        from yichuang.hotline.models import Satisfaction, Ticket

        ticket = Ticket.objects.get(pk=ticket_id)
        hotline.ticket_reply(ticket=ticket, actor=member, reply="已现场核实并处理，已电话告知来电人。")
        ticket = hotline.ticket_close(ticket=Ticket.objects.get(pk=ticket_id), actor=operator)
        if self.random.random() < 0.85:
            level = self.random.choices(
                [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED],
                [85, 10, 5],
            )[0]
            self.schedule(
                _now() + dt.timedelta(hours=self.random.uniform(2, 30)),
                "ticket_revisit",
                lambda: hotline.ticket_revisit(
                    ticket=Ticket.objects.get(pk=ticket_id),
                    actor=operator,
                    satisfaction=level,
                    note="电话回访",
                ),
            )

    # —— what happens to one applicant ——

    def applicant(
        self, item: ServiceItem | None = None, point: ServicePoint | None = None
    ) -> case_services.ApplicantInput:
        """Someone born in the county of ``point`` (his ID number's address code is the county's: a
        平桥区 center's applicants are 平桥区's, and its 本区户籍 items accept them); 浉河区 when no point."""
        county = point.region.code[:6] if point is not None else "411502"
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=self.random.randrange(365 * 65))
        if item is not None:
            # Who comes for an item meets its age condition (catalog.EligibilityRule): 高龄津贴 80+.
            from yichuang.catalog.models import EligibilityKind, EligibilityRule

            least = EligibilityRule.objects.filter(
                item=item, kind=EligibilityKind.MIN_AGE, active=True
            ).first()
            if least is not None:
                latest = timezone.localdate().replace(month=1, day=1) - dt.timedelta(
                    days=366 * int(least.value)
                )
                if birth > latest:
                    birth = latest - dt.timedelta(days=self.random.randrange(365 * 10))
        first17 = f"{county}{birth:%Y%m%d}{self.random.randrange(1000):03d}"
        return case_services.ApplicantInput(
            kind="person",
            name=self.random.choice(SURNAMES) + "".join(self.random.sample(GIVEN, 2)),
            id_number=first17 + resident_id_check_char(first17),
            phone=f"139{self.random.randrange(10**8):08d}",
        )

    def arrive(self, point: ServicePoint) -> None:
        items = self._offers[point.pk]
        item = self.random.choice(items)
        actor = self.clerk_for(point)
        snapshot = item.versions.order_by("-number").first()
        if snapshot is None:
            raise Refused
        requirements = snapshot.snapshot["materials"]
        stored = self.file_of(actor)
        leave_out = None
        required = [m for m in requirements if m["required"]]
        if required and self.random.random() < 0.08:
            leave_out = self.random.choice(required)["code"]
        tolerated = [m["code"] for m in required if m["tolerable"] and self.random.random() < 0.3]
        committed = [
            m["code"]
            for m in required
            if m["commitment_allowed"] and m["code"] not in tolerated and self.random.random() < 0.5
        ]
        materials = [
            case_services.MaterialInput(requirement=m["code"], files=[stored])
            for m in requirements
            if m["code"] not in (leave_out, *tolerated, *committed)
            and (m["required"] or self.random.random() < 0.5)
        ]
        channel = {
            PointKind.BANK_OUTLET: Channel.BANK,
            PointKind.VILLAGE_STATION: Channel.AGENT,
        }.get(PointKind(point.kind), Channel.WINDOW)
        consent = stored if channel == Channel.AGENT else None
        ticket = self.called(point, actor) if channel == Channel.WINDOW else None
        case = None
        try:
            case = case_services.case_create(
                actor=actor,
                item=item,
                point=point,
                channel=channel,
                applicant=self.applicant(item, point),
                materials=materials,
                tolerated=tolerated,
                commitments=committed,
                consent_file=consent,
            )
        finally:
            if ticket is not None:
                self.served(ticket, actor, case)
        now = _now()
        if case.status == CaseStatus.ACCEPTED:
            self.after_acceptance(case, now)
        elif channel == Channel.AGENT:
            center = ServicePoint.objects.filter(
                kind=PointKind.TOWN_CENTER, region__code=point.region.code[:9] + "000"
            ).first()
            if center is not None:
                self.schedule(self.later(now, 1), "accept", lambda: self.accept(case, center))
        elif leave_out is not None:
            case_services.case_notify(case=case, actor=actor, missing=[leave_out])
            self.schedule(
                self.later(now, self.random.randint(1, 3)),
                "supplement",
                lambda: self.supplement(case, leave_out),
            )

    # —— the hall: a number taken at the kiosk before, called to the clerk's window ——

    def window_of(self, point: ServicePoint, actor: Staff) -> Window | None:
        if point.pk not in self._windows:
            windows = Window.objects.filter(point=point, active=True, kind=WindowKind.COMPREHENSIVE)
            own = windows.filter(pk=actor.window_id).first() if actor.window_id else None
            self._windows[point.pk] = own or windows.order_by("id").first()
        return self._windows[point.pk]

    def called(self, point: ServicePoint, actor: Staff) -> QueueTicket | None:
        """The visitor took a number some minutes ago (an elderly one with priority now and then; a few
        before him did not come when called) and is called to the clerk's window now."""
        span = WAIT_MINUTES.get(PointKind(point.kind))
        window = self.window_of(point, actor)
        categories = list(categories_offered(point))
        if span is None or window is None or not categories:
            return None
        category = next((c for c in categories if c.code == "general"), categories[0])
        now = _now()
        taken = now - dt.timedelta(minutes=self.random.uniform(*span))
        try:
            if self.random.random() < 0.04:
                with time_machine.travel(taken - dt.timedelta(minutes=2), tick=False):
                    queue_services.ticket_take(point=point, category=category, source=TicketSource.KIOSK)
                with time_machine.travel(taken + dt.timedelta(minutes=1), tick=False):
                    gone = queue_services.ticket_call_next(window=window, actor=actor)
                    queue_services.ticket_no_show(ticket=gone, actor=actor)
            booked = self.random.random() < BOOKED_SHARE and self.booked_ahead(point, category, taken)
            if not booked:
                with time_machine.travel(taken, tick=False):
                    queue_services.ticket_take(
                        point=point,
                        category=category,
                        source=TicketSource.KIOSK,
                        priority="elderly" if self.random.random() < 0.1 else "",
                    )
            ticket = queue_services.ticket_call_next(window=window, actor=actor)
        except APIException:
            self.tally["queue_refused"] += 1
            return None
        self.tally["queue"] += 1
        return ticket

    def booked_ahead(self, point: ServicePoint, category: ServiceCategory, arrival: dt.datetime) -> bool:
        """The visitor booked the slot of his arrival online one to three days before and checks in at
        the kiosk when he comes (a priority number). Now and then another person booked the same slot
        and never comes: the sweep (run at the end of the month here) marks him 爽约. False when
        the point has no slot for that time or it is full."""
        day = arrival.date()
        with time_machine.travel(
            self.at(day - dt.timedelta(days=self.random.randint(1, 3)), 8, 21), tick=False
        ):
            appointments.slots_sync(point=point, first=day, last=day)
            clock = arrival.time()
            soon = (arrival + appointments.CHECK_IN_EARLY).time()
            slot = (
                AppointmentSlot.objects.filter(
                    point=point, category=category, day=day, closed=False, start__lte=soon, end__gte=clock
                )
                .order_by("start")
                .first()
            )
            if slot is None or slot.left < 1:
                return False
            visitor = self.applicant()
            appointment, _code = appointments.appointment_book(
                slot=slot, name=visitor.name, phone=visitor.phone, channel=AppointmentChannel.WEB
            )
            slot.refresh_from_db()
            if slot.left and self.tally["appointment"] % NO_SHOW_EVERY == 0:
                other = self.applicant()
                appointments.appointment_book(
                    slot=slot, name=other.name, phone=other.phone, channel=AppointmentChannel.WEB
                )
        with time_machine.travel(arrival, tick=False):
            appointments.appointment_check_in(appointment=appointment)
        self.tally["appointment"] += 1
        return True

    def served(self, ticket: QueueTicket, actor: Staff, case: Case | None) -> None:
        finished = _now() + dt.timedelta(minutes=self.random.uniform(*SERVICE_MINUTES))
        with time_machine.travel(finished, tick=False):
            queue_services.ticket_serve(ticket=ticket, actor=actor, cases=[case] if case else [])

    def accept(self, case: Case, center: ServicePoint) -> None:
        case.refresh_from_db()
        clerk = self.clerk_for(center)
        missing = list(case.materials.filter(state="missing").values_list("requirement", flat=True))
        if missing:
            case_services.case_supplement(
                case=case,
                actor=clerk,
                materials=[case_services.MaterialInput(m, [self.file_of(clerk)]) for m in missing],
            )
        case_services.case_accept(case=case, actor=clerk)
        self.after_acceptance(case, _now())

    def supplement(self, case: Case, code: str) -> None:
        clerk = self.clerk_for(case.point)
        case_services.case_supplement(
            case=case, actor=clerk, materials=[case_services.MaterialInput(code, [self.file_of(clerk)])]
        )
        if self.random.random() < 0.02:
            case_services.case_refuse(case=case, actor=clerk, reason="补正材料仍不符合法定形式")
            return
        case_services.case_accept(case=case, actor=clerk)
        self.after_acceptance(case, _now())

    def after_acceptance(self, case: Case, now: dt.datetime) -> None:
        case.refresh_from_db()
        if case.kind == "immediate":
            clerk = case.accepted_by or self.clerk_for(case.point)
            self.supply_owed(case)
            # A bank outlet or a village station accepts and hands out; the decision is the handling
            # unit's unless the power sits at the clerk's own point.
            decider = (
                clerk
                if case_services.case_may(clerk, case, "approve")
                else self.reviewer_for(case.handling_department)
            )
            case_services.case_approve(case=case, actor=decider)
            self.deliver(case, same_sitting=True)
            return
        promised = int(case.item_version.snapshot.get("promised_days") or 1)
        late = self.random.random() < 0.04
        days = promised + self.random.randint(1, 3) if late else self.random.randint(1, max(1, promised))
        self.schedule(
            self.later(now, max(1, days // 2)), "review", lambda: self.review(case, days - days // 2)
        )

    def review(self, case: Case, remaining: int) -> None:
        reviewer = self.reviewer_for(case.handling_department)
        case_services.case_review(case=case, actor=reviewer)
        if self.random.random() < 0.01:
            case_services.case_suspend(case=case, actor=reviewer, reason="需现场勘验", kind="inspection")
            self.schedule(
                self.later(_now(), self.random.randint(2, 5)), "resume", lambda: self.resume(case, remaining)
            )
            return
        self.schedule(self.later(_now(), max(0, remaining)), "decide", lambda: self.decide(case))

    def resume(self, case: Case, remaining: int) -> None:
        case_services.case_resume(case=case, actor=self.reviewer_for(case.handling_department))
        self.schedule(self.later(_now(), max(0, remaining)), "decide", lambda: self.decide(case))

    def decide(self, case: Case) -> None:
        reviewer = self.reviewer_for(case.handling_department)
        if self.random.random() < 0.03:
            case_services.case_deny(case=case, actor=reviewer, reason="经审查不符合申请条件")
            self.maybe_rate(case)
            return
        self.supply_owed(case)
        case_services.case_approve(case=case, actor=reviewer)
        self.schedule(self.later(_now(), self.random.randint(1, 2)), "deliver", lambda: self.deliver(case))

    def supply_owed(self, case: Case) -> None:
        """The applicant brings the papers accepted with a gap (容缺) before the decision: approval
        waits for them."""
        owed = list(
            case.materials.filter(state=MaterialState.TOLERATED).values_list("requirement", flat=True)
        )
        if not owed:
            return
        clerk = self.clerk_for(case.point)
        case_services.case_supplement(
            case=case,
            actor=clerk,
            materials=[case_services.MaterialInput(code, [self.file_of(clerk)]) for code in owed],
        )
        case.refresh_from_db()

    def deliver(self, case: Case, same_sitting: bool = False) -> None:
        case.refresh_from_db()
        if case.agent_id is not None and not same_sitting:
            agent = self.clerk_for(case.point)
            case_services.case_deliver(
                case=case, actor=agent, method="agent", recipient_name=case.applicant_name
            )
        elif not same_sitting and self.random.random() < 0.15:
            case_services.case_deliver(
                case=case,
                actor=self.clerk_for(case.point),
                method="mail",
                tracking_number=f"1{self.random.randrange(10**12):012d}",
            )
        else:
            case_services.case_deliver(
                case=case,
                actor=self.clerk_for(case.point),
                method="pickup",
                recipient_name=case.applicant_name,
            )
        self.maybe_rate(case)

    def maybe_rate(self, case: Case) -> None:
        if self.random.random() < 0.55:
            self.schedule(self.later(_now(), self.random.randint(0, 3)), "rate", lambda: self.rate(case))

    def rate(self, case: Case) -> None:
        case.refresh_from_db()
        score = self.random.choice(SCORES)
        channel = self.random.choice(["sms", "web", "pad", "kiosk"])
        dims = ["efficiency", "attitude"] if channel in ("pad", "kiosk") else ["efficiency", "convenience"]
        rating = ratings.rating_submit(
            case=case,
            channel=channel,
            score=score,
            dimensions={d: min(5, max(1, score + self.random.choice([-1, 0, 0, 1]))) for d in dims},
            comment="" if score > 2 else "材料要求没有一次说清楚",
        )
        if score <= 2:
            self.schedule(
                self.later(_now(), self.random.randint(1, 3)), "callback", lambda: self.callback(rating.pk)
            )

    def callback(self, rating_id: int) -> None:
        rectification = Rectification.objects.select_related("owner").get(rating_id=rating_id)
        ratings.rectification_callback(
            rectification=rectification,
            actor=rectification.owner,
            note="已电话回访致歉，说明一次性告知和容缺受理办法",
            satisfied=self.random.random() < 0.8,
        )
        self.schedule(
            self.later(_now(), self.random.randint(1, 2)),
            "rectified",
            lambda: ratings.rectification_close(
                rectification=rectification, actor=rectification.owner, outcome="已对窗口人员开展业务培训"
            ),
        )


def _now() -> dt.datetime:
    return timezone.localtime(timezone.now())
