"""Writes to the holiday calendar: the package sync, the yearly official import, admin edits.

Who wins: an official import or an admin edit of a year outranks the chinesecalendar package,
so ``holidays_sync_from_package`` leaves such a year alone — a correction typed in from the State
Council notice must survive the next deploy. Each write drops this process's compiled calendar;
other processes notice within ``WORKDAYS_RECHECK_SECONDS``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yichuang.workdays.importing import parse_schedule
from yichuang.workdays.models import CalendarDay, ScheduleYear, Source
from yichuang.workdays.package import package_deviations, package_years
from yichuang.workdays.selectors import invalidate_calendar_cache
from yichuang.workdays.signals import schedule_changed

AUTHORITATIVE = (Source.IMPORT, Source.ADMIN)


class ScheduleImportError(ValueError):
    """A schedule file was refused; ``errors`` holds one Chinese sentence per problem (with row)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    years_added: list[int] = field(default_factory=list)
    years_skipped: list[int] = field(default_factory=list)
    recounted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.years_added)


@dataclass(frozen=True)
class ImportReport:
    year: int
    days: int
    replaced: int
    #: open cases whose due dates moved with the new schedule
    recounted: int = 0


def _changed(years: Iterable[int] = (), actor: Any = None) -> int:
    """Drop the compiled calendar (now and after commit) and tell who counts with it which years
    changed, inside the transaction (``signals.schedule_changed``). Returns what the listeners
    counted again (the cases: how many due dates moved)."""
    invalidate_calendar_cache()
    transaction.on_commit(invalidate_calendar_cache)
    changed = sorted(set(years))
    if not changed:
        return 0
    answers = schedule_changed.send(sender=CalendarDay, years=changed, actor=actor)
    counted = 0
    for _receiver, answer in answers:
        value: object = answer  # django-stubs types a receiver's answer as str | None
        if isinstance(value, int):
            counted += value
    return counted


@transaction.atomic
def holidays_sync_from_package() -> SyncReport:
    """Make the package's years match the installed chinesecalendar; idempotent.

    A year whose ``ScheduleYear`` came from an import or an admin is skipped whole. In the other
    package years, rows from the package are created, corrected or deleted to match it, and rows
    an admin or import put there are kept. Unchanged rows are not touched (their ``updated_at``
    stays, so other processes need not rebuild their calendars).
    """
    report = SyncReport()
    touched: set[int] = set()
    schedules = {s.year: s for s in ScheduleYear.objects.select_for_update()}
    for year in package_years():
        schedule = schedules.get(year)
        if schedule is not None and schedule.source in AUTHORITATIVE:
            report.years_skipped.append(year)
            continue
        wanted = {day.date: day for day in package_deviations(year)}
        existing = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
        for row in existing.values():
            if row.source in AUTHORITATIVE:
                wanted.pop(row.date, None)
            elif row.date not in wanted:
                row.delete()
                report.deleted += 1
                touched.add(year)
        for day in wanted.values():
            stored = existing.get(day.date)
            if stored is None:
                CalendarDay.objects.create(
                    date=day.date, kind=day.kind, name=day.name, source=Source.CHINESECALENDAR
                )
                report.created += 1
                touched.add(year)
            elif stored.source == Source.CHINESECALENDAR and (stored.kind, stored.name) != (
                day.kind,
                day.name,
            ):
                stored.kind, stored.name = day.kind, day.name
                stored.save(update_fields=["kind", "name", "updated_at"])
                report.updated += 1
                touched.add(year)
        if schedule is None:
            ScheduleYear.objects.create(
                year=year, source=Source.CHINESECALENDAR, note="chinesecalendar 软件包"
            )
            report.years_added.append(year)
            touched.add(year)
    if report.changed:
        report.recounted = _changed(touched)
    return report


def holidays_import(
    *,
    content: bytes,
    year: int | None = None,
    published: datetime.date | None = None,
    note: str = "",
    actor: Any = None,
) -> ImportReport:
    """Store a year's official schedule from a CSV/xlsx file, replacing what that year had.

    The file is the complete schedule of the year as announced, so every stored day of the year
    (from the package, an earlier import or an admin) is replaced, and the year is marked covered
    with source ``import``. Raises ``ScheduleImportError`` listing every bad row; then nothing is
    stored — the parse comes first and the writes run in one transaction.
    """
    parsed = parse_schedule(content, year=year)
    if not parsed.ok:
        raise ScheduleImportError(parsed.errors)
    target = year if year is not None else parsed.rows[0].date.year
    if not 1949 <= target <= 2200:
        raise ScheduleImportError([_("年度 %(year)s 超出可录入范围（1949–2200）。") % {"year": target}])
    with transaction.atomic():
        ScheduleYear.objects.select_for_update().filter(year=target).first()
        replaced, _detail = CalendarDay.objects.filter(date__year=target).delete()
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(date=row.date, kind=row.kind, name=row.name, note=row.note, source=Source.IMPORT)
                for row in parsed.rows
            ]
        )
        ScheduleYear.objects.update_or_create(
            year=target,
            defaults={"source": Source.IMPORT, "published": published, "note": note},
        )
        recounted = _changed([target], actor)
    return ImportReport(year=target, days=len(parsed.rows), replaced=replaced, recounted=recounted)


def _claim_year_for_admin(year: int) -> None:
    """An admin edit in a package year makes the year the admin's: later syncs keep out of it."""
    ScheduleYear.objects.filter(year=year, source=Source.CHINESECALENDAR).update(
        source=Source.ADMIN, updated_at=timezone.now()
    )


@transaction.atomic
def calendar_day_save_by_admin(
    *, day: CalendarDay, previous_year: int | None = None, actor: Any = None
) -> CalendarDay:
    """Save a day edited in the admin, marking it (and its year) as the admin's."""
    day.source = Source.ADMIN
    day.save()
    _claim_year_for_admin(day.date.year)
    if previous_year is not None and previous_year != day.date.year:
        _claim_year_for_admin(previous_year)
    _changed({day.date.year, previous_year or day.date.year}, actor)
    return day


@transaction.atomic
def calendar_day_delete_by_admin(*, day: CalendarDay, actor: Any = None) -> None:
    """Delete a day in the admin; the year becomes the admin's so a sync does not bring it back."""
    year = day.date.year
    day.delete()
    _claim_year_for_admin(year)
    _changed([year], actor)


@transaction.atomic
def schedule_year_save_by_admin(*, schedule: ScheduleYear, actor: Any = None) -> ScheduleYear:
    """Mark a year as covered (or edit its notice data) from the admin."""
    schedule.source = Source.ADMIN if schedule.source == Source.CHINESECALENDAR else schedule.source
    schedule.save()
    _changed([schedule.year], actor)
    return schedule


@transaction.atomic
def schedule_year_delete_by_admin(*, schedule: ScheduleYear, actor: Any = None) -> None:
    """Un-cover a year: its days stay stored but count weekends only until it is covered again."""
    schedule.delete()
    _changed([schedule.year], actor)
