"""Per-process memos of rows that change rarely (catalog, delegations and handling units, seals, SMS
templates, tokens), dropped when a change marker moves.

A memo is a dict in this process's memory. Each memo belongs to a marker (``reference`` for the
catalog, org, seal and template tables; ``auth`` for users and tokens): a row of ``ChangeMarker``
whose version is bumped by the save and delete signals of the models registered for it — the
admin's edits, the importers, the services. In this process a change drops the memos at once; other
processes (the other web workers, Celery) compare the marker's version at most once per
``MEMO_RECHECK_SECONDS`` (default 1 s) and drop theirs when it moved. So a change made elsewhere is
seen within that interval, never later, and a request pays for a marker read at most once a second
rather than for the rows on every request.

Writes that bypass the signals (``QuerySet.update``, ``bulk_create``) call ``marker_bump`` themselves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_lock = threading.Lock()


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.version: int | None = None
        self.checked_at = 0.0
        self.memos: dict[str, dict[Hashable, Any]] = {}

    def drop(self) -> None:
        for memo in self.memos.values():
            memo.clear()

    def fresh(self) -> None:
        """Drop the memos if the stored version moved since the last look (at most once per
        recheck interval)."""
        now = time.monotonic()
        if now - self.checked_at < float(getattr(settings, "MEMO_RECHECK_SECONDS", 1.0)):
            return
        from yichuang.common.models import ChangeMarker

        version = ChangeMarker.objects.filter(name=self.name).values_list("version", flat=True).first() or 0
        with _lock:
            if version != self.version:
                self.drop()
                self.version = version
            self.checked_at = now


_markers: dict[str, _Marker] = {}


def _marker(name: str) -> _Marker:
    found = _markers.get(name)
    if found is None:
        found = _markers.setdefault(name, _Marker(name))
    return found


def memo_table(marker: str, memo: str) -> dict[Hashable, Any]:
    """The dict behind ``memo``, emptied if ``marker`` moved (for callers that also expire entries)."""
    owner = _marker(marker)
    owner.fresh()
    return owner.memos.setdefault(memo, {})


def memoized(marker: str, memo: str, key: Hashable, compute: Callable[[], T]) -> T:
    """The value of ``compute()`` for ``key`` in ``memo``, computed once per change of ``marker``."""
    table = memo_table(marker, memo)
    try:
        known: T = table[key]
        return known
    except KeyError:
        pass
    value = compute()
    table[key] = value
    return value


def marker_bump(name: str) -> None:
    """Say that rows behind ``name`` changed: this process forgets at once, the others within the
    recheck interval (the version moves when the transaction commits)."""
    _marker(name).drop()
    connection = transaction.get_connection()
    # One bump per marker and transaction: the set lives as long as the transaction's list of
    # on-commit hooks (a new list after each commit or rollback).
    hooks = connection.run_on_commit
    owner, pending = connection.__dict__.get("_memo_pending_bumps", (None, set()))
    if owner is not hooks:
        pending = set()
        connection.__dict__["_memo_pending_bumps"] = (hooks, pending)
    if name in pending:
        return
    pending.add(name)

    def bump() -> None:
        pending.discard(name)
        _marker(name).drop()
        from yichuang.common.models import ChangeMarker

        if not ChangeMarker.objects.filter(name=name).update(version=models.F("version") + 1):
            ChangeMarker.objects.get_or_create(name=name, defaults={"version": 1})

    if connection.in_atomic_block:
        transaction.on_commit(bump, robust=True)
    else:
        bump()


def memos_drop() -> None:
    """Forget every memo of this process (tests start from the database as it is)."""
    for owner in list(_markers.values()):
        owner.drop()
        owner.checked_at = 0.0
        owner.version = None


def watch(marker: str, senders: Iterable[type[models.Model]], *, unless_only: Iterable[str] = ()) -> None:
    """Bump ``marker`` whenever one of ``senders`` is saved or deleted; a save of only the fields
    ``unless_only`` names (a login's ``last_login``) changes nothing a memo holds."""
    ignored = frozenset(unless_only)

    def changed(sender: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if ignored and fields is not None and set(fields) <= ignored:
            return
        marker_bump(marker)

    def linked(sender: Any, action: str = "", **kwargs: Any) -> None:
        if action.startswith("post_"):
            marker_bump(marker)

    for sender in senders:
        post_save.connect(
            changed, sender=sender, weak=False, dispatch_uid=f"memo:{marker}:{sender._meta.label}"
        )
        post_delete.connect(
            changed, sender=sender, weak=False, dispatch_uid=f"memo-del:{marker}:{sender._meta.label}"
        )
        # A many-to-many list (a numbered seal's items) changes without saving its row.
        for field in sender._meta.many_to_many:
            m2m_changed.connect(
                linked,
                sender=field.remote_field.through,
                weak=False,
                dispatch_uid=f"memo-m2m:{marker}:{sender._meta.label}:{field.name}",
            )
