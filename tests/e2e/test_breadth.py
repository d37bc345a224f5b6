"""Issue 7: every family and trap of spec/portals.md harvested; the browser only where needed;
charset liars decoded right; portals added by URL or found from a homepage, through http_proxy."""

from __future__ import annotations

import json
import shutil

import pytest

from e2e_helpers import ROOT, harvested, rows, run_harvester
from harvester.crawl import DEFAULT_REGISTRY
from harvester.report import decode_html
from harvester.sandbox import Sandbox


def test_recall_is_complete_and_no_non_report_is_stored(harvest, truth):
    db, _ = harvest
    stored = {r["url"] for r in rows(db, "select url from report_sources")}
    reports = harvested(truth.reports)
    families = {truth.site(r["site_id"])["family"] for r in reports}
    assert {"trs", "jcms", "vsb", "gkmlpt"} <= families
    assert len({truth.site(r["site_id"])["province"] for r in reports}) >= 6
    missing = [r["url"] for r in reports if r["url"] not in stored]
    assert not missing, f"recall {1 - len(missing) / len(reports):.3f}: {missing}"
    assert not stored & {n["url"] for n in harvested(truth.non_reports)}


def test_the_browser_is_started_only_where_a_page_needs_it(harvest, truth):
    db, _ = harvest
    pages = {r["site_id"]: r["browser_pages"] for r in rows(
        db, "select site_id, browser_pages from crawl_sites where run_id = (select max(run_id) from crawl_sites)")}
    for site_id, used in pages.items():
        site = truth.site(site_id)
        if site["wall"]:  # 412/521 challenges only a browser passes
            assert used > 0, site_id
        if not site["needs_browser"]:
            assert used == 0, f"{site_id} needs no browser but opened {used} page(s)"
    # the gkmlpt app is read through its JSON API, not rendered
    assert pages["gd-guangdong"] == 0


def test_the_pagination_trap_ends(harvest, truth):
    db, _ = harvest
    trapped = [s for s, site in truth.sites.items() if any(t["kind"] == "endless_pager" for t in site["traps"])]
    assert trapped
    for site_id in trapped:
        run = rows(db, "select status, requests from crawl_sites where site_id = ? order by run_id desc limit 1", [site_id])[0]
        assert run["status"] == "finished" and run["requests"] < 100, run


@pytest.mark.parametrize("site_id", ["ha-dengfeng", "yn-kunming", "hi-haikou", "yn-yongsheng"])
def test_charset_liars_decode_to_the_right_text(harvest, truth, site_id):
    db, _ = harvest
    site = truth.site(site_id)
    for report in site["reports"]:
        found = rows(db, "select p.body, p.content_type, r.text, r.title, r.agency from report_sources s "
                         "join pages p on p.hash = s.page_hash join reports r on r.id = s.report_id where s.url = ?",
                     [report["url"]])
        assert found, report["url"]
        page = found[0]
        right = page["body"].decode(report["charset"]["bytes"])
        assert decode_html(page["body"], page["content_type"]) == right
        assert "\ufffd" not in (page["text"] or "")
        assert page["agency"] == report["agency"]


def add_and_crawl(sb, tmp_path, add_args: list[str]) -> tuple[str, list[dict]]:
    registry = tmp_path / "sites.toml"
    shutil.copy(DEFAULT_REGISTRY, registry)
    env = {"http_proxy": sb.proxy_url, "https_proxy": sb.proxy_url}
    out = run_harvester("add-site", *add_args, "--registry", str(registry), env=env).stdout
    site_id = out.split()[1].rstrip(":")
    db = tmp_path / "added.db"
    run_harvester("crawl", "--site", site_id, "--registry", str(registry), "--db", str(db), env=env)
    return site_id, rows(db, "select s.url, r.agency, r.year from report_sources s join reports r on r.id = s.report_id")


def test_a_portal_added_by_its_column_url_is_harvested_through_http_proxy(tmp_path):
    with Sandbox() as sb:
        site = sb.truth.site("qh-xining-xncz")
        site_id, got = add_and_crawl(sb, tmp_path, [site["columns"][0]])
        hosts = {r["host"] for r in sb.request_log.snapshot()}
    assert {r["url"] for r in site["reports"]} <= {g["url"] for g in got}
    assert hosts == {"www.xncz.gov.cn"}
    registry = (tmp_path / "sites.toml").read_text(encoding="utf-8")
    assert f'id = "{site_id}"' in registry and 'family = "vsb"' in registry and "verified = false" in registry


def test_a_portal_found_from_its_homepage_is_harvested(tmp_path):
    with Sandbox() as sb:
        site = sb.truth.site("sd-jinan")
        _, got = add_and_crawl(sb, tmp_path, [site["homepage"], "--homepage"])
    assert {r["url"] for r in site["reports"]} <= {g["url"] for g in got}
    registry = (tmp_path / "sites.toml").read_text(encoding="utf-8")
    assert site["columns"][0] in registry


def test_crawl_discovers_a_column_left_empty_and_records_it(tmp_path):
    """A registry row with a homepage only: the run follows 政府信息公开 → 年报 and writes the column back."""
    with Sandbox() as sb:
        site = sb.truth.site("sd-jinan")
        registry = tmp_path / "sites.toml"
        registry.write_text(
            '[[sites]]\nid = "sd-jinan"\nagency = "济南市人民政府"\nprovince = "山东省"\nlevel = "市"\n'
            f'homepage = "{site["homepage"]}"\ncolumns = []\nfamily = "jcms"\nspider = "generic"\n'
            'verified = false\nsource = "test"\n', encoding="utf-8")
        db = tmp_path / "d.db"
        run_harvester("crawl", "--registry", str(registry), "--db", str(db), "--proxy", sb.proxy_url)
    got = {r["url"] for r in rows(db, "select url from report_sources")}
    assert {r["url"] for r in site["reports"]} <= got
    assert site["columns"][0] in registry.read_text(encoding="utf-8")
    assert json.loads(rows(db, "select columns from sites where id = 'sd-jinan'")[0]["columns"]) == site["columns"]
