"""Where an SMS goes. ``settings.SMS_BACKEND`` names the class (dotted path); the default keeps it in
the outbox, which is what a platform without a contracted gateway (the demo, development) wants.

A real gateway adapter subclasses ``SmsBackend``: ``send`` returns the gateway's message id and
raises on any failure (the caller records it and retries). Nothing here may log a full number.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

from yichuang.common.identity import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "yichuang.notify.backends.OutboxBackend"


class SmsDeliveryError(Exception):
    """The gateway did not take the message."""


class SmsBackend(ABC):
    @abstractmethod
    def send(self, *, to: str, body: str) -> str:
        """Hand the message to the gateway; return its id for the message, raise if it was not taken."""


class OutboxBackend(SmsBackend):
    """Sends nothing: the message stays in the outbox, marked sent, for the admin to read."""

    def send(self, *, to: str, body: str) -> str:
        provider_id = f"outbox-{uuid.uuid4().hex}"
        logger.info(
            "SMS kept in the outbox for %s (%d characters), id %s", mask_phone(to), len(body), provider_id
        )
        return provider_id


class ConsoleBackend(SmsBackend):
    """Prints the message for a developer watching the terminal; the number is masked there too."""

    def send(self, *, to: str, body: str) -> str:
        provider_id = f"console-{uuid.uuid4().hex}"
        print(f"[SMS → {mask_phone(to)}] {body}")
        return provider_id


class FailingBackend(SmsBackend):
    """A gateway that is always down: for tests and for trying the retry machinery by hand."""

    def send(self, *, to: str, body: str) -> str:
        raise SmsDeliveryError("短信网关不可用（FailingBackend）")


def get_backend() -> SmsBackend:
    path = getattr(settings, "SMS_BACKEND", "") or DEFAULT_BACKEND
    backend_class = import_string(path)
    backend = backend_class()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"SMS_BACKEND {path!r} is not an SmsBackend")
    return backend
