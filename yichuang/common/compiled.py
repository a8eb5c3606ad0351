"""Reads of a fixed shape compiled to SQL once per process, then run with new parameters (decision 148).

Django compiles a queryset to SQL on every evaluation: for the small reads of a case action's answer
(its timeline, its materials, its documents) that costs about a millisecond each, more than the
database spends answering them. A ``CompiledRead`` is built from a function that makes the queryset
for one key (a case's id); the first call in a process compiles it with a marker value for the key
and keeps the SQL, its parameters and the column converters; later calls put the key in the marker's
place and run that SQL through the connection's cursor (so query counting, execute wrappers and the
replica router see them as any other read), converting the columns exactly as the ORM does.

What keeps it correct: the queryset is the ORM's own, compiled by the ORM for the database in use
(per connection alias, so SQLite and PostgreSQL each get theirs); ``sql_for(key)`` gives the SQL and
parameters the cache would run, and the tests assert that they equal what the ORM compiles for the
same key and that the rows equal the ORM's, on both databases (tests/test_compiled_reads.py). A
queryset whose parameters do not contain the marker exactly once per use of the key is refused when
it is first compiled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model, QuerySet

#: The key's stand-in while compiling: an id no table holds, unlike any constant of a query.
MARKER = -7_340_031_977_113


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]
    #: (column position, converters, expression) as the compiler gives them.
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    names: tuple[str, ...]


class CompiledRead:
    """``build(key)`` is a ``values()`` or ``values_list()`` queryset whose SQL depends on ``key`` only
    through one parameter; ``rows(key)`` and ``dicts(key)`` run it."""

    def __init__(self, model: type[Model], build: Callable[[int], QuerySet[Any, Any]]) -> None:
        self.model = model
        self._build = build
        self._plans: dict[tuple[str, str], _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, alias: str) -> _Plan:
        connection = connections[alias]
        key = (alias, connection.vendor)
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key) or self._compile(alias)
                self._plans[key] = plan
        return plan

    def _compile(self, alias: str) -> _Plan:
        queryset = self._build(MARKER)
        if queryset.model is not self.model:
            raise ValueError(f"{queryset.model.__name__} read where {self.model.__name__} was said")
        query = queryset.query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = tuple(i for i, value in enumerate(params) if value == MARKER)
        if not slots:
            raise ValueError(f"the key is not a parameter of {sql}")
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        if names and len(names) != compiler.col_count:
            raise ValueError(f"the columns of {sql} are not the values asked for")
        return _Plan(
            sql=sql,
            params=tuple(params),
            slots=slots,
            converters=tuple((pos, tuple(convs), expr) for pos, (convs, expr) in converters.items()),
            names=tuple(names),
        )

    def _alias(self) -> str:
        return router.db_for_read(self.model) or DEFAULT_DB_ALIAS

    def sql_for(self, key: int, *, using: str | None = None) -> tuple[str, tuple[Any, ...]]:
        """The SQL and parameters ``rows(key)`` runs."""
        plan = self._plan(using or self._alias())
        params = list(plan.params)
        for slot in plan.slots:
            params[slot] = key
        return plan.sql, tuple(params)

    def rows(self, key: int) -> list[tuple[Any, ...]]:
        """The rows for ``key``, each a tuple of converted columns (what ``values_list`` gives)."""
        alias = self._alias()
        sql, params = self.sql_for(key, using=alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        converters = self._plan(alias).converters
        if not converters:
            return [tuple(row) for row in found]
        return [tuple(self._converted(row, converters, connection)) for row in found]

    def dicts(self, key: int) -> list[dict[str, Any]]:
        """The rows for ``key`` as ``values()`` gives them."""
        names = self._plan(self._alias()).names
        return [dict(zip(names, row, strict=True)) for row in self.rows(key)]

    @staticmethod
    def _converted(
        row: Any, converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...], connection: Any
    ) -> Iterator[Any]:
        values = list(row)
        for pos, convs, expression in converters:
            value = values[pos]
            for convert in convs:
                value = convert(value, expression, connection)
            values[pos] = value
        return iter(values)
