from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, InvalidPage, Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class CappedCountPaginator(Paginator[Any]):
    """A paginator whose count is exact up to ``cap`` and estimated beyond.

    ``COUNT(*)`` over a large result reads every matching row: over a county's million cases that
    is hundreds of milliseconds on each page, for a number nobody reads exactly. So the rows are
    counted only up to ``cap + 1`` (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``); when there are
    more, PostgreSQL's planner estimate for the query is given (never less than ``cap + 1``). Other
    databases (SQLite: small installations) count exactly. docs/decisions.md tells why.
    """

    cap = 5000

    def __init__(self, object_list: Any, per_page: int, *, counted: QuerySet[Any] | None = None) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        # ``counted``: the same rows without the joins that bring the columns shown — PostgreSQL
        # would join every counted row (a 40 ms hash join over a town's cases, against 1 ms).
        qs = self.counted if self.counted is not None else self.object_list
        if not isinstance(qs, QuerySet):
            return len(qs)
        qs = qs.order_by()
        capped = qs[: self.cap + 1].count()
        if capped <= self.cap or connections[qs.db].vendor != "postgresql":
            return capped if capped <= self.cap else qs.count()
        self.estimated = True
        return max(self.cap + 1, _planner_rows(qs))

    #: Whether ``count`` is the planner's estimate.
    estimated = False

    def validate_number(self, number: Any) -> int:
        try:
            return super().validate_number(number)
        except EmptyPage:
            # An estimate may fall short of the real count: a page past it is empty, not an error.
            if self.estimated:
                return int(number)
            raise

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        if not self.estimated:
            return super().page(number)
        # Past an estimate neither the end of the page nor whether another follows can be taken
        # from the count: read one row more than the page holds.
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        page = Page(rows[: self.per_page], number, self)
        more = len(rows) > self.per_page
        page.has_next = lambda: more  # type: ignore[method-assign]
        return page


def _planner_rows(qs: QuerySet[Any]) -> int:
    plan = json.loads(qs.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class LargeResultPagination(Pagination):
    """``{count, next, previous, results}`` as everywhere, for lists that may hold a million rows:
    the count is exact up to 5 000 and estimated beyond (``CappedCountPaginator``)."""

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None, *, counted: QuerySet[Any] | None = None
    ) -> list[Any]:
        """The page of ``queryset``; ``counted`` (default: ``queryset``) is what is counted."""
        self.request = request
        size = self.get_page_size(request) or self.page_size or 50
        paginator = CappedCountPaginator(queryset, size, counted=counted)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(
                self.invalid_page_message.format(page_number=page_number, message=str(exc))
            ) from exc
        return list(self.page)
