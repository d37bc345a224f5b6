"""Issue 7: every family and trap of spec/portals.md harvested; the browser only where needed;
charset liars decoded right; portals added by URL or found from a homepage, through http_proxy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from e2e_helpers import ROOT, harvested, rows, run_harvester
from harvester import registry
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
        site = truth.sites.get(site_id)
        if site is None:  # a registry row on a sandbox host but not one of its portals (370100 济南 at https://)
            assert used == 0, f"{site_id} opened {used} browser page(s)"
            continue
        if not site["needs_browser"]:
            assert used == 0, f"{site_id} needs no browser but opened {used} page(s)"
    # the gkmlpt app is read through its JSON API, not rendered
    assert pages["gd-guangdong"] == 0
    # 412/521 challenges only a browser passes: each walled portal passed its wall in the browser
    # once (on robots.txt or its first page) and handed the cookies to the plain downloader
    walled = [s for s in pages if s in truth.sites and truth.sites[s]["wall"]]
    stats = json.loads(rows(db, "select stats from crawl_runs order by id desc limit 1")[0]["stats"])
    assert walled and stats["harvester/wall_cookies_handed"] >= len(walled), stats
    assert stats["playwright/browser_count"] == 1


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
    registry_path = tmp_path / "sites.csv"
    shutil.copy(DEFAULT_REGISTRY, registry_path)
    env = {"http_proxy": sb.proxy_url, "https_proxy": sb.proxy_url}
    out = run_harvester("add-site", *add_args, "--registry", str(registry_path), env=env).stdout
    site_id = out.split()[1].rstrip(":")
    db = tmp_path / "added.db"
    run_harvester("crawl", "--site", site_id, "--registry", str(registry_path), "--db", str(db), env=env)
    return site_id, rows(db, "select s.url, r.agency, r.year from report_sources s join reports r on r.id = s.report_id")


def changed_lines(before: Path, after: Path) -> list[str]:
    old = set(before.read_text(encoding="utf-8").splitlines())
    return [line for line in after.read_text(encoding="utf-8").splitlines() if line not in old]


def test_a_portal_added_by_its_column_url_is_harvested_through_http_proxy(tmp_path):
    """西宁市城中区 is in the registry by its homepage only: add-site records the column on that row."""
    with Sandbox() as sb:
        site = sb.truth.site("qh-xining-xncz")
        site_id, got = add_and_crawl(sb, tmp_path, [site["columns"][0]])
        hosts = {r["host"] for r in sb.request_log.snapshot()}
    assert {r["url"] for r in site["reports"]} <= {g["url"] for g in got}
    assert hosts == {"www.xncz.gov.cn"}
    added = registry.get(site_id, tmp_path / "sites.csv")
    assert (added.code, added.agency, added.level) == ("630103", "西宁市城中区人民政府", "county")
    assert added.columns == site["columns"] and added.family == "vsb" and not added.verified
    assert len(changed_lines(DEFAULT_REGISTRY, tmp_path / "sites.csv")) == 1  # one row changed, nothing else


def test_a_portal_found_from_its_homepage_is_harvested(tmp_path):
    with Sandbox() as sb:
        site = sb.truth.site("sd-jinan")
        site_id, got = add_and_crawl(sb, tmp_path, [site["homepage"], "--homepage"])
    assert {r["url"] for r in site["reports"]} <= {g["url"] for g in got}
    assert registry.get(site_id, tmp_path / "sites.csv").columns == site["columns"]
    assert site_id == "370100"  # 济南市人民政府 was in the registry, left to discovery


def test_a_department_portal_is_added_as_a_new_row_under_its_government(tmp_path):
    """A body the registry lacks becomes a row under the government its name places it in."""
    registry_path = tmp_path / "sites.csv"
    lines = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(keepends=True)
    registry_path.write_text("".join(x for x in lines if not x.startswith("gx-bbwb,")), encoding="utf-8")
    with Sandbox() as sb:
        column = sb.truth.site("gx-bbwb")["columns"][0]
        env = {"http_proxy": sb.proxy_url, "https_proxy": sb.proxy_url}
        vague = run_harvester("add-site", column, "--agency", "自治区北部湾办", "--province", "广西", "--registry", str(registry_path),
                              env=env, check=False)
        out = run_harvester("add-site", column, "--agency", "广西壮族自治区北部湾经济区规划建设管理办公室",
                            "--registry", str(registry_path), env=env).stdout
    assert vague.returncode == 1 and "pass --parent CODE" in vague.stderr and "Traceback" not in vague.stderr
    assert out.startswith("added bbwb-gxzf: ")
    added = registry.get("bbwb-gxzf", registry_path)
    assert (added.level, added.parent, added.code, added.province) == ("department", "450000", "", "广西壮族自治区")
    assert added.columns == [column] and added.family == "trs" and not added.verified


def test_crawl_discovers_a_column_left_empty_and_records_it(tmp_path):
    """A registry row with a homepage only: the run follows 政府信息公开 → 年报 and writes the column back."""
    with Sandbox() as sb:
        site = sb.truth.site("sd-jinan")
        registry_path = tmp_path / "sites.csv"
        registry_path.write_text(
            ",".join(registry.FIELDS) + "\n"
            f"sd-jinan,370100,济南市人民政府,prefecture,,山东省,{site['homepage']},,,jcms,,false,test\n",
            encoding="utf-8")
        db = tmp_path / "d.db"
        run_harvester("crawl", "--registry", str(registry_path), "--db", str(db), "--proxy", sb.proxy_url,
                      "--record-columns")
    got = {r["url"] for r in rows(db, "select url from report_sources")}
    assert {r["url"] for r in site["reports"]} <= got
    assert registry.get("sd-jinan", registry_path).columns == site["columns"]
    assert json.loads(rows(db, "select columns from sites where id = 'sd-jinan'")[0]["columns"]) == site["columns"]
