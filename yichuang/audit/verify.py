"""Checking the audit trail: every case's timeline chain against its lines and its row, the security
chain, and the ledger's seals (their chain, their keyed MAC, and every case head they sealed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from yichuang.audit.chain import case_event_digest, seal_digest, seal_mac_ok, security_event_digest
from yichuang.audit.models import AuditChainHead, AuditSeal, SecurityEvent


@dataclass(frozen=True)
class Problem:
    """What is wrong with one record: its table, its id (or the case number), in Chinese and English."""

    table: str
    record: str
    zh: str
    en: str
    #: the number of the case whose trail is broken, when the problem is one case's (a county's
    #: administrator is told of his county's cases; the seals and security events are the platform's)
    case: str = ""

    def __str__(self) -> str:
        return f"{self.table} {self.record}: {self.zh} / {self.en}"


def _case_problem(number: str, table: str, record: str, zh: str, en: str) -> Problem:
    return Problem(table, record, zh, en, case=number)


def _seals(problems: list[Problem]) -> tuple[dict[str, list[Any]], list[Any]]:
    heads: dict[str, list[Any]] = {}
    security: list[Any] = []
    prev = ""
    for seal in AuditSeal.objects.order_by("id").iterator():
        where = f"id={seal.pk}"
        if seal.prev != prev:
            problems.append(
                Problem(
                    "audit_auditseal",
                    where,
                    "与前一封存不相连（封存被删除或改动）",
                    "does not follow the seal before it (a seal deleted or altered)",
                )
            )
        if seal_digest(seal) != seal.digest:
            problems.append(Problem("audit_auditseal", where, "封存内容被改动", "seal content altered"))
        elif not seal_mac_ok(seal):
            problems.append(
                Problem(
                    "audit_auditseal",
                    where,
                    "封存校验码不符（不是持有密钥者所写）",
                    "seal MAC does not match (not written by the key holder)",
                )
            )
        prev = seal.digest
        heads.update(seal.heads)
        security = seal.security_head or security
    return heads, security


def _case_events() -> Iterator[Any]:
    from yichuang.cases.models import CaseEvent

    return CaseEvent.objects.order_by("case_id", "seq", "id").iterator(chunk_size=2000)


def _cases(problems: list[Problem], sealed: dict[str, list[Any]]) -> None:
    from yichuang.cases.models import Case

    events = _case_events()
    pending = next(events, None)
    seen: set[str] = set()
    rows = Case.objects.order_by("id").values_list("id", "number", "status", "audit_head", "audit_count")
    for case_id, number, status, head, count in rows.iterator(chunk_size=2000):
        while pending is not None and pending.case_id < case_id:  # pragma: no cover - the FK cascades
            pending = next(events, None)
        seq, prev, last_status = 0, "", None
        sealed_at = sealed.get(number)
        sealed_found = False
        while pending is not None and pending.case_id == case_id:
            event, pending = pending, next(events, None)
            where = f"id={event.pk}（办件 {number} 第 {event.seq} 条）"
            seq += 1
            if event.seq != seq:
                problems.append(
                    _case_problem(
                        number,
                        "cases_caseevent",
                        where,
                        f"之前缺少第 {seq} 条记录",
                        f"line {seq} of case {number} is missing before it",
                    )
                )
                seq = event.seq
            elif event.prev_digest != prev:
                problems.append(
                    _case_problem(
                        number,
                        "cases_caseevent",
                        where,
                        "与前一条记录不相连（前一条被改动或删除）",
                        "does not follow the line before (altered or deleted)",
                    )
                )
            if case_event_digest(event, number) != event.digest:
                problems.append(
                    _case_problem(
                        number,
                        "cases_caseevent",
                        where,
                        "记录内容被改动（操作人、时间、动作、状态或说明）",
                        "line altered (actor, time, action, status or note)",
                    )
                )
            if sealed_at and event.seq == sealed_at[0]:
                sealed_found = event.digest == sealed_at[1]
            prev, last_status = event.digest, event.to_status
        seen.add(number)
        where = f"number={number} (id={case_id})"
        if seq == 0:
            problems.append(
                _case_problem(number, "cases_case", where, "办件没有任何记录", "case has no timeline lines")
            )
            continue
        if count != seq or head != prev:
            problems.append(
                _case_problem(
                    number,
                    "cases_case",
                    where,
                    f"记录链头与记录不符：应有 {count} 条，实有 {seq} 条（记录被删除或改动）",
                    f"chain head does not match: {count} lines expected, {seq} found (lines deleted or altered)",
                )
            )
        if last_status != status:
            problems.append(
                _case_problem(
                    number,
                    "cases_case",
                    where,
                    f"状态“{status}”没有对应的办件记录（最后一条为“{last_status}”）",
                    f"status {status!r} has no timeline line (the last line says {last_status!r})",
                )
            )
        if sealed_at and not sealed_found:
            problems.append(
                _case_problem(
                    number,
                    "cases_caseevent",
                    where,
                    f"已封存的第 {sealed_at[0]} 条记录被删除或改动",
                    f"sealed line {sealed_at[0]} deleted or altered",
                )
            )
    for number in sealed.keys() - seen:
        problems.append(
            _case_problem(
                number, "cases_case", f"number={number}", "已封存的办件被删除", "a sealed case was deleted"
            )
        )


def _security(problems: list[Problem], sealed: list[Any]) -> None:
    seq, prev = 0, ""
    sealed_found = not sealed
    for event in SecurityEvent.objects.order_by("seq").iterator(chunk_size=2000):
        where = f"id={event.pk}（第 {event.seq} 条）"
        seq += 1
        if event.seq != seq:
            problems.append(
                Problem(
                    "audit_securityevent", where, f"之前缺少第 {seq} 条", f"event {seq} is missing before it"
                )
            )
            seq = event.seq
        elif event.prev_digest != prev:
            problems.append(
                Problem("audit_securityevent", where, "与前一条不相连", "does not follow the event before")
            )
        if security_event_digest(event) != event.digest:
            problems.append(Problem("audit_securityevent", where, "安全事件被改动", "security event altered"))
        if sealed and event.seq == sealed[0]:
            sealed_found = event.digest == sealed[1]
        prev = event.digest
    head = AuditChainHead.objects.filter(name="security").first()
    if head is not None and (head.count != seq or head.digest != prev):
        problems.append(
            Problem(
                "audit_securityevent",
                f"seq={head.count}",
                f"链头记有 {head.count} 条，实有 {seq} 条（末尾被删除或改动）",
                f"the head counts {head.count} events, {seq} found (the last deleted or altered)",
            )
        )
    if not sealed_found:
        problems.append(
            Problem(
                "audit_securityevent",
                f"seq={sealed[0]}",
                "已封存的安全事件被删除或改动",
                "a sealed security event was deleted or altered",
            )
        )


def audit_verify(*, limit: int = 100) -> list[Problem]:
    """Every problem found (at most ``limit``), the ledger's first; empty when the trail is intact."""
    problems: list[Problem] = []
    sealed, security = _seals(problems)
    _cases(problems, sealed)
    _security(problems, security)
    return problems[:limit]
