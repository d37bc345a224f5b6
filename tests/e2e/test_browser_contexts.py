"""Issue 11: the browser's memory is bounded by HARVESTER_BROWSER_CONTEXTS, not by how many
walled portals a run meets. Six walled national-sandbox portals crawled with room for one
browser context: every report behind their walls is still found (a portal whose context was
closed passes its wall again), the run never had more than one context open, and pages did
have to wait for it (so the cap was really met, not merely never reached). Each portal passed
its wall in the browser once and handed the cookies to the plain downloader, which fetched the
rest; its context was closed then, not when the site was done."""

from __future__ import annotations

import json

from e2e_helpers import rows, run_harvester
from harvester.sandbox.national import NationalWeb
from harvester.sandbox.portal import load_configs

CAP = 1


def test_walled_portals_share_a_capped_number_of_browser_contexts(tmp_path):
    web = NationalWeb(exclude_hosts={c["host"]: c["id"] for c in load_configs()})
    walled = [s["site_id"] for s in web.truth().sites.values() if s.get("wall")][:6]
    assert len(walled) == 6
    truth = web.truth(sites=walled)
    db = tmp_path / "walled.db"
    run_harvester("crawl", "--sandbox", *[a for s in walled for a in ("--site", s)], "--db", str(db),
                  "--set", f"HARVESTER_BROWSER_CONTEXTS={CAP}", timeout=900)
    stored = {r["url"] for r in rows(db, "select url from report_sources")}
    expected = truth.expected(browser=True)
    missing = [r["url"] for r in expected if r["url"] not in stored]
    assert expected and not missing, f"{len(missing)} of {len(expected)} walled reports not found: {missing[:5]}"
    stats = json.loads(rows(db, "select stats from crawl_runs order by id desc limit 1")[0]["stats"])
    assert stats["harvester/wall_cookies_handed"] == len(walled), stats
    assert "harvester/wall_cookies_refused" not in stats
    requests = sum(r["requests"] for r in rows(db, "select requests from crawl_sites"))
    assert stats["playwright/page_count"] < requests / 4, (stats["playwright/page_count"], requests)
    assert stats["playwright/browser_count"] == 1
    assert 1 <= stats["harvester/browser_contexts_max"] <= CAP, stats
    assert stats.get("playwright/context_count/max_concurrent", 0) <= CAP, stats
    assert stats.get("harvester/browser_context_waits", 0) > 0, stats
    # each portal's context was opened once and closed as soon as its cookies were handed over,
    # so no page ever waited for an idle context to be evicted
    assert stats["playwright/context_count"] == len(walled), stats
    assert stats.get("harvester/browser_contexts_evicted", 0) == 0, stats
