from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "yichuang.documents"
    label = "documents"
    verbose_name = _("文书与电子印章")

    def ready(self) -> None:
        from yichuang.documents import checks  # noqa: F401
