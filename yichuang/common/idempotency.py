"""``Idempotency-Key``: a retried request gets the first answer again, never a second case.

A key names one request: a retry sends the same body again. The same key with a different body is
a client bug (a counter reset, a key reused for the next applicant) and answering it with the first
request's result would hand back someone else's case as if the new one had been made; it is refused
with 422 ``idempotency_key_reused`` instead (decision in docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from yichuang.common.errors import Unprocessable
from yichuang.common.models import IdempotencyRecord
from yichuang.org.models import Staff

MAX_KEY_LENGTH = 200


class KeyReused(Unprocessable):
    default_code = "idempotency_key_reused"


def body_fingerprint(request: Request) -> str:
    """SHA-256 of the parsed body in canonical JSON (keys sorted, no spaces): a retry whose client
    orders keys or spaces differently is still the same request. A form body counts by its lists of
    values; an uploaded file by its name and size."""
    data: Any = request.data
    if isinstance(data, QueryDict):
        data = {key: data.getlist(key) for key in data}
    canonical = json.dumps(
        data,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=lambda value: [getattr(value, "name", str(value)), getattr(value, "size", None)],
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def run_idempotent(
    request: Request, scope: str, handler: Callable[[], Response], *, actor: Staff | None = None
) -> Response:
    """Run ``handler`` once per (user, scope, key); ``actor`` stands for a caller who is no staff (a
    citizen: his own id is then in ``scope``). The record is written in the handler's own
    transaction: a request that fails leaves no record, so its retry runs again; a concurrent twin
    waits on the unique index and then answers what the first one answered (or 422 when its body
    differs); a later retry finds the record the same way."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({"Idempotency-Key": [_("幂等键不能超过200个字符。")]})
    user = actor or request.user
    if not isinstance(user, Staff):
        return handler()
    fingerprint = body_fingerprint(request)  # parses the body: an unreadable one is a 400 here
    # No look-up first: the insert finds an earlier record through the unique index (a retry is the
    # rare case; the first request should not pay a query for it).
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    actor=user, scope=scope, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            done = IdempotencyRecord.objects.get(actor=user, scope=scope, key=key)
            # A record written before fingerprints were kept has none: it replays as it always did.
            if done.fingerprint and done.fingerprint != fingerprint:
                raise KeyReused(
                    _(
                        "该 Idempotency-Key 已用于另一份不同的申请：重试请原样重发同一请求，"
                        "新的申请请换一个新的 Idempotency-Key。"
                    ),
                ) from None
            return Response(done.response, status=done.status_code, headers={"Idempotent-Replayed": "true"})
        response = handler()
        record.status_code = response.status_code
        record.response = response.data
        record.save(update_fields=["status_code", "response"])
        return response
