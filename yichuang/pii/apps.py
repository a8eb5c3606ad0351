from django.apps import AppConfig


class PiiConfig(AppConfig):
    name = "yichuang.pii"
    label = "pii"
    verbose_name = "个人信息加密"

    def ready(self) -> None:
        from yichuang.pii import checks  # noqa: F401  (registers the deployment check)
