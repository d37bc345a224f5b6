"""Issue 4: one report, one row; every copy of it a source; versions kept; look-alikes apart.

Against the sandbox's truth, which knows for each report every address that serves it and
what kind of copy each is. Two kinds are left out of the exact source sets: an http twin the
sandbox links only from a homepage, and a directory's index.html linked from nowhere the
crawler reads (it reads columns, not homepages); canonical_url's unit tests cover both.
"""

from __future__ import annotations

import collections
import json

from e2e_helpers import harvested, rows

OUT_OF_REACH = {"scheme_twin", "directory_index"}


def groups(truth) -> dict[str, list[dict]]:
    out = collections.defaultdict(list)
    for report in harvested(truth.reports):
        out[report["report_key"]].append(report)
    return out


def db_sources(db) -> dict[str, dict]:
    return {r["url"]: r for r in rows(db, "select url, report_id, kind, canonical from report_sources")}


def test_one_row_per_report(harvest, truth):
    db, _ = harvest
    sources = db_sources(db)
    expected = groups(truth)
    for key, reports in expected.items():
        ids = {sources[r["url"]]["report_id"] for r in reports}
        assert len(ids) == 1, f"{key}: {len(ids)} rows"
    ids = {sources[r["url"]]["report_id"] for rs in expected.values() for r in rs}
    assert len(ids) == len(expected)
    assert rows(db, "select count(*) n from reports")[0]["n"] == len(expected)


def test_every_copy_is_a_source_of_its_report(harvest, truth):
    db, _ = harvest
    sources = db_sources(db)
    kinds = collections.Counter()
    for key, reports in groups(truth).items():
        rid = sources[reports[0]["url"]]["report_id"]
        want = {s["url"] for r in reports for s in r["sources"] if s["kind"] not in OUT_OF_REACH}
        got = {u for u, s in sources.items() if s["report_id"] == rid}
        assert got == want, key
        kinds.update(s["kind"] for r in reports for s in r["sources"] if s["kind"] not in OUT_OF_REACH)
    # every case of the issue is in the sandbox and was checked above
    assert {"mobile_twin", "print_view", "portal_copy", "repost", "attachment", "tracking_query"} <= set(kinds)


def test_the_canonical_copy_follows_the_stated_rule(harvest, truth):
    db, _ = harvest
    sources = db_sources(db)
    for key, reports in groups(truth).items():
        current = [r for r in reports if r.get("current", True)]
        rid = sources[reports[0]["url"]]["report_id"]
        canonical = [u for u, s in sources.items() if s["report_id"] == rid and s["canonical"]]
        assert canonical == [current[0]["canonical_url"]], key
        assert rows(db, "select url from reports where id = ?", [rid]) == [{"url": canonical[0]}]


def test_a_repost_on_the_parent_portal_is_one_report_with_two_sites(harvest, truth):
    db, _ = harvest
    sources = db_sources(db)
    reposts = [r for r in harvested(truth.reports) if r.get("repost_of")]
    assert reposts
    for repost in reposts:
        assert sources[repost["url"]]["report_id"] == sources[repost["repost_of"]]["report_id"]
        sites = rows(db, "select distinct site_id from report_sources where report_id = ?",
                     [sources[repost["url"]]["report_id"]])
        assert len(sites) == 2


def test_a_corrected_repost_is_a_new_version_and_the_later_one_is_current(harvest, truth):
    db, _ = harvest
    sources = db_sources(db)
    revised = [r for r in harvested(truth.reports) if len(r.get("versions") or []) > 1 and r["current"]]
    assert revised
    for report in revised:
        rid = sources[report["url"]]["report_id"]
        versions = rows(db, "select version, url, published, changes from report_versions where report_id = ? "
                            "order by published", [rid])
        assert [(v["url"], v["published"]) for v in versions] == [(v["url"], v["date"]) for v in report["versions"]]
        changed = json.loads(versions[-1]["changes"])
        assert changed and len(changed) <= 3, changed  # the few corrected cells, visible
        current = rows(db, "select version from reports where id = ?", [rid])[0]["version"]
        assert current == max(v["version"] for v in versions if v["url"] == report["url"])


def test_look_alike_reports_of_different_agencies_stay_apart(harvest, truth):
    db, _ = harvest
    sources = db_sources(db)
    pairs = [(r["url"], other) for r in harvested(truth.reports) for other in r.get("lookalikes") or []]
    assert pairs
    for a, b in pairs:
        assert sources[a]["report_id"] != sources[b]["report_id"]


def test_a_page_printing_the_report_twice_is_one_report_with_its_text_once(harvest, truth):
    db, _ = harvest
    seed = next(r for r in truth.reports if (r.get("seed") or "").startswith("002"))
    row = rows(db, "select r.mirrored_copy_in_page, r.text, r.sources from reports r join report_sources s "
                   "on s.report_id = r.id where s.url = ?", [seed["url"]])[0]
    assert row["mirrored_copy_in_page"] == 1 and row["sources"] == 1
    assert row["text"].count("一、总体情况") == 1 and row["text"].count("六、其他需要报告的事项") == 1
