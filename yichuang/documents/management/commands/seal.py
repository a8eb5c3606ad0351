"""``yichuang seal create|list|revoke``: the seal ceremony at the console (docs/onboarding.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yichuang.documents.ceremony import CeremonyError, fingerprint, seal_issue
from yichuang.documents.models import Seal, SealKind
from yichuang.documents.services import seal_revoke


class Command(BaseCommand):
    help = "电子印章制发：create 为单位制作印章并显示公钥指纹，list 列出印章及其指纹，revoke 停用印章。"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = actions.add_parser("create", help="制作一枚印章（新的 SM2 密钥对，私钥加密保存）")
        create.add_argument("--unit", required=True, help="用印单位的部门编码；出件章填服务点编码")
        create.add_argument("--kind", required=True, choices=SealKind.values, help="印章类型")
        create.add_argument("--number", default="", help="业务专用章编号，如 006（不填则顺延）")
        create.add_argument("--issuer", default="", help="业务专用章的制发单位（行政审批局）部门编码")
        create.add_argument("--code", default="", help="印章编码（默认：单位编码-SPZ/YWZ/CJZ/GZ）")
        create.add_argument("--name", default="", help="印章名称")
        create.add_argument("--holder-name", default="", help="印章环文（单位全称）")
        create.add_argument("--caption", default=None, help="横排文字")
        create.add_argument("--valid-from", default="", help="启用日期 YYYY-MM-DD（默认：现在）")
        listing = actions.add_parser("list", help="列出印章及其公钥指纹")
        listing.add_argument("--unit", default="", help="只列出该部门或服务点的印章")
        revoke = actions.add_parser("revoke", help="停用印章：此后签章的文书验证不通过，之前的仍然有效")
        revoke.add_argument("code", help="印章编码")
        revoke.add_argument("--reason", required=True, help="停用原因")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except CeremonyError as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        valid_from = None
        if options["valid_from"]:
            try:
                day = dt.date.fromisoformat(options["valid_from"])
            except ValueError as exc:
                raise CommandError("--valid-from 应为日期，如 2027-01-01。") from exc
            valid_from = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        seal = seal_issue(
            kind=options["kind"],
            unit=options["unit"],
            number=options["number"],
            issuer=options["issuer"],
            code=options["code"],
            name=options["name"],
            holder_name=options["holder_name"],
            caption=options["caption"],
            valid_from=valid_from,
        )
        self.stdout.write(self.style.SUCCESS(f"已制作印章 {seal.code}。"))
        self._describe(seal)
        self.stdout.write(
            "请在场人员逐组朗读上面的公钥指纹并记入制发记录；文书验证页显示的“公钥指纹”是它的前四组。"
            "私钥只以主密钥加密的形式保存在数据库中。"
        )

    def _list(self, options: dict[str, Any]) -> None:
        seals = Seal.objects.select_related("department", "point", "issuer").order_by("code")
        if options["unit"]:
            seals = seals.filter(department__code=options["unit"]) | seals.filter(point__code=options["unit"])
        count = 0
        for seal in seals:
            self._describe(seal)
            count += 1
        self.stdout.write(f"共 {count} 枚印章。")

    def _revoke(self, options: dict[str, Any]) -> None:
        seal = Seal.objects.filter(code=options["code"]).first()
        if seal is None:
            raise CommandError(f"印章“{options['code']}”不存在。")
        seal = seal_revoke(seal=seal, reason=options["reason"])
        self.stdout.write(
            self.style.SUCCESS(
                f"印章 {seal.code} 已于 {timezone.localtime(seal.revoked_at):%Y-%m-%d %H:%M} 停用。"
            )
        )

    def _describe(self, seal: Seal) -> None:
        unit = seal.point or seal.department
        state = "停用" if seal.revoked_at else "在用"
        groups = fingerprint(seal.public_key).split()
        self.stdout.write(f"{seal.code}  {seal.name}{seal.number_text}  [{seal.get_kind_display()}，{state}]")
        self.stdout.write(
            f"  用印单位：{unit}；环文：{seal.holder_name}；启用：{timezone.localtime(seal.valid_from):%Y-%m-%d}"
        )
        self.stdout.write(f"  公钥指纹 SM3：{' '.join(groups[:8])}")
        self.stdout.write(f"                {' '.join(groups[8:])}")
