"""一窗 yichuang: one platform for a county's service hall, town centers, village stations and bank outlets."""

from yichuang.celery import app as celery_app

__all__ = ["celery_app"]
