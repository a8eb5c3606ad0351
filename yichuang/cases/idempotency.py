"""``Idempotency-Key``: a retried request gets the first answer again, never a second case."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from yichuang.cases.models import IdempotencyRecord
from yichuang.org.models import Staff

MAX_KEY_LENGTH = 200


def run_idempotent(request: Request, scope: str, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, scope, key). The record is written in the handler's own
    transaction: a request that fails leaves no record, so its retry runs again; a concurrent twin
    waits on the unique index and then answers what the first one answered; a later retry finds the
    record the same way."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({"Idempotency-Key": [_("幂等键不能超过200个字符。")]})
    user = request.user
    if not isinstance(user, Staff):
        return handler()
    # No look-up first: the insert finds an earlier record through the unique index (a retry is the
    # rare case; the first request should not pay a query for it).
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(actor=user, scope=scope, key=key)
        except IntegrityError:
            done = IdempotencyRecord.objects.get(actor=user, scope=scope, key=key)
            return Response(done.response, status=done.status_code, headers={"Idempotent-Replayed": "true"})
        response = handler()
        record.status_code = response.status_code
        record.response = response.data
        record.save(update_fields=["status_code", "response"])
        return response
