"""Benchmark of harvester.report.parse on one core.

The mix: the five seed text dumps (../shared/seeds, when present) plus HTML pages rendered by
tests/report/render.py in every named style, for both templates. Prints pages parsed per
second and how much slower parse() is than lxml merely parsing the same pages
(lxml.html.fromstring), the floor any HTML parser pays; the seed dumps are text, which lxml
wraps in one paragraph almost for free, so the rendered HTML pages are also shown apart.
A third set is pages as portals serve them: the report pages of the sandbox's hand-made
portals and of every --stride-th national one, with their navigation, headers and footers.

The parser remembers what it has read of each short text (labels, headings, numbers:
harvester/report/memo.py), as a long crawl of one template does. Looping over the same pages
would credit it with remembering their prose too, so the mix is also timed "cold", every memo
emptied before each page: what a page whose every text is new costs.

    .venv/bin/python bench/bench_parse.py [--seconds 3] [--no-files] [--stride 50]

Then files parsed per second per format (bench_files: DOCX, XLSX, PDF, DOC, XLS, a scan).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

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


def portal_pages(stride: int) -> list[tuple[str, str, dict]]:
    """Pages of the hand-made portals (every report, mirror and non-report they serve) and of
    every `stride`-th national portal, rendered in process as test_national does: pages as
    portals serve them, with their navigation, headers and footers. (name, "page", arguments
    of parse) triples; bench/parse_identity.py keeps them in its corpus too."""
    from harvester.report import ParseError
    from harvester.report.decode import check_not_binary
    from harvester.sandbox.national import NationalWeb
    from harvester.sandbox.portal import Portal, load_configs

    out = []

    def take(p, site, prefix):
        headers = {"Cookie": p.wall.pass_cookie()} if p.wall else {}
        urls = []
        for r in site["reports"]:
            urls += [r["url"], *r.get("mirrors", [])]
            urls += [s["url"] for s in r.get("sources", []) if s.get("kind") != "attachment"]
        for r in site["non_reports"]:
            urls.append(r["url"])
        seen = set()
        for url in urls:
            u = urlsplit(url)
            if url in seen or u.hostname != p.host:
                continue
            seen.add(url)
            try:
                resp = p.handle("GET", u.path or "/", u.query, headers)
            except Exception:
                continue
            if resp.status != 200:
                continue
            ctype = dict(resp.headers).get("Content-Type")
            try:  # a file linked straight from a list is no page
                check_not_binary(resp.body, ctype)
            except ParseError:
                continue
            out.append((f"{prefix}/{url}", "page", {"source": resp.body, "url": url, "content_type": ctype}))

    for cfg in load_configs():
        p = Portal(cfg, delay_scale=0)
        if p.wall is not None:
            p.wall = None
        take(p, p.truth(), "hand")
    hand_hosts = {c["host"] for c in load_configs()}
    web = NationalWeb(exclude_hosts={h: h for h in hand_hosts})
    ids = [i for i in web.rows if i not in web.skipped][3::stride]
    for rid in ids:
        site, p = web.site_truth(rid), web.build(rid)
        p.nat["fault"] = None
        take(p, site, "national")
    return out


def _parse_args(a: dict) -> dict:
    return {"source": a["source"], "url": a.get("url"), "content_type": a.get("content_type")}


def pass_time(func, items) -> float:
    """CPU seconds of this process for one call of `func` on each item. CPU time, not wall time:
    on a shared machine the process also waits for a core, and that wait is no one's cost."""
    start = time.process_time()
    for item in items:
        func(item)
    return time.process_time() - start


def best_passes(contenders: dict, items, seconds: float, prepare: dict | None = None) -> dict:
    """The fastest pass of each contender over `items`, taking turns round by round for about
    `seconds` in all, so that a busy spell of the machine falls on all of them alike.
    ``prepare``: name -> a function run on every item, untimed, before each of that contender's
    passes (to put back what another contender's pass took away)."""
    prepare = prepare or {}
    for func in contenders.values():  # warm up
        pass_time(func, items)
    best = dict.fromkeys(contenders, float("inf"))
    spent, rounds = 0.0, 0
    while spent < seconds or rounds < 3:
        for name, func in contenders.items():
            if name in prepare:
                pass_time(prepare[name], items)
            t = pass_time(func, items)
            best[name] = min(best[name], t)
            spent += t
        rounds += 1
    return best


def _cold(**args):
    forget()
    return parse(**args)


def compare(mix, seconds: float) -> dict:
    """Per page and ratio to lxml's time of lxml.html.fromstring, parse() warm and parse() cold
    (every memo emptied before each page), on `mix`: (name, bytes) pairs, or (name, arguments
    of parse) pairs for pages served with a URL and a Content-Type."""
    calls = [args if isinstance(args, dict) else {"source": args} for _, args in mix]

    def warm(a):
        return parse(**a)

    # the cold pass empties the memos: the warm pass is timed only once an untimed pass has
    # filled them again (else its first page of each kind pays for them, and "warm" is not)
    best = best_passes({"lxml": lambda a: lxml.html.fromstring(a["source"]),
                        "cold": lambda a: _cold(**a),
                        "warm": warm}, calls, seconds, prepare={"warm": warm})
    return {name: (t / len(calls), t / best["lxml"]) for name, t in best.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="time spent on each measurement")
    ap.add_argument("--no-files", action="store_true", help="skip the reports-as-files section")
    ap.add_argument("--stride", type=int, default=150, help="portal pages: every Nth national portal")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    mix = pages()
    bad = [name for name, body in mix if parse(body)["parse_status"] != "ok"]
    size = sum(len(body) for _, body in mix) / len(mix) / 1024
    html = [(n, b) for n, b in mix if n.endswith(".html")]
    print(f"mix: {len(mix)} pages ({len(mix) - len(html)} seed dumps, {len(html)} rendered HTML), "
          f"mean {size:.1f} KiB" + (f"; not ok: {', '.join(bad)}" if bad else ""))
    served = [(name, a) for name, _, a in portal_pages(args.stride)
              if parse(**_parse_args(a))["parse_status"] == "ok"]
    served = [(name, _parse_args(a)) for name, a in served]
    print(f"portal pages: {len(served)} report pages served by the sandbox's portals (every "
          f"{args.stride}th national one), mean {sum(len(a['source']) for _, a in served) / len(served) / 1024:.1f} KiB")
    print("CPU time per page on one core, fastest of interleaved passes; x = times lxml's time")
    print(f"  {'':22s} {'whole mix':>22s}   {'rendered HTML only':>22s}   {'portal pages':>22s}")
    figures = compare(mix, args.seconds), compare(html, args.seconds / 2), compare(served, args.seconds)
    for name, label in (("lxml", "lxml.html.fromstring"), ("warm", "parse()"),
                        ("cold", "parse(), memos emptied")):
        cols = [f"{1000 * f[name][0]:7.3f} ms {1 / f[name][0]:6.0f}/s {f[name][1]:4.1f}x" for f in figures]
        print(f"  {label:22s} {cols[0]:>22s}   {cols[1]:>22s}   {cols[2]:>22s}")
    print(f"ratio: parse() takes {figures[0]['warm'][1]:.1f}x lxml's time warm, "
          f"{figures[0]['cold'][1]:.1f}x cold on the mix, {figures[2]['warm'][1]:.1f}x warm on "
          "portal pages (goal: at most 3x)")
    if not args.no_files:
        bench_files(args.seconds)


# --- reports published as files ---------------------------------------------------------------
def bench_files(seconds: float, n_reports: int = 3) -> None:
    """Files parsed per second by format (parse_bytes), on reports rendered from random values
    as DOCX and XLSX, and through LibreOffice as PDF, DOC and XLS; a scan for OCR. Also the
    cost of a LibreOffice start with a fresh profile against a copied one."""
    import shutil
    import tempfile

    from harvester.report import parse_bytes
    from harvester.report.files import convert as lo

    sys.path.insert(0, str(ROOT / "tests" / "report"))
    import render_files as F  # noqa: E402  (tests/report: renders reports as files)

    render = _renderer()
    rng = random.Random(7)
    reports = [_report(render, "2021", rng) for _ in range(n_reports)]
    files: dict[str, list[bytes]] = {"docx": [F.docx_bytes(r) for r in reports],
                                     "xlsx": [F.xlsx_bytes(r) for r in reports]}
    office = F.have("soffice")
    if office:
        docx = {f"{i}.docx": b for i, b in enumerate(files["docx"])}
        xlsx = {f"{i}.xlsx": b for i, b in enumerate(files["xlsx"])}
        files["pdf"] = list(F.soffice_convert(docx, "pdf").values())
        files["doc"] = list(F.soffice_convert(docx, "doc").values())
        files["xls"] = list(F.soffice_convert(xlsx, "xls").values())
        if F.have("pdftoppm", "tesseract"):
            files["pdf (scan, OCR)"] = [F.scan_pdf(files["pdf"][0])]
    print(f"files: {n_reports} reports of random values per format"
          + ("" if office else "; LibreOffice not installed: PDF, DOC, XLS and OCR skipped"))
    for fmt, bodies in files.items():
        statuses = set()

        def one(body):
            statuses.add(parse_bytes(body)["parse_status"])
        per_second, pages = _file_rate(one, bodies, seconds), _pages(bodies[0], fmt)
        print(f"  {fmt:15s} {per_second:8.2f} files/s  ({1000 / per_second:8.1f} ms each"
              f"{f', {pages} pages' if pages else ''}; status {', '.join(sorted(statuses))})")
    if office:
        lo._template_profile()
        doc = files["doc"][0]
        start = time.perf_counter()
        lo.convert(doc, "doc")
        warm = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            saved, lo._profile = lo._profile, Path(tmp) / "missing"  # force a fresh profile
            start = time.perf_counter()
            lo.convert(doc, "doc")
            cold = time.perf_counter() - start
            shutil.rmtree(lo._profile, ignore_errors=True)
            lo._profile = saved
        print(f"  LibreOffice per conversion: {warm:.2f} s with the copied profile, "
              f"{cold:.2f} s when the profile is made first")


def _pages(body: bytes, fmt: str) -> int | None:
    if not fmt.startswith("pdf"):
        return None
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(body)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _file_rate(func, items, seconds: float) -> float:
    """Files per second: one warm-up call, then the list over and over until `seconds` (at
    least once through: a conversion or OCR takes seconds)."""
    func(items[0])
    done, start = 0, time.perf_counter()
    while True:
        for item in items:
            func(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


if __name__ == "__main__":
    main()
