"""Rewrite one marked section of docs/benchmarks.md, leaving the rest of the page as written."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"


def replace_section(name: str, body: list[str]) -> None:
    """Put ``body`` between ``<!-- bench:NAME:start -->`` and its end marker (added at the end of
    the page the first time)."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = PAGE.read_text(encoding="utf-8") if PAGE.exists() else "# Benchmarks\n"
    if start not in text:
        text = text.rstrip("\n") + "\n\n" + start + "\n" + end + "\n"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    PAGE.write_text(before + "\n".join([start, *body, end]) + after, encoding="utf-8")
    print(f"written to {PAGE.relative_to(ROOT)}")
