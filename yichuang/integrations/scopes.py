"""Which scopes a system may ask for: those it was registered with (``SystemClient.scopes``), not
every scope the platform knows (DOT's default would let any client take any scope)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import SettingsScopes


class SystemScopes(SettingsScopes):  # type: ignore[misc]  # DOT has no type hints
    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        system = getattr(application, "system", None) if application is not None else None
        if system is None:
            return []
        known = set(super().get_available_scopes(application, request))
        return [scope for scope in system.scopes.split() if scope in known]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)
