"""CPU per rendered document, by kind, in this process (issue 12): ``python bench/documents_bench.py [rounds]``.

Renders each sample of ``document_samples.json`` (inputs of ``render_document`` recorded from the
test suite: one per kind, three certificate templates) ``rounds`` times, interleaved, after one warm-up
round (font registration and other once-per-process work), and prints the median CPU time
(``time.process_time``) per document. Rendering needs no database. ``--profile KIND`` prints a
cProfile of that kind instead.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

import django

#: BENCH_SOURCE: another checkout's root, to compare two versions of the code in one run.
sys.path.insert(0, os.environ.get("BENCH_SOURCE") or str(Path(__file__).resolve().parent.parent))


def samples() -> list[dict]:
    return json.loads((Path(__file__).with_name("document_samples.json")).read_text(encoding="utf-8"))


def label(sample: dict) -> str:
    if sample["kind"] == "certificate":
        return f"certificate:{sample['data'].get('certificate', {}).get('name')}"
    return str(sample["kind"])


def render(sample: dict) -> bytes:
    from yichuang.documents.pdf import SealImage
    from yichuang.documents.render import render_document

    seal = SealImage(**sample["seal"]) if sample["seal"] else None
    return render_document(
        kind=sample["kind"],
        data=sample["data"],
        verify_code=sample["verify_code"],
        verify_url=sample["verify_url"],
        issuer=sample["issuer"],
        seal=seal,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rounds", nargs="?", type=int, default=30)
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yichuang.settings")
    django.setup()
    all_samples = samples()
    start = time.process_time()
    for sample in all_samples:
        render(sample)
    first = time.process_time() - start
    if args.profile:
        chosen = next(s for s in all_samples if label(s).startswith(args.profile))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.rounds):
            render(chosen)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return
    times: dict[str, list[float]] = {label(s): [] for s in all_samples}
    sizes: dict[str, int] = {}
    for _ in range(args.rounds):
        for sample in all_samples:
            t = time.process_time()
            pdf = render(sample)
            times[label(sample)].append(time.process_time() - t)
            sizes[label(sample)] = len(pdf)
    print(f"first round (once-per-process work included): {first * 1000:.0f} ms for {len(all_samples)}")
    print(f"{'kind':32} {'median ms':>10} {'min ms':>8} {'bytes':>8}")
    for name, values in times.items():
        print(f"{name:32} {statistics.median(values) * 1000:10.2f} {min(values) * 1000:8.2f} {sizes[name]:8}")
    medians = [statistics.median(v) for v in times.values()]
    print(f"{'mean of medians':32} {statistics.mean(medians) * 1000:10.2f}")


if __name__ == "__main__":
    main()
