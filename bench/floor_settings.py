"""The framework's floor (benchmarks only): the product's settings — same database, connection
reuse, installed apps, logging, DEBUG off — with no middleware and DRF in its plainest form, serving
``floor_urls`` alone. Never part of the product: only ``bench/lifecycle_bench.py`` starts gunicorn
with ``DJANGO_SETTINGS_MODULE=floor_settings`` (bench/ on the Python path)."""

from yichuang.settings import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
MIDDLEWARE: list[str] = []
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["floor_auth.BearerToken"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
