from django.apps import AppConfig


class LicensesConfig(AppConfig):
    name = "yichuang.licenses"
    label = "licenses"
    verbose_name = "电子证照"

    def ready(self) -> None:
        from yichuang.common.memo import watch
        from yichuang.licenses.models import CertificateField, CertificateLayout

        # Layouts are read at each approval of a certificate: kept per process with the catalog.
        watch("reference", [CertificateLayout, CertificateField])
