"""``yichuang sms_templates aliyun|tencent``: the texts to apply for at an SMS platform, and what is mapped.

For each of our templates: the text to submit for approval (our text without the 【签名】, which the
platform adds from the approved sign name; variables written the platform's way: ``${item}`` at
Alibaba Cloud, ``{1}`` at Tencent Cloud), then the platform template number it is mapped to, or
"未对照". A template applied for with this very text needs only its number in the mapping.
"""

from __future__ import annotations

import re
import string
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yichuang.notify.defaults import DEFAULT_TEMPLATES
from yichuang.notify.mapping import MappingError, TemplateNotMapped, placeholders_in, provider_template
from yichuang.notify.models import SmsProvider, SmsTemplate
from yichuang.notify.services import template_text

SIGN = re.compile(r"^\s*【[^】]*】")


def application_text(text: str, provider: str) -> str:
    """Our text as the platform wants it submitted."""
    names = placeholders_in(text)
    if provider == "tencent":
        mapping = {name: f"{{{position}}}" for position, name in enumerate(names, start=1)}
    else:
        mapping = {name: f"${{{name}}}" for name in names}
    return SIGN.sub("", string.Template(text).safe_substitute(mapping))


class Command(BaseCommand):
    help = "列出向短信平台申请模板时要提交的文字，以及每个模板对照的平台模板编号。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provider", choices=[choice for choice, _label in SmsProvider.choices])

    def handle(self, *args: Any, **options: Any) -> None:
        provider = options["provider"]
        names = dict(SmsTemplate.objects.values_list("code", "name"))
        codes = sorted(set(DEFAULT_TEMPLATES) | set(names))
        unmapped = 0
        for code in codes:
            name = names.get(code) or DEFAULT_TEMPLATES[code].name
            text = template_text(code)
            try:
                mapped = provider_template(provider=provider, template=code)
                notation = "{{{}}}" if provider == "tencent" else "${{{}}}"
                variables = "，".join(
                    f"{notation.format(variable)}←{placeholder}" for variable, placeholder in mapped.slots
                )
                status = f"已对照 {mapped.code}（{'管理后台' if mapped.source == 'admin' else '环境变量'}）：{variables or '无变量'}"
            except TemplateNotMapped:
                status, unmapped = "未对照", unmapped + 1
            except MappingError as exc:
                raise CommandError(f"{code}：{exc}") from exc
            self.stdout.write(f"{code}  {name}\n  申请文字：{application_text(text, provider)}\n  {status}\n")
        self.stdout.write(f"共 {len(codes)} 个模板，{unmapped} 个未对照。")
