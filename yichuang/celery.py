"""Celery app: Redis carries background work when REDIS_URL is set; otherwise tasks run eagerly, and
``yichuang demo`` runs the beat schedule in its serving process (``yichuang.beat``)."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")

app = Celery("yichuang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_to_work_unprepared(**kwargs: Any) -> None:
    """A worker signs documents and sends SMS: like an app server (wsgi.py) it must not start in
    production without the seal key, with demo accounts, or without the broker's transport."""
    from django.core.exceptions import ImproperlyConfigured

    from yichuang.common.enqueue import refuse_without_broker_transport
    from yichuang.documents.checks import refuse_without_seal_master_key
    from yichuang.org.checks import refuse_demo_accounts_in_production
    from yichuang.pii.checks import refuse_without_pii_keys

    try:
        refuse_demo_accounts_in_production()
        refuse_without_seal_master_key()
        refuse_without_pii_keys()
        refuse_without_broker_transport()
    except ImproperlyConfigured as exc:
        # Celery logs and ignores an exception of a signal's receiver; leaving stops the worker.
        raise SystemExit(f"yichuang worker refused to start: {exc}") from exc
