"""docs/benchmarks.md says which figures come from the run it shows and which are older than the code
(bench/results.py keeps the run, bench/report.py writes the page)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
TEMPLATE = """# Benchmarks

<!-- bench:run:start -->
<!-- bench:run:end -->

<!-- bench:targets:start -->
<!-- bench:targets:end -->

<!-- bench:alpha:start -->
| alpha | written by hand |
<!-- bench:alpha:end -->

<!-- bench:legacy:start -->
| legacy | 121 ms |
<!-- bench:legacy:end -->
"""


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType, Path]:
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path / "results.json"))
    results = importlib.reload(importlib.import_module("results"))
    report = importlib.reload(importlib.import_module("report"))
    template = tmp_path / "template.md"
    template.write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.setattr(report, "PAGE", template)
    monkeypatch.setattr(results, "code_fingerprint", lambda: "code-1")
    yield results, report, tmp_path / "page.md"
    for name in ("results", "report"):
        sys.modules.pop(name, None)


def section(page: Path, name: str) -> str:
    text = page.read_text(encoding="utf-8")
    return text.split(f"<!-- bench:{name}:start -->\n", 1)[1].split(f"<!-- bench:{name}:end -->", 1)[0]


def test_a_section_of_the_current_run_is_shown_as_measured_and_the_others_are_marked_older(bench):
    results, report, page = bench
    results.new_run("make bench")
    results.record("alpha", ["| alpha | 42 ms |"], data={"ms": 42})

    report.render(page, None)

    assert section(page, "alpha") == "| alpha | 42 ms |\n"
    legacy = section(page, "legacy")
    assert legacy.startswith("> **Older than the code.**")
    assert "| legacy | 121 ms |" in legacy
    assert "Older than the code" not in section(page, "run")


def test_a_section_from_an_earlier_run_is_marked_older_than_the_code(bench):
    results, report, page = bench
    results.new_run("first")
    results.record("alpha", ["| alpha | 42 ms |"])
    results.new_run("second")

    report.render(page, None)

    alpha = section(page, "alpha")
    assert alpha.startswith("> **Older than the code.**")
    assert "not in the run of" in alpha
    assert "| alpha | 42 ms |" in alpha


def test_figures_measured_before_the_code_changed_are_marked_even_in_the_current_run(bench, monkeypatch):
    results, report, page = bench
    results.new_run("make bench")
    results.record("alpha", ["| alpha | 42 ms |"])
    monkeypatch.setattr(results, "code_fingerprint", lambda: "code-2")

    report.render(page, None)

    assert "the code has changed since" in section(page, "alpha")
    assert "The code has changed since this run." in section(page, "run")


def test_regenerating_the_page_does_not_pile_up_notes(bench, tmp_path):
    results, report, page = bench
    results.new_run("make bench")
    report.render(page, None)
    report.PAGE = page  # regenerate from the page just written
    report.render(page, None)

    legacy = section(page, "legacy")
    assert legacy.count("Older than the code") == 1
    assert "| legacy | 121 ms |" in legacy


def test_the_targets_table_reads_the_lifecycle_and_list_figures(bench):
    results, report, page = bench
    results.new_run("make bench")
    life = {"cpu_ms_per_request": 10.0, "lifecycles_per_s": 12.5, "lifecycles_per_s_requests_only": 20.0}
    results.record(
        "lifecycle",
        ["…"],
        data={
            "setups": {
                "production": {
                    "lifecycles": {**life, "clients": 4, "other_load_cores": 0.1},
                    "floor": {"cpu_ms_per_request": 2.5},
                    "ratio": 4.0,
                    "ratio_verdict": "met",
                    "rate_verdict": "not met",
                }
            }
        },
    )
    results.record(
        "cases-list:postgresql",
        ["…"],
        data={"cases": 1_000_000, "queries": [{"cpu_ms": 4.2, "p95_ms": {"1": 9.0, "16": 61.0}}]},
    )

    report.render(page, None)

    targets = section(page, "targets")
    assert "10.0 ms / 2.50 ms = **4.0×** | met | yes" in targets
    assert "**12.5/s**" in targets and "| not met | yes" in targets
    assert "**4.2 ms** for the dearest of 1 list requests (median 4.2 ms) | met" in targets
    assert "**61 ms** at worst | not met" in targets
