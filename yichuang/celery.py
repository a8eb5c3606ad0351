"""Celery app: Redis carries background work when REDIS_URL is set; otherwise tasks run eagerly, and
``yichuang demo`` runs the beat schedule in its serving process (``yichuang.beat``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")

app = Celery("yichuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
