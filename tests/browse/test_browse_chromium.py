"""The browsing pages in real headless Chromium (Debian's /usr/bin/chromium through Playwright):
the report view, the dashboard's charts, the reports table with facets and a stored raw page.
Every page is opened with every non-loopback request intercepted and recorded: none may be
attempted. Screenshots go to the test's tmp dir; with UPDATE_SCREENSHOTS=1 also to
docs/screenshots/ (the images the README shows):

    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browse/test_browse_chromium.py -q
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import struct
import urllib.parse
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page whose requests outside the machine are recorded and refused."""

    def __init__(self, browser, width=1280, height=900):
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def shot(self, tmp_path, name) -> Path:
        path = tmp_path / name
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        width, height = struct.unpack(">II", path.read_bytes()[16:24])  # PNG IHDR
        assert width >= 1000 and height >= 300
        if os.environ.get("UPDATE_SCREENSHOTS"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, SHOTS / name)
        return path

    def close(self):
        self.context.close()


def failing_report(harvest, server):
    """The id of a report that fails a check (else any report with table 3)."""
    conn = sqlite3.connect(f"file:{harvest.db}?mode=ro", uri=True)
    row = conn.execute("select id from reports where check_status = 'failed' order by year desc, id limit 1").fetchone() \
        or conn.execute("select report_id from applications limit 1").fetchone()
    conn.close()
    return row[0]


def test_report_view_in_chromium(browser, server, harvest, tmp_path):
    rid = failing_report(harvest, server)
    p = Page(browser)
    p.page.goto(f"{server.url}/-/report/{rid}", wait_until="networkidle")
    page = p.page
    assert page.locator("h2#table3").inner_text().startswith("三、收到和处理政府信息公开申请情况")
    rows = page.locator("table.table3 tr[data-row]")
    assert rows.count() >= 25
    first = page.locator("table.table3 tr[data-row=new_received] th").first.inner_text()
    assert first.startswith("一、本年新收政府信息公开申请数量") and "New requests received" in first
    assert page.locator("table.table3 th", has_text="（三）不予公开").is_visible()
    assert page.locator("table.table4 th", has_text="未经复议直接起诉").is_visible()
    assert page.locator("table.check-failures").is_visible()
    # the printed numbers: 总计 of row 一 equals the truth
    conn = sqlite3.connect(f"file:{harvest.db}?mode=ro", uri=True)
    url = conn.execute("select url from report_sources where report_id = ?", [rid]).fetchone()[0]
    conn.close()
    truth = next(r for r in harvest.reports if r["url"] == url or url in (r.get("mirrors") or []))
    cells = page.locator("table.table3 tr[data-row=new_received] td").all_inner_texts()
    want = truth["applications"]["new_received"]
    assert cells == ["" if want[c] is None else f"{want[c]:,}" for c in
                     ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                      "legal_service_org", "other_org", "total")]
    # the links a reader follows: sources, versions, the stored page
    assert page.locator("a", has_text="Stored raw page").count() == 1
    assert page.locator("table.sources tr").count() >= 2 and page.locator("table.versions tr").count() >= 2
    p.shot(tmp_path, "report-view.png")
    assert p.outside == [] and p.errors == []
    p.close()


def test_dashboard_charts_render(browser, server, tmp_path):
    p = Page(browser, height=1000)
    p.page.goto(f"{server.url}/-/dashboards/overview", wait_until="networkidle")
    for chart in ("requests-by-year", "outcomes-by-province", "refusal-reasons"):
        drawn = p.page.locator(f"#chart-{chart} canvas, #chart-{chart} svg")
        drawn.first.wait_for(state="visible", timeout=15_000)
        box = drawn.first.bounding_box()
        assert box["width"] > 200 and box["height"] > 50, chart
    # a metric card shows the number of reports
    assert p.page.locator("#chart-reports-count").inner_text().strip() != ""
    p.page.wait_for_timeout(500)
    p.shot(tmp_path, "dashboard.png")
    assert p.outside == [] and p.errors == []
    p.close()


def test_reports_table_with_facets(browser, server, tmp_path):
    p = Page(browser)
    columns = "&".join(f"_col={c}" for c in ("id", "agency", "province", "level", "year", "format", "check_status",
                                               "new_received", "granted", "denied", "unable", "not_processed"))
    p.page.goto(f"{server.url}/reports/report_summary?_sort_desc=new_received&{columns}", wait_until="networkidle")
    for facet in ("province", "year", "level", "format", "parse_status", "check_status"):
        assert p.page.locator(f".facet-info[data-column={facet}]").count() == 1, facet
    link = p.page.locator("table.rows-and-columns td.col-id a[href^='/-/report/']").first
    assert link.is_visible()
    p.shot(tmp_path, "report-summary-facets.png")
    link.click()
    p.page.wait_for_load_state("networkidle")
    assert p.page.locator("table.table3").count() in (0, 1)
    assert p.outside == [] and p.errors == []
    p.close()


def test_canned_query_page(browser, server, tmp_path):
    p = Page(browser, height=700)
    p.page.goto(f"{server.url}/reports/failing_checks", wait_until="networkidle")
    assert p.page.locator("table.rows-and-columns tbody tr").count() >= 1
    p.shot(tmp_path, "failing-checks.png")
    assert p.outside == [] and p.errors == []
    p.close()


def test_raw_page_requests_nothing_from_outside(browser, server, harvest, tmp_path):
    conn = sqlite3.connect(f"file:{harvest.db}?mode=ro", uri=True)
    digest, body, content_type = conn.execute(
        "select hash, body, content_type from pages where content_type like 'text/html%' order by size desc limit 1"
    ).fetchone()
    conn.close()
    p = Page(browser)
    blocked = []
    p.page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    p.page.goto(f"{server.url}/-/page/{digest}", wait_until="networkidle")
    declared = re.search(rb"charset=[\"']?([\w-]+)", (content_type or "").encode() + b" " + body[:2048], re.I)
    charset = declared.group(1).decode().lower() if declared else "utf-8"
    html = body.decode("gbk" if charset in ("gbk", "gb2312", "gb18030") else charset, errors="replace")
    if "<title>" in html:
        title = html.split("<title>", 1)[1].split("</title>", 1)[0].strip()
        assert p.page.title() == " ".join(title.split())  # decoded as the portal declared it
    assert p.outside == []  # the page's own scripts, styles and images were never requested
    p.close()
    if harvest.source == "store":  # control: without the page's CSP the same page does reach out
        control = Page(browser)
        control.context.close()
        control.context = browser.new_context(bypass_csp=True)
        control.page = control.context.new_page()
        control.page.route("**/*", control._route)
        control.page.goto(f"{server.url}/-/page/{digest}", wait_until="networkidle")
        assert control.outside, "the fixture page links to its portal's scripts and images"
        control.close()
