"""What each pipeline stage costs per page, replayed on the pages a crawl stored.

    .venv/bin/python bench/bench_pipeline.py SOURCE.db [--out replay.db] [--limit N]

SOURCE.db is any harvest database (e.g. one bench_scale.py or `harvester crawl --sandbox`
wrote): its stored page bytes are fed, one ReportPage each, through the run's pipelines
(parse, classify, identify, dedupe, store) into a fresh database, and the milliseconds each
stage took per page are printed. Every item gets the same fetched_at, so two replays of the
same pages by two versions of the code write databases that can be compared row by row
(`--dump` prints every table's rows, sorted, for a diff).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FETCHED_AT = "2026-01-01T00:00:00+00:00"


class _Stats:
    def inc_value(self, key, count=1, start=0):
        pass


class _Signals:
    def connect(self, *args, **kwargs):
        pass


class _Settings(dict):
    def getint(self, key, default=0):
        return int(self.get(key) or default)


class _Crawler:
    """What the pipelines read of a crawler: settings, stats, signals (no engine)."""

    def __init__(self, db: str, registry: str):
        self.settings = _Settings(HARVESTER_DB=db, HARVESTER_REGISTRY=registry, HARVESTER_RUN_ID=None)
        self.stats, self.signals, self.spider = _Stats(), _Signals(), None


def recorded_items(source: Path, limit: int | None):
    from harvester.items import ReportPage

    con = sqlite3.connect(source)
    con.row_factory = sqlite3.Row
    sites = {r["url"]: r for r in con.execute(
        "select s.url, s.site_id, r.title, t.agency, t.province from report_sources s "
        "join reports r on r.id = s.report_id left join sites t on t.id = s.site_id")}
    sql = "select url, content_type, body from pages order by url" + (f" limit {int(limit)}" if limit else "")
    for page in con.execute(sql):
        known = sites.get(page["url"])
        yield ReportPage(url=page["url"], site_id=known["site_id"] if known else "unknown",
                         agency=(known["agency"] if known else None) or "", province=(known["province"] if known else None) or "",
                         body=page["body"], content_type=page["content_type"], title=known["title"] if known else None,
                         fetched_at=FETCHED_AT)
    con.close()


def dump(db: Path):
    """Every table's rows, sorted: what a diff of two replays compares."""
    con = sqlite3.connect(db)
    for (name,) in con.execute("select name from sqlite_master where type = 'table' order by name"):
        if name.startswith("sqlite_") or name in ("crawl_runs", "crawl_sites"):
            continue
        cols = [r[1] for r in con.execute(f"pragma table_info([{name}])")]
        for row in sorted(con.execute(f"select * from [{name}]"), key=repr):
            print(name, dict(zip(cols, (v.hex()[:16] if isinstance(v, bytes) else v for v in row))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("--out", type=Path, help="the replay's database (default: a temporary file)")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--passes", type=int, default=1, help="replay the pages this many times (a re-crawl)")
    ap.add_argument("--registry", default=str(ROOT / "data" / "sites.csv"))
    ap.add_argument("--dump", action="store_true", help="print the replay's rows, sorted")
    args = ap.parse_args()
    if not args.source.exists():
        sys.exit(f"bench_pipeline: no database at {args.source}")

    from harvester.store import Store
    from pipelines.classify import ClassifyPipeline
    from pipelines.dedupe import DedupePipeline
    from pipelines.identify import IdentifyPipeline
    from pipelines.parse import ParsePipeline
    from pipelines.store import StorePipeline

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "replay.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
        src = sqlite3.connect(args.source)
        src.row_factory = sqlite3.Row
        store = Store(out)  # the sites the pages came from, as a run upserts them first
        from harvester import registry
        ids = {r[0] for r in src.execute("select distinct site_id from report_sources")}
        store.upsert_sites([s for s in registry.load(args.registry) if s.id in ids])
        store.close()
        src.close()
        crawler = _Crawler(str(out), args.registry)
        stages = [("parse", ParsePipeline()), ("classify", ClassifyPipeline()),
                  ("identify", IdentifyPipeline.from_crawler(crawler)), ("dedupe", DedupePipeline.from_crawler(crawler)),
                  ("store", StorePipeline(str(out), None, crawler))]
        for _, stage in stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider()
        spent = dict.fromkeys((name for name, _ in stages), 0.0)
        pages = 0
        clock = time.process_time  # CPU time: other work on the machine does not count
        for _ in range(args.passes):
            for item in recorded_items(args.source, args.limit):
                for name, stage in stages:
                    t = clock()
                    item = stage.process_item(item)
                    spent[name] += clock() - t
                pages += 1
        t = clock()
        for _, stage in stages:
            if hasattr(stage, "close_spider"):
                stage.close_spider()
        spent["store"] += clock() - t
        total = sum(spent.values())
        print(f"{pages} pages replayed; ms per page: " + ", ".join(f"{k} {v * 1000 / max(pages, 1):.2f}"
                                                                  for k, v in spent.items())
              + f"; all stages {total * 1000 / max(pages, 1):.2f}")
        if args.dump:
            dump(out)


if __name__ == "__main__":
    main()
