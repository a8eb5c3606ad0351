"""寄递: the carrier that posts a result to the applicant (免费邮寄), behind one interface.

``settings.CARRIER_BACKEND`` picks it: ``console`` (the default and the demo's: numbers made here,
the parcel printed on the server's console with the address and phone masked, no tracks), ``ems``
(an EMS-style open platform over HTTPS: create a waybill, query its tracks) or the dotted path of a
``Carrier`` class.

The HTTP backend speaks JSON. Each request is ``{"app_key", "timestamp", "nonce", "data"}`` with
the header ``X-Signature``: the hex HMAC-SHA256 of the exact body under the app secret; the answer
``{"code": "0", "message", "data"}`` must carry the same signature of its own body, so that a
forged or garbled answer is refused rather than stored as a waybill. Settings: ``CARRIER_EMS_URL``,
``CARRIER_EMS_APP_KEY``, ``CARRIER_EMS_SECRET`` (or ``_FILE``), ``CARRIER_TIMEOUT`` seconds."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from yichuang.common.identity import mask_address, mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parcel:
    reference: str  # the case number: the carrier's order number
    recipient_name: str
    recipient_phone: str
    address: str
    sender_name: str
    sender_phone: str
    sender_address: str
    contents: str


@dataclass(frozen=True)
class TrackEvent:
    at: str  # ISO 8601, as the carrier gave it
    description: str
    place: str = ""


class CarrierError(Exception):
    """The carrier refused the request or did not answer; the message is Chinese, for the clerk."""


class Carrier(ABC):
    name = ""
    label = ""

    @abstractmethod
    def create_waybill(self, parcel: Parcel) -> str:
        """The new waybill's number."""

    @abstractmethod
    def track(self, number: str) -> list[TrackEvent]:
        """The waybill's events, oldest first."""


class ConsoleCarrier(Carrier):
    """The demo's: the number is made here and the parcel printed (masked), nothing is posted."""

    name = "console"
    label = "演示寄递（控制台）"

    def create_waybill(self, parcel: Parcel) -> str:
        number = f"YC{secrets.randbelow(10**11):011d}CN"
        print(
            f"[寄递] 运单 {number} 办件 {parcel.reference} 收件人 {parcel.recipient_name[:1]}** "
            f"{mask_phone(parcel.recipient_phone)} {mask_address(parcel.address)}",
            flush=True,
        )
        return number

    def track(self, number: str) -> list[TrackEvent]:
        return []


def _sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class EmsHttpCarrier(Carrier):
    """An EMS-style open platform: ``POST {url}/waybills`` and ``POST {url}/tracks``."""

    name = "ems"
    label = "中国邮政EMS"

    def __init__(self) -> None:
        self.url = str(getattr(settings, "CARRIER_EMS_URL", "") or "").rstrip("/")
        self.app_key = str(getattr(settings, "CARRIER_EMS_APP_KEY", "") or "")
        self.secret = str(getattr(settings, "CARRIER_EMS_SECRET", "") or "")
        self.timeout = int(getattr(settings, "CARRIER_TIMEOUT", 10))
        if not (self.url and self.app_key and self.secret):
            raise CarrierError(
                _("寄递服务未配置（CARRIER_EMS_URL、CARRIER_EMS_APP_KEY、CARRIER_EMS_SECRET）。")
            )

    def _call(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(
            {
                "app_key": self.app_key,
                "timestamp": str(int(time.time())),
                "nonce": secrets.token_hex(8),
                "data": data,
            },
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-App-Key": self.app_key,
                "X-Signature": _sign(self.secret, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                signature = response.headers.get("X-Signature", "")
        except urllib.error.HTTPError as exc:
            log.warning("carrier %s answered HTTP %s", path, exc.code)
            raise CarrierError(_("寄递服务拒绝了请求（HTTP %(status)s）。") % {"status": exc.code}) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            log.warning("carrier %s unreachable: %s", path, exc)
            raise CarrierError(_("寄递服务暂时无法连接，请稍后重试。")) from exc
        if not hmac.compare_digest(signature, _sign(self.secret, raw)):
            log.warning("carrier %s answered with a bad signature", path)
            raise CarrierError(_("寄递服务的应答签名不符，已拒收。"))
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise CarrierError(_("寄递服务的应答无法识别。")) from exc
        if str(answer.get("code")) != "0":
            raise CarrierError(
                _("寄递服务未受理：%(message)s")
                % {"message": str(answer.get("message") or answer.get("code"))}
            )
        data_out: dict[str, Any] = answer.get("data") or {}
        return data_out

    def create_waybill(self, parcel: Parcel) -> str:
        data = self._call(
            "/waybills",
            {
                "order_no": parcel.reference,
                "receiver": {
                    "name": parcel.recipient_name,
                    "phone": parcel.recipient_phone,
                    "address": parcel.address,
                },
                "sender": {
                    "name": parcel.sender_name,
                    "phone": parcel.sender_phone,
                    "address": parcel.sender_address,
                },
                "cargo": parcel.contents,
            },
        )
        number = str(data.get("waybill_no") or "").strip()
        if not number:
            raise CarrierError(_("寄递服务未返回运单号。"))
        return number

    def track(self, number: str) -> list[TrackEvent]:
        data = self._call("/tracks", {"waybill_no": number})
        return [
            TrackEvent(
                at=str(entry.get("time") or ""),
                description=str(entry.get("desc") or ""),
                place=str(entry.get("city") or ""),
            )
            for entry in data.get("traces") or []
            if isinstance(entry, dict)
        ]


BACKENDS = {
    "console": "yichuang.delivery.carriers.ConsoleCarrier",
    "ems": "yichuang.delivery.carriers.EmsHttpCarrier",
}


def carrier() -> Carrier:
    path = str(getattr(settings, "CARRIER_BACKEND", "") or "console")
    made: Carrier = import_string(BACKENDS.get(path, path))()
    return made
