from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "yichuang.web"
    label = "web"
    verbose_name = "页面"

    def ready(self) -> None:
        from yichuang.web import (
            checks,  # noqa: F401  (registers the system check)
            citizen_session,  # noqa: F401  (a staff login drops a citizen's)
        )
