"""Other apps' part in a case action, without the cases app importing them (style.md: a lower app
does not ask a higher one). An app registers a function for an action in its ``AppConfig.ready``;
the action's service calls it inside its transaction, under the case's row lock:

- ``before``: after the transitions table allowed the move and before anything is written. It may
  refuse the move (raise: a 409 ``Conflict`` rolls the action back) or complete its inputs (the
  ``inputs`` dict is the action's, e.g. a mail delivery's waybill number).
- ``after``: once the move and its timeline line are written; its writes join the same transaction.

A hook must cost nothing on cases it has no business with (the case endpoints' query counts are
fixed: tests/test_cases_queries.py): it decides from the case in hand (its item version's snapshot,
its channel, the inputs) before it reads anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yichuang.cases.models import Case, CaseEvent
    from yichuang.org.models import Staff

Hook = Callable[["Case", "Staff", dict[str, Any]], None]

_BEFORE: dict[str, list[Hook]] = {}
_AFTER: dict[str, list[Hook]] = {}


def before(action: str, hook: Hook) -> None:
    if hook not in _BEFORE.setdefault(action, []):
        _BEFORE[action].append(hook)


def after(action: str, hook: Hook) -> None:
    if hook not in _AFTER.setdefault(action, []):
        _AFTER[action].append(hook)


def run_before(action: str, case: Case, actor: Staff, inputs: dict[str, Any]) -> None:
    for hook in _BEFORE.get(action, ()):
        hook(case, actor, inputs)


def run_after(action: str, case: Case, actor: Staff, inputs: dict[str, Any]) -> None:
    for hook in _AFTER.get(action, ()):
        hook(case, actor, inputs)


Recorded = Callable[[tuple["CaseEvent", ...]], None]

_RECORDED: list[Recorded] = []


def recorded(listener: Recorded) -> None:
    """``listener(events)`` runs whenever lines of cases' timelines are written (every action,
    creation, and lines other apps record), inside that transaction, just before the insert: the
    integrations' outbox writes what it reports in the same commit."""
    if listener not in _RECORDED:
        _RECORDED.append(listener)


def run_recorded(events: tuple[CaseEvent, ...]) -> None:
    for listener in _RECORDED:
        listener(events)
