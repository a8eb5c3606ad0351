"""Search the catalog by Chinese words, full pinyin and pinyin initials.

Citizens and clerks type "低保", "最低生活", "dibao" or just "db". The index lives in memory:
for a county's catalog (桃江县: 1530 county items + 85 town items) a linear scan over prepared
strings answers in well under a millisecond. It is rebuilt when the catalog changes; the change
marker (item count, latest ``updated_at``) is read from the database on each search, so several
app servers stay in step without a message bus.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from pypinyin import Style, lazy_pinyin

from yichuang.catalog.models import ServiceItem

_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACES = re.compile(r"[\s、，,;；/·]+")
#: Words that say nothing about which item is meant ("我要申请低保" is about 低保).
STOPWORDS = frozenset(
    {"申请", "办理", "办", "如何", "怎么", "怎样", "的", "我", "我要", "要", "在", "哪里", "去", "想", "了"}
)


def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _pinyin(text: str) -> tuple[str, str]:
    """Full pinyin and initials of the Chinese characters in ``text`` (other characters dropped)."""
    han = "".join(_CJK.findall(text))
    if not han:
        return "", ""
    syllables = lazy_pinyin(han, errors="ignore")
    initials = lazy_pinyin(han, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower(), "".join(initials).lower()


@dataclass
class _Entry:
    item_id: int
    code: str
    base_code: str
    name: str
    name_len: int
    phrases: list[str]  # aliases and keywords
    tokens: set[str]
    name_pinyin: str
    name_initials: str
    phrase_pinyin: list[str] = field(default_factory=list)
    phrase_initials: list[str] = field(default_factory=list)


def _tokens(texts: Iterable[str]) -> set[str]:
    jieba = _jieba()
    tokens: set[str] = set()
    for text in texts:
        for token in jieba.cut_for_search(text):
            token = token.strip().lower()
            if token and token not in STOPWORDS:
                tokens.add(token)
    return tokens


class SearchIndex:
    def __init__(self, items: Iterable[ServiceItem]) -> None:
        self.entries: list[_Entry] = []
        for item in items:
            phrases = item.alias_list() + item.keyword_list()
            name_pinyin, name_initials = _pinyin(item.name)
            pinyins = [_pinyin(p) for p in phrases]
            self.entries.append(
                _Entry(
                    item_id=item.pk,
                    code=item.code.lower(),
                    base_code=item.base_code.lower(),
                    name=item.name,
                    name_len=len(item.name),
                    phrases=phrases,
                    tokens=_tokens([item.name, *phrases]),
                    name_pinyin=name_pinyin,
                    name_initials=name_initials,
                    phrase_pinyin=[p for p, _ in pinyins if p],
                    phrase_initials=[i for _, i in pinyins if i],
                )
            )

    def search(self, query: str) -> list[tuple[int, float]]:
        """Item ids with scores, best first. An empty query matches nothing."""
        q = _SPACES.sub("", query).lower()
        if not q:
            return []
        if _CJK.search(q):
            q_tokens = [t for t in _tokens([q]) if t]
            scorer: Callable[[_Entry], float] = lambda e: self._score_chinese(e, q, q_tokens)  # noqa: E731
        elif q.isascii() and q.isalpha():
            scorer = lambda e: self._score_pinyin(e, q)  # noqa: E731
        else:
            scorer = lambda e: self._score_code(e, q)  # noqa: E731
        scored = []
        for entry in self.entries:
            score = scorer(entry)
            if score > 0:
                scored.append((entry, score))
        scored.sort(key=lambda pair: (-pair[1], pair[0].name_len, pair[0].code))
        return [(entry.item_id, score) for entry, score in scored]

    @staticmethod
    def _score_chinese(entry: _Entry, q: str, q_tokens: list[str]) -> float:
        if entry.name == q:
            return 100.0
        if q in entry.phrases:
            return 90.0
        if entry.name.startswith(q):
            return 80.0
        if q in entry.name:
            return 70.0
        if any(q in phrase for phrase in entry.phrases):
            return 60.0
        if not q_tokens:
            return 0.0
        matched = sum(
            1 for t in q_tokens if t in entry.tokens or t in entry.name or any(t in p for p in entry.phrases)
        )
        if matched == 0 or matched * 2 < len(q_tokens):
            return 0.0
        return 50.0 * matched / len(q_tokens)

    @staticmethod
    def _score_pinyin(entry: _Entry, q: str) -> float:
        if q == entry.name_initials or q == entry.name_pinyin:
            return 95.0
        if q in entry.phrase_initials or q in entry.phrase_pinyin:
            return 90.0
        if entry.name_pinyin.startswith(q) or entry.name_initials.startswith(q):
            return 75.0
        if any(p.startswith(q) for p in entry.phrase_pinyin) or any(
            i.startswith(q) for i in entry.phrase_initials
        ):
            return 70.0
        if len(q) >= 2 and (q in entry.name_initials or any(q in i for i in entry.phrase_initials)):
            return 50.0
        if len(q) >= 3 and (q in entry.name_pinyin or any(q in p for p in entry.phrase_pinyin)):
            return 45.0
        return 0.0

    @staticmethod
    def _score_code(entry: _Entry, q: str) -> float:
        if q == entry.code or q == entry.base_code:
            return 100.0
        if entry.code.startswith(q) or entry.base_code.startswith(q):
            return 80.0
        if len(q) >= 4 and q in entry.code:
            return 50.0
        return 0.0


_lock = threading.Lock()
_index: SearchIndex | None = None
_marker: tuple[Any, ...] | None = None


def _catalog_marker() -> tuple[Any, ...]:
    agg = ServiceItem.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return (agg["n"], agg["latest"])


def get_index() -> SearchIndex:
    """The in-memory index, rebuilt when the catalog has changed since it was built."""
    global _index, _marker
    marker = _catalog_marker()
    if _index is not None and marker == _marker:
        return _index
    with _lock:
        if _index is None or marker != _marker:
            items = ServiceItem.objects.only("id", "code", "base_code", "name", "aliases", "keywords")
            _index = SearchIndex(items)
            _marker = marker
    return _index


def search_items(query: str) -> list[tuple[int, float]]:
    return get_index().search(query)
