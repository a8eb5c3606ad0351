"""``yichuang verify_audit``: check the tamper-evident audit trail (contract.md); exit 0 when intact, 1
naming the first altered or missing record."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yichuang.audit.services import seal_extend
from yichuang.audit.verify import audit_verify


class Command(BaseCommand):
    help = "校验防篡改审计记录（办件记录、安全事件）：完好时退出码为 0，否则指出第一条被改动或缺失的记录。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="不先封存新记录（只读校验） / do not seal new records first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_seal"]:
            seal_extend()
        problems = audit_verify()
        if problems:
            for problem in problems[1:]:
                self.stderr.write(str(problem))
            raise CommandError(f"审计记录被改动或缺失 / audit trail broken: {problems[0]}")
        self.stdout.write("审计记录完好 / audit trail intact")
