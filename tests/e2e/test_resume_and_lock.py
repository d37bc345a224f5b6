"""Issue 8: a run killed mid-way and resumed ends with the same database; one writer at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from e2e_helpers import HARVESTER, ROOT, count_reports, rows, run_harvester, snapshot
from harvester.sandbox import Sandbox

# Sites with twins, print views, a slow host (so there is time to kill) and a legacy report.
SITES = ["gx-liuzhou-liunan", "hb-xianning-zwsjj", "qh-xining-jkq", "yn-yongsheng"]
SITE_ARGS = [arg for site in SITES for arg in ("--site", site)]


def start_crawl(db, proxy) -> subprocess.Popen:
    return subprocess.Popen(HARVESTER + ["crawl", *SITE_ARGS, "--proxy", proxy, "--db", str(db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_killed_run_resumes_to_the_same_database(tmp_path):
    with Sandbox() as sb:
        whole = tmp_path / "whole.db"
        run_harvester("crawl", *SITE_ARGS, "--proxy", sb.proxy_url, "--db", str(whole))

        broken = tmp_path / "broken.db"
        proc = start_crawl(broken, sb.proxy_url)
        deadline = time.monotonic() + 120
        while count_reports(broken) < 8 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert 0 < count_reports(broken) < count_reports(whole)
        left = rows(broken, "select site_id from crawl_sites where status = 'running'")
        assert left, "a killed run leaves sites not recorded as finished"

        out = run_harvester("crawl", *SITE_ARGS, "--proxy", sb.proxy_url, "--db", str(broken)).stdout
        assert "resumed after an interrupted run" in out
    assert snapshot(broken) == snapshot(whole)
    assert rows(broken, "pragma integrity_check") == [{"integrity_check": "ok"}]
    assert [r["status"] for r in rows(broken, "select status from crawl_runs order by id")] == ["interrupted", "finished"]
    # every site the killed run left was walked by the second run, and is finished now
    finished = {r["site_id"] for r in rows(broken, "select site_id from crawl_sites where run_id = 2 and status = 'finished'")}
    assert {r["site_id"] for r in left} <= finished


def test_second_run_on_the_same_database_refuses(tmp_path):
    db = tmp_path / "r.db"
    with Sandbox() as sb:
        first = start_crawl(db, sb.proxy_url)
        try:
            deadline = time.monotonic() + 60
            while not (tmp_path / "r.db.lock").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            second = run_harvester("crawl", *SITE_ARGS, "--proxy", sb.proxy_url, "--db", str(db), check=False)
            assert second.returncode != 0
            assert "another run is writing" in second.stderr and "Traceback" not in second.stderr
            assert first.wait(timeout=300) == 0
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
