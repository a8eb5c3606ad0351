"""docs/benchmarks.md from the results file (``results.py``): ``python bench/report.py``.

The page keeps its prose; what stands between ``<!-- bench:NAME:start -->`` and its end marker is
generated: ``run`` (which run the page shows), ``targets`` (the issue's targets beside the figures)
and one section per benchmark. A section not measured in the current run, or measured on code that
has changed since, starts with a line saying it is older than the code; so does a section of the page
that the results file does not know (figures written before it existed). The results are copied
beside the page (docs/benchmarks.json) so that the figures and their data are committed together.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"
DATA = ROOT / "docs" / "benchmarks.json"
OLD = "> **Older than the code.**"
MARKER = re.compile(r"<!-- bench:(?P<name>[^ ]+?):start -->\n(?P<body>.*?)<!-- bench:(?P=name):end -->", re.S)


def replace_section(name: str, body: list[str]) -> None:
    """What the benchmarks call with their section: kept in the results file (``report.py`` then
    regenerates the page)."""
    from results import record

    record(name, body)


def _staleness(section: dict[str, Any] | None, run: dict[str, Any] | None, code: str) -> str:
    if section is None:
        where = f" the run of {run['id']} (commit {run['commit']})" if run else " any run of `make bench`"
        return (
            f"{OLD} These figures were written before the results file existed and are not part of{where}; "
            "the code has changed since they were measured."
        )
    when = f"{section['measured_at'][:10]} at commit {section['commit']}" + (
        " with uncommitted changes" if section.get("dirty") else ""
    )
    if run is None or section["run"] != run["id"]:
        other = f" the run of {run['id']} (commit {run['commit']})" if run else " the current run"
        changed = "; the code has changed since" if section.get("code") != code else ""
        return f"{OLD} Measured {when}, not in{other}{changed}."
    if section.get("code") != code:
        return f"{OLD} Measured {when}; the code has changed since."
    return ""


def _run_lines(run: dict[str, Any] | None, code: str) -> list[str]:
    if run is None:
        return [
            "No run of `make bench` is recorded (var/bench/results.json): every figure below is older than the code."
        ]
    machine = run.get("machine", {})
    lines = [
        f"Run {run['id']} at commit {run['commit']}"
        + (" with uncommitted changes" if run.get("dirty") else "")
        + f", {machine.get('cores')} cores, Python {machine.get('python')}; load average at the start "
        + " / ".join(str(v) for v in machine.get("loadavg_at_start", []))
        + (f". {run['note']}" if run.get("note") else "."),
    ]
    if run.get("code") != code:
        lines.append("")
        lines.append(f"{OLD} The code has changed since this run.")
    return lines


def _fresh(section: dict[str, Any] | None, run: dict[str, Any] | None, code: str) -> bool:
    return section is not None and not _staleness(section, run, code)


def _target_lines(sections: dict[str, Any], run: dict[str, Any] | None, code: str) -> list[str]:
    rows = ["| target (issue 12) | figure | verdict | from this run |", "|---|---|---|---|"]
    life = sections.get("lifecycle")
    if life and life.get("data"):
        fresh = "yes" if _fresh(life, run, code) else "**no: older than the code**"
        for name, result in life["data"]["setups"].items():
            lc, floor = result["lifecycles"], result["floor"]
            rows.append(
                f"| server CPU per lifecycle request ≤ 4× the floor (stretch 2×), {name} | "
                f"{lc['cpu_ms_per_request']:.1f} ms / {floor['cpu_ms_per_request']:.2f} ms = "
                f"**{result['ratio']:.1f}×** | {result['ratio_verdict']} | {fresh} |"
            )
            if "rate_verdict" in result:
                rows.append(
                    f"| ≥ 40 lifecycles/s over HTTP on PostgreSQL at {lc['clients']} clients (aim 100) | "
                    f"**{lc['lifecycles_per_s']:.1f}/s** (documents signed; "
                    f"{lc['lifecycles_per_s_requests_only']:.1f}/s counting the requests alone; other load "
                    f"{lc['other_load_cores']:.1f} cores) | {result['rate_verdict']} | {fresh} |"
                )
    else:
        rows.append("| lifecycle CPU ratio and rate | not measured | – | – |")
    listing = sections.get("cases-list:postgresql")
    if listing and listing.get("data"):
        fresh = "yes" if _fresh(listing, run, code) else "**no: older than the code**"
        data = listing["data"]
        cpus = sorted(q["cpu_ms"] for q in data["queries"])
        worst_cpu, median_cpu = cpus[-1], cpus[len(cpus) // 2]
        rows.append(
            f"| case list at {data['cases']:,} cases: ≤ 5 ms server CPU per request | "
            f"**{worst_cpu:.1f} ms** for the dearest of {len(cpus)} list requests (median {median_cpu:.1f} ms) | "
            f"{'met' if worst_cpu <= 5 else 'not met'} | {fresh} |"
        )
        p95s = [q["p95_ms"].get("16") for q in data["queries"] if q["p95_ms"].get("16") is not None]
        if p95s:
            rows.append(
                f"| case list at {data['cases']:,} cases: p95 ≤ 50 ms at 16 clients | **{max(p95s):.0f} ms** "
                f"at worst | {'met' if max(p95s) <= 50 else 'not met'} | {fresh} |"
            )
    else:
        rows.append("| case list at 1 000 000 cases | not measured in a recorded run | – | – |")
    return rows


def render(page: Path = PAGE, data: Path | None = DATA) -> None:
    """Regenerate ``page`` from the results file (and copy the results to ``data``)."""
    from results import code_fingerprint, load

    results = load()
    run, sections = results.get("run"), results.get("sections", {})
    code = code_fingerprint()
    text = PAGE.read_text(encoding="utf-8")  # the template: the committed page
    for name in sections:
        if f"<!-- bench:{name}:start -->" not in text:
            text = text.rstrip("\n") + f"\n\n<!-- bench:{name}:start -->\n<!-- bench:{name}:end -->\n"

    def body(match: re.Match[str]) -> str:
        name = match["name"]
        if name == "run":
            lines = _run_lines(run, code)
        elif name == "targets":
            lines = _target_lines(sections, run, code)
        elif name in sections:
            note = _staleness(sections[name], run, code)
            lines = [note, ""] if note else []
            lines += sections[name]["lines"]
        else:
            kept = match["body"].rstrip("\n").split("\n")
            while kept and (kept[0].startswith(OLD) or not kept[0].strip()):
                kept.pop(0)
            lines = [_staleness(None, run, code), "", *kept] if kept else ["Not measured yet: `make bench`."]
        return "\n".join([f"<!-- bench:{name}:start -->", *lines, f"<!-- bench:{name}:end -->"])

    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(MARKER.sub(body, text), encoding="utf-8")
    from results import RESULTS

    if data is not None and RESULTS.exists():
        shutil.copyfile(RESULTS, data)
    print(f"written to {page}", flush=True)
    print("\n".join(["", *_run_lines(run, code), "", *_target_lines(sections, run, code)]), flush=True)


if __name__ == "__main__":
    # ``report.py`` rewrites docs/benchmarks.md (and docs/benchmarks.json); ``report.py PATH`` writes
    # the page to PATH instead (docs/ untouched), e.g. to look at a quick run.
    if len(sys.argv) > 1:
        render(Path(sys.argv[1]), None)
    else:
        render()
    sys.exit(0)
