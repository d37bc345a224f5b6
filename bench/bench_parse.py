"""Benchmark of harvester.report.parse on one core.

The mix: the five seed text dumps (../shared/seeds, when present) plus HTML pages rendered by
tests/report/render.py in every named style, for both templates. Prints pages parsed per
second and how much slower parse() is than lxml merely parsing the same pages
(lxml.html.fromstring), the floor any HTML parser pays.

The parser remembers what it has read of each short text (labels, headings, numbers:
harvester/report/memo.py), as a long crawl of one template does. Looping over the same pages
would credit it with remembering their prose too, so the mix is also timed "cold", every memo
emptied before each page: what a page whose every text is new costs.

    .venv/bin/python bench/bench_parse.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harvester.report import parse  # noqa: E402
from harvester.report.memo import forget  # noqa: E402


def _renderer():
    spec = importlib.util.spec_from_file_location("report_render", ROOT / "tests" / "report" / "render.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["report_render"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _report(render, fmt: str, rng: random.Random) -> dict:
    def value():
        return None if rng.random() < 0.1 else rng.choice([rng.randrange(20), rng.randrange(200_000)])
    ad = {key: {m: value() for m in metrics} for _, _, items, metrics in render.T2[fmt] for key, _ in items}
    rows = ["new_received", "carried_over", "granted", "partially_granted"]
    rows += [k for _, items in render._GROUPS for k, _ in items]
    rows += [k for k, _ in render._OTHER_2021[1]] if fmt == "2021" else ["other"]
    rows += ["total", "carried_forward"]
    return {"format": fmt, "active_disclosure": ad,
            "applications": {r: {c: value() for c in render.COLUMNS} for r in rows},
            "reviews_litigation": {f"{g}.{m}": value() for g in render.T4_GROUPS for m in render.T4_METRICS}}


def pages() -> list[tuple[str, bytes]]:
    out = []
    seeds = ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():
        out += [(p.name, p.read_bytes()) for p in sorted(seeds.glob("*.txt"))]
    render = _renderer()
    rng = random.Random(2024)
    for fmt in ("2021", "2019"):
        for name, style in sorted(render.STYLES.items()):
            out.append((f"{fmt}-{name}.html", render.render_bytes(_report(render, fmt, rng), style)))
    return out


def rate(func, items, seconds: float) -> float:
    """Items processed per second, looping over the whole mix until `seconds` have passed."""
    for item in items:  # warm up
        func(item)
    done, start = 0, time.perf_counter()
    while True:
        for item in items:
            func(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="time spent on each measurement")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    mix = pages()
    bodies = [body for _, body in mix]
    bad = [name for name, body in mix if parse(body)["parse_status"] != "ok"]
    size = sum(map(len, bodies)) / len(bodies) / 1024
    ours = rate(parse, bodies, args.seconds)
    floor = rate(lxml.html.fromstring, bodies, args.seconds)
    cold = rate(lambda body: (forget(), parse(body)), bodies, args.seconds)
    print(f"mix: {len(mix)} pages ({sum(n.endswith('.txt') for n, _ in mix)} seed dumps, "
          f"{sum(n.endswith('.html') for n, _ in mix)} rendered HTML), mean {size:.1f} KiB"
          + (f"; not ok: {', '.join(bad)}" if bad else ""))
    print(f"parse():              {ours:8.1f} reports/s  ({1000 / ours:.2f} ms each, one core)")
    print(f"lxml.html.fromstring: {floor:8.1f} pages/s    ({1000 / floor:.2f} ms each)")
    print(f"ratio: parse() takes {floor / ours:.1f}x the time of lxml parsing alone")
    print(f"cold (memos emptied before each page): {cold:8.1f} reports/s  ({1000 / cold:.2f} ms each), "
          f"{floor / cold:.1f}x lxml's time")


if __name__ == "__main__":
    main()
