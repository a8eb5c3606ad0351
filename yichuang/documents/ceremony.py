"""The seal ceremony (印章制发): a unit's seal made on the server, its fingerprint read aloud, and the
master key that encrypts every seal's private key changed without losing one.

- ``seal_issue`` makes a seal for a department (行政审批专用章, 带编号的业务专用章, 部门印章) or a
  service point (出件专用章) with the texts the county's seals carry, as the demo's seals do
  (``documents.demo``); every text can be given instead.
- ``fingerprint`` is the SM3 digest of the public key in groups of four hexadecimal digits: the
  people present read it aloud and write it in the minutes; the verify page shows its first four
  groups (``Seal.fingerprint``), so anyone can compare the seal that signed a document with the
  minutes.
- ``master_key_rotate`` decrypts every private key under the configured master key and encrypts it
  again under the new one, in one transaction, and refuses (changing nothing) when a single key does
  not decrypt. Only ``crypto``'s public functions are used: the new key is put in place for the
  re-encryption the way the settings provide it (``SEAL_MASTER_KEY``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from yichuang.common.memo import marker_bump
from yichuang.documents.crypto import (
    KeyDecryptionError,
    decrypt_private_key,
    encrypt_private_key,
    master_key,
    master_key_id,
    sm3_hex,
)
from yichuang.documents.models import Seal, SealKind
from yichuang.documents.services import seal_create
from yichuang.org.models import Department, DepartmentKind, Region, RegionLevel, ServicePoint

#: The suffix of a seal's code by kind, as the demo county's seals have it (411502100-SPZX-SPZ …).
CODE_SUFFIX = {
    SealKind.APPROVAL: "SPZ",
    SealKind.DELEGATED: "YWZ",
    SealKind.OUTPUT: "CJZ",
    SealKind.DEPARTMENT: "GZ",
}
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")


class CeremonyError(Exception):
    """Said to the person at the console, in Chinese."""


def fingerprint(public_key: str) -> str:
    """SM3 of the public key (x‖y), 64 hexadecimal digits in sixteen groups of four, to read aloud."""
    digest = sm3_hex(bytes.fromhex(public_key)).upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _government(town: Region) -> str:
    return f"{town.name}办事处" if town.name.endswith("街道") else f"{town.name}人民政府"


def _ancestors(region: Region) -> list[Region]:
    chain: list[Region] = []
    current: Region | None = region
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def _full(name: str, region: Region) -> str:
    """The name as it runs round the seal: with the city and county in front, as official seals have it
    (信阳市浉河区东双河镇人民政府); what the name already starts with is not repeated."""
    names = {r.level: r.name for r in _ancestors(region)}
    city, county = names.get(RegionLevel.CITY, ""), names.get(RegionLevel.COUNTY, "")
    if city and name.startswith(city):
        return name
    if county and name.startswith(county):
        return f"{city}{name}"
    return f"{city}{county}{name}"


def _approval_bureau(unit: Department) -> Department | None:
    """The county's 行政审批局 (it issues the numbered seals): the one in the unit's county."""
    county = unit.region.code[:6]
    bureaus = list(
        Department.objects.filter(kind=DepartmentKind.APPROVAL_BUREAU, region__code__startswith=county)
    )
    return bureaus[0] if len(bureaus) == 1 else None


def _next_number(issuer: Department) -> str:
    numbers = [
        int(n)
        for n in Seal.objects.filter(kind=SealKind.DELEGATED, issuer=issuer).values_list("number", flat=True)
        if str(n).isdigit()
    ]
    return f"{max(numbers, default=0) + 1:03d}"


@dataclass(frozen=True)
class SealTexts:
    code: str
    name: str
    holder_name: str
    caption: str
    number: str


def seal_issue(
    *,
    kind: str,
    unit: str,
    number: str = "",
    issuer: str = "",
    code: str = "",
    name: str = "",
    holder_name: str = "",
    caption: str | None = None,
    valid_from: dt.datetime | None = None,
) -> Seal:
    """Make the seal of ``unit`` (a department code, or a point code for an output seal) with a fresh
    SM2 key pair (``seal_create``); texts not given follow the county's pattern."""
    if kind not in SealKind.values:
        raise CeremonyError(
            _("印章类型“%(kind)s”无效，可选：%(kinds)s") % {"kind": kind, "kinds": "、".join(SealKind.values)}
        )
    department = point = bureau = None
    if kind == SealKind.OUTPUT:
        point = ServicePoint.objects.select_related("region").filter(code=unit).first()
        if point is None:
            raise CeremonyError(
                _("服务点“%(code)s”不存在（出件章的 --unit 填服务点编码）。") % {"code": unit}
            )
        region, unit_name = point.region, point.name
    else:
        department = Department.objects.select_related("region").filter(code=unit).first()
        if department is None:
            raise CeremonyError(
                _("部门“%(code)s”不存在（--unit 填部门编码；出件章填服务点编码）。") % {"code": unit}
            )
        region, unit_name = department.region, department.name
    if kind == SealKind.DELEGATED:
        assert department is not None
        bureau = Department.objects.filter(code=issuer).first() if issuer else _approval_bureau(department)
        if bureau is None:
            raise CeremonyError(
                _("找不到制发该业务专用章的行政审批局：请用 --issuer 填写其部门编码。")
                if not issuer
                else _("制发单位“%(code)s”不存在。") % {"code": issuer}
            )
    texts = _texts(kind, unit, unit_name, region, bureau, number)
    code = code or texts.code
    if Seal.objects.filter(code=code).exists():
        raise CeremonyError(
            _(
                "印章编码“%(code)s”已存在。一枚印章的密钥不能重做：请先停用旧印章（seal revoke），再用 --code 给新印章另起编码。"
            )
            % {"code": code}
        )
    return seal_create(
        code=code,
        kind=kind,
        name=name or texts.name,
        holder_name=holder_name or texts.holder_name,
        caption=texts.caption if caption is None else caption,
        number=texts.number,
        department=department,
        issuer=bureau,
        point=point,
        valid_from=valid_from,
    )


def _texts(
    kind: str, unit: str, unit_name: str, region: Region, bureau: Department | None, number: str
) -> SealTexts:
    code = f"{unit}-{CODE_SUFFIX[SealKind(kind)]}"
    if kind == SealKind.APPROVAL:
        owner = _government(region) if region.level == RegionLevel.TOWN else unit_name
        return SealTexts(code, f"{owner}行政审批专用章", _full(owner, region), "行政审批专用章", number)
    if kind == SealKind.DELEGATED:
        assert bureau is not None
        return SealTexts(
            code,
            f"{bureau.name}行政审批业务专用章（{region.name}）",
            _full(bureau.name, bureau.region),
            "行政审批业务专用章",
            number or _next_number(bureau),
        )
    if kind == SealKind.OUTPUT:
        return SealTexts(code, f"{unit_name}出件专用章", _full(unit_name, region), "出件专用章", number)
    plain = unit_name.split("（")[0]
    return SealTexts(code, plain, _full(plain, region), "", number)


# —— the master key ——


@dataclass(frozen=True)
class Rotation:
    seals: int
    old_key_id: str
    new_key_id: str


def master_key_rotate(*, new_key: str) -> Rotation:
    """Encrypt every seal's private key again under ``new_key`` (32 hexadecimal digits), all or none.

    Every key is decrypted under the configured master key first; if one does not decrypt (it was
    encrypted under another key, or the row was damaged), nothing changes and the seals are named.
    The seal table is locked against writes meanwhile (a seal made at that moment would be encrypted
    under the old key); signing, which only reads it, goes on. Processes still configured with the
    old key cannot sign afterwards: they must be restarted with the new one (docs/onboarding.md)."""
    new_key = new_key.strip()
    if not _HEX32.match(new_key):
        raise CeremonyError(_("新主密钥应为32位十六进制数字（16字节 SM4 密钥）。"))
    old = master_key()
    new_bytes = bytes.fromhex(new_key)
    if new_bytes == old:
        raise CeremonyError(_("新主密钥与当前主密钥相同，无需轮换。"))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Seal._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        seals = list(Seal.objects.select_for_update().order_by("code"))
        plain: dict[int, str] = {}
        failed: list[str] = []
        for seal in seals:
            try:
                plain[seal.pk] = decrypt_private_key(seal.private_key, public_key=seal.public_key)
            except KeyDecryptionError as exc:
                failed.append(f"{seal.code}（{exc}）")
        if failed:
            raise CeremonyError(
                _("当前主密钥解不开 %(n)s 枚印章的私钥，未做任何改动：%(seals)s")
                % {"n": len(failed), "seals": "；".join(failed)}
            )
        with override_settings(SEAL_MASTER_KEY=new_key):
            for seal in seals:
                seal.private_key = encrypt_private_key(plain[seal.pk])
                if decrypt_private_key(seal.private_key, public_key=seal.public_key) != plain[seal.pk]:
                    raise CeremonyError(
                        _("印章“%(code)s”重新加密后校验失败，未做任何改动。") % {"code": seal.code}
                    )
        Seal.objects.bulk_update(seals, ["private_key"], batch_size=200)
        # bulk_update sends no save signal: the workers' memos of seals (common.memo) must still forget
        # the keys encrypted under the old master key.
        marker_bump("reference")
    return Rotation(seals=len(seals), old_key_id=master_key_id(old), new_key_id=master_key_id(new_bytes))
