"""The province's licence library (省电子证照库) as a second register for 免证办: an applicant's
licence of a type this platform never issued (a business licence from the market regulator, a
driving licence) still satisfies the material that accepts it.

``LICENSE_LIBRARY_URL`` names the library's lookup endpoint; without it nothing is asked. A lookup
is ``POST`` JSON ``{"holder_id_number", "types": [...]}`` (the number in the body, never in a URL)
with ``Authorization: Bearer <LICENSE_LIBRARY_TOKEN>``, answered ``{"licenses": [{"number", "type",
"holder_kind", "holder_name", "issuer", "issued_at", "valid_from", "valid_until", "status"}]}``. What
it returns is kept in the local register as a mirror (``ExternalLicense`` says where it came from),
so a case refers to it like any licence, and a later lookup of the same person and types within
``LICENSE_LIBRARY_CACHE_SECONDS`` asks nothing. A library that does not answer in
``LICENSE_LIBRARY_TIMEOUT_SECONDS`` costs the intake that long once, is logged, and the material is
asked for as a paper instead.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from yichuang.catalog.models import LicenseType
from yichuang.integrations.models import ExternalLicense
from yichuang.licenses.models import License, LicenseStatus
from yichuang.pii.cipher import blind_index

logger = logging.getLogger(__name__)


def _ask(holder_id_number: str, types: list[str]) -> list[dict[str, Any]]:
    token = settings.LICENSE_LIBRARY_TOKEN
    request = urllib.request.Request(
        settings.LICENSE_LIBRARY_URL,
        data=json.dumps({"holder_id_number": holder_id_number, "types": types}).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    timeout = float(settings.LICENSE_LIBRARY_TIMEOUT_SECONDS)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read().decode("utf-8"))
    rows = answer.get("licenses") if isinstance(answer, dict) else None
    if not isinstance(rows, list):
        raise ValueError("the licence library's answer has no list 'licenses'")
    return [row for row in rows if isinstance(row, dict)]


def _mirror(row: dict[str, Any], license_type: LicenseType, holder_id_number: str) -> License | None:
    issued = parse_datetime(str(row.get("issued_at") or "")) or None
    valid_from = parse_date(str(row.get("valid_from") or "")) or (issued.date() if issued else None)
    number = str(row.get("number") or "").strip()
    if not number or valid_from is None:
        return None
    until = parse_date(str(row.get("valid_until") or "")) if row.get("valid_until") else None
    status = LicenseStatus.VALID if str(row.get("status") or "valid") == "valid" else LicenseStatus.REVOKED
    license, _created = License.objects.update_or_create(
        number=number,
        defaults={
            "license_type": license_type,
            "holder_kind": str(row.get("holder_kind") or "person")[:20],
            "holder_name": str(row.get("holder_name") or "")[:100],
            "holder_id_number": holder_id_number,
            "issuer": str(row.get("issuer") or "")[:100],
            "issued_at": issued or timezone.make_aware(dt.datetime.combine(valid_from, dt.time())),
            "valid_from": valid_from,
            "valid_until": until,
            "status": status,
        },
    )
    ExternalLicense.objects.update_or_create(license=license, defaults={"source": "province"})
    return license


def province_licenses(holder_id_number: str, type_codes: set[str], on: dt.date) -> dict[str, License]:
    """The licences source for ``licenses_in_force``: what the province holds of these types."""
    if not settings.LICENSE_LIBRARY_URL or not type_codes:
        return {}
    key = "license-library:" + blind_index(holder_id_number, context="integrations.license_library") + ":"
    key += ",".join(sorted(type_codes))
    if cache.get(key):
        return {}  # asked a moment ago, nothing in force then; the mirror holds what was found
    try:
        rows = _ask(holder_id_number, sorted(type_codes))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        logger.warning(
            "省电子证照库无应答，按需提交材料（%s）。The licence library did not answer: %s",
            type(exc).__name__,
            exc,
        )
        return {}
    types = {t.code: t for t in LicenseType.objects.filter(code__in=type_codes)}
    found: dict[str, License] = {}
    for row in rows:
        license_type = types.get(str(row.get("type") or ""))
        if license_type is None:
            continue
        license = _mirror(row, license_type, holder_id_number)
        if license is not None and license.in_force(on):
            found.setdefault(license_type.code, license)
    cache.set(key, True, timeout=int(settings.LICENSE_LIBRARY_CACHE_SECONDS))
    return found
