"""Signatures of outbound events, in the shape of the Standard Webhooks specification
(https://www.standardwebhooks.com): ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` with the subscription's secret
(``whsec_<base64>``), so that receivers can use the specification's libraries; beside it
``webhook-signature-sm3`` carries the HMAC-SM3 of the same bytes (hex) for receivers held to the
national algorithms (GB/T 32905)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

PREFIX = "whsec_"


def secret_new() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signed_content(event_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{event_id}.{timestamp}.".encode() + body


def signature_headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    content = signed_content(event_id, timestamp, body)
    sha = base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()
    sm3 = crypto_hmac.HMAC(_key(secret), hashes.SM3())
    sm3.update(content)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{sha}",
        "webhook-signature-sm3": sm3.finalize().hex(),
    }


def signature_valid(*, secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver checks (used by the tests, and a model for receivers in Python)."""
    expected = signature_headers(
        secret=secret, event_id=headers["webhook-id"], timestamp=int(headers["webhook-timestamp"]), body=body
    )
    sent = {part for part in headers["webhook-signature"].split(" ") if part}
    return expected["webhook-signature"] in sent and hmac.compare_digest(
        expected["webhook-signature-sm3"], headers.get("webhook-signature-sm3", "")
    )
