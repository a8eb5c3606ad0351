"""Row locks shared by the apps."""

from __future__ import annotations

from typing import TypeVar

from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def locked_singleton(model: type[M]) -> M:
    """The one row (pk 1) of a state table such as a rollup's watermark, made on first use and
    locked for the caller's transaction, so that runs on several workers take turns."""
    try:
        with transaction.atomic():
            model._default_manager.get_or_create(pk=1)
    except IntegrityError:  # pragma: no cover - two first runs at once; the other created it
        pass
    return model._default_manager.select_for_update().get(pk=1)
