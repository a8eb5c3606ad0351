"""``yichuang add_system NAME [--region CODE] [--scopes …]``: register another system and print its
OAuth2 client id and secret (the secret once: it is kept hashed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.integrations.services import system_register
from yichuang.org.models import Region


class Command(BaseCommand):
    help = "登记对接系统（OAuth2 客户端凭证），打印 client_id 和 client_secret（仅此一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--region", default="", help="可见区划代码；不填为全平台")
        parser.add_argument(
            "--scopes", default="cases:read", help="空格或逗号分隔，如 'cases:read events:subscribe'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"没有区划代码 {options['region']}")
        scopes = options["scopes"].replace(",", " ").split()
        try:
            client, client_id, secret = system_register(name=options["name"], region=region, scopes=scopes)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"系统 system: {client.name}\nclient_id: {client_id}\nclient_secret: {secret}\nscopes: {' '.join(scopes)}"
        )
