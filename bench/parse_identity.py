"""Does a change to the parser change any output? A regression corpus, parsed before and after.

A speed change to harvester/report must leave every parse byte-identical. This script gathers
a corpus of pages (the seed dumps, the test fixtures, pages rendered by tests/report/render.py
in every style with several random seeds, report and non-report pages of the hand-made sandbox
portals and of sampled national portals, a few DOCX/XLSX reports), saves it with the parse of
every page, and later re-parses the saved corpus and lists each page whose output differs.

    .venv/bin/python bench/parse_identity.py --save [--dir /tmp/parser-baseline]   # before
    .venv/bin/python bench/parse_identity.py [--dir /tmp/parser-baseline]          # after

The corpus is kept as bytes (corpus.pickle), so the comparison does not depend on the
sandbox or the renderers staying the same. Outputs are compared as the JSON that
``harvester parse --json`` prints.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _render_pages(seeds=(2024, 1, 2, 3)) -> list[tuple[str, str, dict]]:
    import bench_parse as B
    render = B._renderer()
    out = []
    for seed in seeds:
        rng = random.Random(seed)
        for fmt in ("2021", "2019"):
            for name, style in sorted(render.STYLES.items()):
                out.append((f"render/{seed}/{fmt}-{name}.html", "page",
                            {"source": render.render_bytes(B._report(render, fmt, rng), style)}))
    return out


def _file_pages(n: int = 3) -> list[tuple[str, str, dict]]:
    import bench_parse as B
    sys.path.insert(0, str(ROOT / "tests" / "report"))
    import render_files as F
    render = B._renderer()
    rng = random.Random(7)
    out = []
    for i in range(n):
        for fmt in ("2021", "2019"):
            rep = B._report(render, fmt, rng)
            out.append((f"file/{i}-{fmt}.docx", "file", {"body": F.docx_bytes(rep), "name": "r.docx"}))
            out.append((f"file/{i}-{fmt}.xlsx", "file", {"body": F.xlsx_bytes(rep), "name": "r.xlsx"}))
    return out


def corpus(stride: int) -> list[tuple[str, str, dict]]:
    from harvester.report import ParseError, parse
    out = []
    seeds = ROOT.parent / "shared" / "seeds"
    out += [(f"seed/{p.name}", "page", {"source": p.read_bytes()}) for p in sorted(seeds.glob("*.txt"))]
    for folder in (ROOT / "tests" / "report" / "fixtures", ROOT / "tests" / "spiders" / "pages"):
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                try:
                    parse(p.read_bytes())
                except ParseError:
                    continue
                out.append((f"fixture/{p.relative_to(ROOT)}", "page", {"source": p.read_bytes()}))
    out += _render_pages()
    import bench_parse as B
    out += B.portal_pages(stride)
    out += _file_pages()
    return out


def run(kind: str, args: dict) -> str:
    from harvester.report import parse
    from harvester.report.files import parse_bytes
    if kind == "page":
        result = parse(args["source"], url=args.get("url"), content_type=args.get("content_type"))
    else:
        result = parse_bytes(args["body"], name=args["name"], ocr=False)
    return json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="/tmp/parser-baseline")
    ap.add_argument("--save", action="store_true", help="gather the corpus and save its parses")
    ap.add_argument("--stride", type=int, default=150, help="every Nth national portal")
    args = ap.parse_args()
    folder = Path(args.dir)
    if args.save:
        folder.mkdir(parents=True, exist_ok=True)
        pages = corpus(args.stride)
        (folder / "corpus.pickle").write_bytes(pickle.dumps(pages))
        outputs = {name: run(kind, a) for name, kind, a in pages}
        (folder / "outputs.json").write_text(json.dumps(outputs, ensure_ascii=False), "utf-8")
        statuses: dict[str, int] = {}
        for text in outputs.values():
            s = json.loads(text).get("parse_status")
            statuses[s] = statuses.get(s, 0) + 1
        print(f"saved {len(pages)} pages in {folder}; statuses {statuses}")
        return
    pages = pickle.loads((folder / "corpus.pickle").read_bytes())
    before = json.loads((folder / "outputs.json").read_text("utf-8"))
    differ = []
    for name, kind, a in pages:
        if run(kind, a) != before[name]:
            differ.append(name)
    for name in differ:
        print("DIFFERS:", name)
    print(f"{len(pages)} pages, {len(differ)} differences")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
