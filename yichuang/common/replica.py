"""Reads of lists, dashboards and exports from a PostgreSQL streaming replica (issue 17, item 2).

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` connection and ``ReplicaRouter``.
Only code inside ``replica_reads()`` (the views decorated ``@replica_reads``: the case list, the
dashboards and their exports) reads there; everything else, and every write, uses the primary.

Three rules keep a reader from seeing the past:

* **Read your writes.** After a request of a signed-in user that may have written (any method but
  GET/HEAD/OPTIONS answered below 400), ``ReplicaWriteMarkMiddleware`` records the primary's WAL
  position (``pg_current_wal_lsn()``) in the cache under that user. His replica reads then go to the
  primary until the standby has replayed that position: a clerk who has just accepted a case finds
  it in his list, whatever the lag.
* **Lag.** A standby that has fallen behind by more than ``DATABASE_REPLICA_MAX_LAG_SECONDS`` is not
  read from. The lag is zero when everything received is replayed (an idle primary does not make a
  healthy standby look late), else the age of the last replayed transaction.
* **Down.** A standby that does not answer is left alone for ``DATABASE_REPLICA_RETRY_SECONDS``, and
  the reads go to the primary meanwhile; a warning says so once per outage.

The standby's state is asked at most once per ``DATABASE_REPLICA_CHECK_SECONDS`` per process (one
cheap query); a stale state errs towards the primary, never towards older data.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Tables read for a decision that must be current, never from a standby: the database cache (the
#: throttles' counters and the writers' WAL positions themselves), sessions, tokens, login failures.
_ALWAYS_PRIMARY = frozenset({"django_cache", "sessions", "knox", "axes"})

_reads: contextvars.ContextVar[str | None] = contextvars.ContextVar("replica_reads", default=None)
"""Inside ``replica_reads()``: the cache key of the reader (or "" for an anonymous one)."""

F = TypeVar("F", bound=Callable[..., Any])


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def lsn_value(text: str | None) -> int:
    """A WAL position ``'16/B374D848'`` as a number that orders like the positions; 0 for none."""
    if not text:
        return 0
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class StandbyState:
    usable: bool
    replayed: int  # the WAL position replayed, as lsn_value
    lag_seconds: float
    why: str = ""


class _Health:
    """The standby's state, asked at most once per check interval per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: StandbyState | None = None
        self._asked = 0.0
        self._down_until = 0.0

    def reset(self) -> None:
        with self._lock:
            self._state, self._asked, self._down_until = None, 0.0, 0.0

    def state(self) -> StandbyState:
        now = time.monotonic()
        with self._lock:
            if now < self._down_until:
                return StandbyState(False, 0, 0.0, "down")
            if self._state is not None and now - self._asked < float(settings.DATABASE_REPLICA_CHECK_SECONDS):
                return self._state
        state = self._ask()
        with self._lock:
            self._state, self._asked = state, time.monotonic()
            if state.why == "down":
                self._down_until = self._asked + float(settings.DATABASE_REPLICA_RETRY_SECONDS)
        return state

    def _ask(self) -> StandbyState:
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
                    " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
                    " END::float"
                )
                in_recovery, replayed, lag = cursor.fetchone()
        except Exception as exc:  # refused, timed out, restarting: read from the primary
            with contextlib.suppress(Exception):
                connections[REPLICA].close()
            if self._state is None or self._state.why != "down":
                logger.warning(
                    "只读副本不可用，读取改走主库（%s）。The read replica does not answer; reading from the primary: %s",
                    type(exc).__name__,
                    exc,
                )
            return StandbyState(False, 0, 0.0, "down")
        if not in_recovery:
            # Promoted (or misconfigured to the primary): its data is current, but it is no standby.
            return StandbyState(True, 1 << 62, 0.0)
        lag = float(lag or 0.0)
        if lag > float(settings.DATABASE_REPLICA_MAX_LAG_SECONDS):
            return StandbyState(False, lsn_value(replayed), lag, "lagging")
        return StandbyState(True, lsn_value(replayed), lag)


health = _Health()


def _reader_key(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return ""
    return f"replica:wrote:{type(user).__name__}:{user.pk}"


def read_database() -> str | None:
    """The database for a read in the current context: the replica when allowed, else None (the
    router's "no opinion", i.e. the primary)."""
    reader = _reads.get()
    if reader is None or not replica_configured():
        return None
    state = health.state()
    if not state.usable:
        return None
    if reader:
        wrote = cache.get(reader)
        if wrote and lsn_value(wrote) > state.replayed:
            return None  # his last write has not reached the standby yet
    return REPLICA


@contextlib.contextmanager
def replica_reads(user: Any = None) -> Iterator[None]:
    """Reads inside may come from the replica (the caller's own recent writes excepted)."""
    token = _reads.set(_reader_key(user))
    try:
        yield
    finally:
        _reads.reset(token)


def reads_from_replica(method: F) -> F:
    """Decorate a view's handler (``get``) whose reads may come from the replica: lists, dashboards,
    exports. Authentication has run by then (on the primary); the handler's own reads may not."""

    @functools.wraps(method)
    def wrapper(self: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not replica_configured():
            return method(self, request, *args, **kwargs)
        with replica_reads(getattr(request, "user", None)):
            return method(self, request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def mark_written(user: Any) -> None:
    """Remember the primary's WAL position for ``user``: his replica reads wait for it."""
    key = _reader_key(user)
    if not key:
        return
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (position,) = cursor.fetchone()
    cache.set(key, position, timeout=int(settings.DATABASE_REPLICA_PIN_SECONDS))


class ReplicaWriteMarkMiddleware:
    """After a request that may have written, the writer's next list comes from the primary until
    the standby has caught up with him (read-your-writes). Does nothing without a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.active = replica_configured()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.active and request.method not in _SAFE_METHODS and response.status_code < 400:
            try:
                mark_written(getattr(request, "user", None))
            except Exception:  # the write has committed: its answer must not become an error
                logger.exception("could not record the writer's WAL position; his reads use the replica")
        return response


class ReplicaRouter:
    """Reads inside ``replica_reads()`` to the replica when it is usable; everything else to the
    primary. Both hold the same rows, so relations between them are allowed; only the primary is
    migrated (the standby follows it)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if model._meta.app_label in _ALWAYS_PRIMARY:
            return None
        return read_database()

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
