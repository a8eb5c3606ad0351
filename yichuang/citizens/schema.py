"""The citizens' token in the OpenAPI schema (imported by the app's ``ready``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class CitizenTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # drf-spectacular is untyped
    target_class = "yichuang.citizens.auth.CitizenTokenAuthentication"
    name = "citizenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "群众令牌（cz_ 开头）：POST /api/v1/citizen/login/ 取得，7天内有效，不能用于工作人员接口。",
        }


class CitizenSchema(AutoSchema):
    """A citizen endpoint takes the citizen's token only (not the project-wide staff bearer)."""

    def get_auth(self) -> list[dict[str, list[str]]]:
        return [{"citizenAuth": []}]
