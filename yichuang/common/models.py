"""Rows the apps share: the first answers to requests with an ``Idempotency-Key``, and the change
markers of the per-process memos (``common.memo``)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from yichuang.pii.fields import SealedJSONField


class IdempotencyRecord(models.Model):
    """The first answer to a request with an ``Idempotency-Key``, returned again on a retry."""

    key = models.CharField(max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=200)
    #: SHA-256 of the request body in canonical JSON: the same key with another body is refused
    #: (422), not answered with the first request's result. Empty for records older than the check.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(default=0)
    #: the answer replayed, sealed whole (it holds the applicant's ID number and phone; decision 106)
    response: Any = SealedJSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        # Written by cases before it was shared; the table keeps its name.
        db_table = "cases_idempotencyrecord"
        constraints = [
            models.UniqueConstraint(fields=["actor", "scope", "key"], name="idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class ChangeMarker(models.Model):
    """A version that moves when rows behind a per-process memo change (``common.memo``)."""

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
