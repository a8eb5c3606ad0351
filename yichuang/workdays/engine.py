"""Working-day arithmetic without a day-by-day loop (pure: no database here).

A day ``d`` (as an ordinal, ``date.toordinal()``) is a working day when it is Monday to Friday and
not a public holiday, or when it is a make-up working day (调休上班) on a weekend. Let

    F(x) = weekdays(1..x) − weekday-holidays(≤ x) + weekend-workdays(≤ x)

be the number of working days up to and including ``x``. ``weekdays`` is closed-form arithmetic
on whole weeks; the two corrections are ``bisect`` counts in sorted lists. Then

* the working days ``d`` with ``a < d <= b`` number ``F(b) − F(a)``;
* the n-th working day after ``s`` is the smallest ``x`` with ``F(x) ≥ F(s) + n``, found by
  binary search because ``F`` never decreases.

Every call is O(log H · log n) (H: stored holidays), whatever the span: a ten-year deadline costs
what a three-day one does.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_ORDINAL = datetime.date.min.toordinal()  # 1, a Monday
MAX_ORDINAL = datetime.date.max.toordinal()


class UncoveredYearWarning(UserWarning):
    """A computation touched a year with no official holiday schedule on file: weekends only."""

    def __init__(self, message: str, years: Iterable[int] = ()) -> None:
        super().__init__(message)
        self.years = list(years)


class DateOutOfRange(ValueError):
    """The answer would fall after 9999-12-31, the last date Python can represent."""


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return next_month(day) - datetime.timedelta(days=1)


def _weekdays_upto(x: int) -> int:
    """Monday-to-Friday days with ordinal in 1..x (ordinal 1, 0001-01-01, is a Monday)."""
    if x <= 0:
        return 0
    weeks, rest = divmod(x, 7)
    return weeks * 5 + min(rest, 5)


def _is_weekend(ordinal: int) -> bool:
    return (ordinal - 1) % 7 >= 5


@dataclass(frozen=True)
class WorkCalendar:
    """A compiled calendar: sorted deviations from the ordinary week plus the years they cover.

    ``holidays`` are ordinals of holidays that fall on Monday–Friday; ``makeups`` are ordinals of
    working Saturdays and Sundays. Entries that change nothing (a holiday on a Sunday) are dropped
    by ``build``.
    """

    holidays: tuple[int, ...] = ()
    makeups: tuple[int, ...] = ()
    covered: tuple[int, ...] = ()
    _holiday_set: frozenset[int] = field(default=frozenset(), repr=False, compare=False)
    _makeup_set: frozenset[int] = field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def build(
        cls,
        *,
        holidays: Iterable[datetime.date],
        workdays: Iterable[datetime.date],
        covered_years: Iterable[int],
    ) -> WorkCalendar:
        hol = sorted({d.toordinal() for d in holidays if d.weekday() < 5})
        mak = sorted({d.toordinal() for d in workdays if d.weekday() >= 5})
        return cls(
            holidays=tuple(hol),
            makeups=tuple(mak),
            covered=tuple(sorted(set(covered_years))),
            _holiday_set=frozenset(hol),
            _makeup_set=frozenset(mak),
        )

    # -- the counting function F and its inverse ------------------------------------------

    def _upto(self, x: int) -> int:
        return _weekdays_upto(x) - bisect_right(self.holidays, x) + bisect_right(self.makeups, x)

    def _is_workday_ordinal(self, x: int) -> bool:
        if x in self._holiday_set:
            return False
        if x in self._makeup_set:
            return True
        return not _is_weekend(x)

    def is_workday(self, day: datetime.date) -> bool:
        return self._is_workday_ordinal(day.toordinal())

    def between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days d with a < d <= b; 0 when b <= a (the set is empty)."""
        if b <= a:
            return 0
        return self._upto(b.toordinal()) - self._upto(a.toordinal())

    def between_suspended(
        self,
        a: datetime.date,
        b: datetime.date,
        suspended: Iterable[tuple[datetime.date, datetime.date]] = (),
    ) -> int:
        """Like ``between``, minus working days inside the suspended spans (inclusive, may overlap).

        Overlapping spans are merged first so a day suspended twice (say, 中止 during 延期) is
        subtracted once; the spans are clipped to (a, b].
        """
        total = self.between(a, b)
        if total == 0:
            return 0
        spans = []
        for start, end in suspended:
            if end < start:
                raise ValueError(f"suspended span ends before it starts: {start} > {end}")
            spans.append((max(start.toordinal(), a.toordinal() + 1), min(end.toordinal(), b.toordinal())))
        spans = sorted(s for s in spans if s[0] <= s[1])
        merged: list[tuple[int, int]] = []
        for start_o, end_o in spans:
            if merged and start_o <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end_o))
            else:
                merged.append((start_o, end_o))
        for start_o, end_o in merged:
            total -= self._upto(end_o) - self._upto(start_o - 1)
        return total

    def add(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after ``start`` (start itself not counted); ``start`` when n == 0.

        Negative ``n`` is refused: deadlines only run forward, and "n working days before" has two
        reasonable meanings when ``start`` is itself a holiday.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start
        s = start.toordinal()
        target = self._upto(s) + n
        if s >= MAX_ORDINAL or self._upto(MAX_ORDINAL) < target:
            raise DateOutOfRange("the result would be after 9999-12-31")
        # Upper bound: 7/5 of n calendar days plus room for holidays; widen until it holds.
        hi = min(MAX_ORDINAL, s + n + n // 2 + 32)
        while self._upto(hi) < target:
            hi = min(MAX_ORDINAL, s + 2 * (hi - s))
        lo = s + 1
        while lo < hi:  # smallest x in [lo, hi] with F(x) >= target
            mid = (lo + hi) // 2
            if self._upto(mid) >= target:
                hi = mid
            else:
                lo = mid + 1
        return datetime.date.fromordinal(lo)

    # -- coverage -----------------------------------------------------------------------------

    def uncovered_years(self, first: int, last: int) -> list[int]:
        """Years in first..last (inclusive) without an official schedule on file."""
        if last < first:
            return []
        lo = bisect_left(self.covered, first)
        hi = bisect_right(self.covered, last)
        if hi - lo == last - first + 1:
            return []  # the common case, without walking the years
        known = set(self.covered[lo:hi])
        return [y for y in range(first, last + 1) if y not in known]

    def uncovered_in(self, a: datetime.date, b: datetime.date) -> list[int]:
        """Uncovered years among the days d with a < d <= b, the days a count looks at."""
        if b <= a:
            return []
        return self.uncovered_years((a + datetime.timedelta(days=1)).year, b.year)
