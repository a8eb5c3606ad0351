from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "yichuang.org"
    label = "org"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from yichuang.org import checks  # noqa: F401
