from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class CappedCountPaginator(Paginator):
    """A paginator whose count is exact up to ``cap`` and estimated beyond.

    ``COUNT(*)`` over a large result reads every matching row: over a county's million cases that
    is hundreds of milliseconds on each page, for a number nobody reads exactly. So the rows are
    counted only up to ``cap + 1`` (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``); when there are
    more, PostgreSQL's planner estimate for the query is given (never less than ``cap + 1``). Other
    databases (SQLite: small installations) count exactly. docs/decisions.md tells why.
    """

    cap = 5000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
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

    def page(self, number: Any) -> Page:
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

    django_paginator_class = CappedCountPaginator
