from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Setting up a county: the organization workbook (import_org, export_org). No models of its own."""

    name = "yichuang.onboarding"
    label = "onboarding"
    verbose_name = "上线初始化"
