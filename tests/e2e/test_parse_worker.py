"""Pages parsed in a worker process (HARVESTER_PARSE_WORKERS=1, harvester/offload.py) are
stored exactly as pages parsed in the crawl's own process: two crawls of the same hand-made
portals, one each way, hold the same rows, and the worker did parse the pages."""

from __future__ import annotations

import json

from e2e_helpers import rows, run_harvester, snapshot

SITES = ("--site", "gx-liuzhou-liunan", "--site", "hb-xianning-zwsjj")


def crawl(db, workers: int):
    run_harvester("crawl", "--sandbox", "hand", *SITES, "--db", str(db),
                  "--set", f"HARVESTER_PARSE_WORKERS={workers}")
    return json.loads(rows(db, "select stats from crawl_runs order by id desc limit 1")[0]["stats"])


def test_a_worker_process_stores_the_same_rows(tmp_path):
    in_process, in_worker = tmp_path / "in-process.db", tmp_path / "in-worker.db"
    stats0 = crawl(in_process, 0)
    stats1 = crawl(in_worker, 1)
    assert "harvester/parse_worker_pages" not in stats0
    reports = rows(in_worker, "select count(*) n from reports")[0]["n"]
    assert reports >= 15
    assert stats1["harvester/parse_worker_pages"] >= reports
    assert snapshot(in_worker) == snapshot(in_process)
    signatures = "select report_id, version, hex(signature) s, values_json from report_versions order by 1, 2"
    assert rows(in_worker, signatures) == rows(in_process, signatures)
