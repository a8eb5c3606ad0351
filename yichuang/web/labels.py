"""Words the pages show for actions (the buttons, the timeline), in the request's language. They come
from the registry of case actions (``cases.actions``): one table for the API, the pages and the docs."""

from __future__ import annotations

from yichuang.cases.actions import action_label

__all__ = ["action_label"]
