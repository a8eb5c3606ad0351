"""Real-name binding (实名认证) through an identity service.

``settings.CITIZEN_IDENTITY_BACKEND`` names the class (dotted path). The default,
``CheckDigitIdentityService``, is the demo's: it checks the number's GB 11643 check digit and that the
name is a plausible Chinese name; it cannot know whether the two belong together. A deployment puts
the province's service behind the same interface (the public security's 身份核验, or the province's
single sign-on via OIDC, whose verified claims would bind the citizen the same way: a later step).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from yichuang.common.errors import Invalid
from yichuang.common.identity import validate_resident_id

#: 2 to 20 Chinese characters, with the middle dot of names such as 买买提·艾力.
CHINESE_NAME = re.compile(r"^[\u3400-\u9fff]+(?:[·•][\u3400-\u9fff]+)*$")


@dataclass(frozen=True)
class VerifiedIdentity:
    name: str
    id_number: str


class IdentityService(ABC):
    #: what the citizen's record says verified him
    name = ""
    #: True when the identity is proved by signing in elsewhere (OIDC), not by typing name and number
    redirects = False

    @abstractmethod
    def verify(self, *, name: str, id_number: str) -> VerifiedIdentity:
        """The identity as the service confirms it, or ``Invalid`` with a Chinese message."""


class CheckDigitIdentityService(IdentityService):
    """Demo and default: the check digit and the form of the name, nothing more."""

    name = "check_digit"

    def verify(self, *, name: str, id_number: str) -> VerifiedIdentity:
        errors: dict[str, list[str]] = {}
        clean_name = (name or "").strip()
        if not (2 <= len(clean_name) <= 20 and CHINESE_NAME.match(clean_name)):
            errors["name"] = [_("请填写身份证上的中文姓名。")]
        number = id_number
        try:
            number = validate_resident_id(id_number or "")
        except DjangoValidationError as exc:
            errors["id_number"] = list(exc.messages)
        if errors:
            raise Invalid(_("实名认证未通过，请核对姓名和身份证号码。"), fields=errors)
        return VerifiedIdentity(name=clean_name, id_number=number)


def identity_service() -> IdentityService:
    path = getattr(settings, "CITIZEN_IDENTITY_BACKEND", "") or (
        "yichuang.citizens.identity.CheckDigitIdentityService"
    )
    service: IdentityService = import_string(path)()
    return service
