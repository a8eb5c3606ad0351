"""Where an SMS goes. ``settings.SMS_BACKEND`` names the class (dotted path, or one of the short names
in ``ALIASES``); the default keeps it in the outbox, which is what a platform without a contracted
gateway (the demo, development) wants. ``aliyun`` and ``tencent`` are the real gateways
(``yichuang.notify.gateways``, docs/sms.md).

A gateway adapter subclasses ``SmsBackend``: ``send`` returns the gateway's message id and raises
``SmsDeliveryError`` on a failure, saying whether trying again later may help (the caller records it
and retries or gives up). Nothing here may log a full number.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from yichuang.common.identity import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "yichuang.notify.backends.OutboxBackend"
#: Short names ``SMS_BACKEND`` accepts beside a dotted path.
ALIASES: dict[str, str] = {
    "outbox": DEFAULT_BACKEND,
    "console": "yichuang.notify.backends.ConsoleBackend",
    "aliyun": "yichuang.notify.gateways.aliyun.AliyunBackend",
    "tencent": "yichuang.notify.gateways.tencent.TencentBackend",
}


class SmsDeliveryError(Exception):
    """The gateway did not take the message.

    ``code`` is the gateway's error code (or one of ours: ``NETWORK``, ``TEMPLATE_NOT_MAPPED``,
    ``CONFIGURATION``); ``retryable`` is False when sending the same message again cannot succeed
    until someone changes something (a template the platform does not know, a refused number):
    such a message fails at once instead of using up its attempts.
    """

    def __init__(self, message: str, *, code: str = "", retryable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class Sms:
    """One message as a gateway needs it: the text we rendered, and the template code and placeholder
    values a platform fills its approved template with. ``reference`` is our id for it (the outbox
    row), which a platform that takes one returns in its delivery receipt."""

    to: str
    body: str
    template: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    reference: str = ""


class SmsBackend(ABC):
    #: Stored on the message (``SmsMessage.backend``): a delivery receipt is matched within its gateway.
    name = ""

    @abstractmethod
    def send(self, sms: Sms) -> str:
        """Hand the message to the gateway; return its id for the message, raise if it was not taken."""


class OutboxBackend(SmsBackend):
    """Sends nothing: the message stays in the outbox, marked sent, for the admin to read."""

    name = "outbox"

    def send(self, sms: Sms) -> str:
        provider_id = f"outbox-{uuid.uuid4().hex}"
        logger.info(
            "SMS kept in the outbox for %s (%d characters), id %s",
            mask_phone(sms.to),
            len(sms.body),
            provider_id,
        )
        return provider_id


class ConsoleBackend(SmsBackend):
    """Prints the message for a developer watching the terminal; the number is masked there too."""

    name = "console"

    def send(self, sms: Sms) -> str:
        provider_id = f"console-{uuid.uuid4().hex}"
        print(f"[SMS → {mask_phone(sms.to)}] {sms.body}")
        return provider_id


class FailingBackend(SmsBackend):
    """A gateway that is always down: for tests and for trying the retry machinery by hand."""

    name = "failing"

    def send(self, sms: Sms) -> str:
        raise SmsDeliveryError("短信网关不可用（FailingBackend）", code="UNAVAILABLE")


def backend_path() -> str:
    path = (getattr(settings, "SMS_BACKEND", "") or DEFAULT_BACKEND).strip()
    return ALIASES.get(path, path)


def get_backend() -> SmsBackend:
    path = backend_path()
    backend_class = import_string(path)
    backend = backend_class()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"SMS_BACKEND {path!r} is not an SmsBackend")
    return backend
