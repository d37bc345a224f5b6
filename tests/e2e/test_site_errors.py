"""Issue 12: a site whose walk breaks is recorded as such, counted in the summary, and the run's
exit status says not everything finished; the next run walks it again in full."""

import os

from e2e_helpers import ROOT, rows, run_harvester
from failing_walker import BROKEN_SITE

SITES = [BROKEN_SITE, "gx-bbwb"]


def test_a_site_that_breaks_is_an_unfinished_site_and_a_failed_exit(tmp_path):
    db = tmp_path / "e.db"
    args = ["crawl", "--sandbox", "hand", *[a for s in SITES for a in ("--site", s)], "--db", str(db),
            "--set", "HARVESTER_WALKER_FOR=failing_walker.walker_for"]
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "e2e"), str(ROOT)])}
    done = run_harvester(*args, env=env, check=False)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "NOT FINISHED: 1 site(s)" in done.stdout
    assert f"{BROKEN_SITE}: error (RuntimeError: a bug in this site's list reading)" in done.stdout
    status = {r["site_id"]: r["status"] for r in rows(db, "select site_id, status from crawl_sites")}
    assert status == {BROKEN_SITE: "error", "gx-bbwb": "finished"}
    assert rows(db, "select status from crawl_runs")[0]["status"] == "incomplete"
    # the other site's reports are all there; the broken one is walked again by the next run
    assert rows(db, "select count(*) n from reports where site_id = 'gx-bbwb'")[0]["n"] > 0
    again = run_harvester("crawl", "--sandbox", "hand", *[a for s in SITES for a in ("--site", s)], "--db", str(db))
    assert f"resumed after an interrupted run: {BROKEN_SITE}" in again.stdout
    assert rows(db, "select count(*) n from reports where site_id = ?", [BROKEN_SITE])[0]["n"] > 0
