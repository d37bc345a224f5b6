"""The portals only a browser can read: Chromium (Playwright, /usr/bin/chromium) through the
sandbox proxy passes the 412 and 521 walls and sees the lists that script draws; a plain
client (test_sandbox_portals.py) does not. One browser for the whole module."""

from __future__ import annotations

import os

import pytest

from harvester.sandbox import Sandbox

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--ignore-certificate-errors"]

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no Chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def sbx():
    with Sandbox(delay_scale=0, sites=["sc-sichuan", "ha-dengfeng", "hi-haikou", "gd-guangdong",
                                       "zj-jiaxing"]) as s:
        yield s


@pytest.fixture(scope="module")
def browser(sbx):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, proxy={"server": sbx.proxy_url})
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(ignore_https_errors=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()


def _hrefs(page, selector):
    page.wait_for_selector(selector, timeout=20000)
    return page.eval_on_selector_all(selector, "els => els.map(e => e.href)")


def test_chromium_passes_the_412_wall(sbx, page):
    t = sbx.truth.site("sc-sichuan")
    first = page.goto(t["columns"][0])
    assert first.status == 412
    hrefs = _hrefs(page, "ul.list li a")                  # written by the list's own scripts
    assert len(hrefs) == 6 and all(h.startswith(t["columns"][0]) for h in hrefs)
    log = [r for r in sbx.request_log.snapshot() if r["url"] == t["columns"][0]]
    assert [r["status"] for r in log][:2] == [412, 200]
    names = {c["name"] for c in page.context.cookies()}
    prefix = sbx.portal("sc-sichuan").wall.prefix
    assert {prefix + "S", prefix + "T"} <= names
    e = next(r for r in t["reports"] if r["url"] in hrefs)
    page.goto(e["url"])                                    # the cookie holds for the next page
    assert e["list_title"] in page.title()


def test_chromium_passes_the_521_wall(sbx, page):
    t = sbx.truth.site("ha-dengfeng")
    first = page.goto(t["columns"][0])
    assert first.status == 521
    hrefs = _hrefs(page, "div.list a")
    assert len(hrefs) == 4 and all("/info/1021/" in h for h in hrefs)
    log = [r["status"] for r in sbx.request_log.snapshot() if r["url"] == t["columns"][0]]
    assert log[:3] == [521, 521, 200]
    cookie = next(c for c in page.context.cookies() if c["name"] == "__jsl_clearance_s")
    assert cookie["domain"].lstrip(".") == "www.dengfeng.gov.cn"       # scoped to its host
    assert "|0|" in cookie["value"]


def test_chromium_draws_the_js_array_list(sbx, page):
    t = sbx.truth.site("hi-haikou")
    page.goto(t["columns"][0])
    hrefs = _hrefs(page, "#listBox a")
    listed = {r["url"] for r in t["reports"] + t["non_reports"]}
    assert len(hrefs) == 6 and set(hrefs) <= listed
    pager = _hrefs(page, "#pageBox a")
    assert any(h.endswith("cur_page=2") for h in pager)


def test_chromium_reads_gkmlpt(sbx, page):
    t = sbx.truth.site("gd-guangdong")
    page.goto(t["columns"][0])                             # /gkmlpt/index#2806
    hrefs = _hrefs(page, "#list a")
    assert len(hrefs) == 10 and all("/gkmlpt/content/" in h for h in hrefs)
    e = next(r for r in t["reports"] if r["format"] == "2021")
    page.goto(e["url"])
    page.wait_for_selector("#content table")
    assert page.inner_text("#title") == e["list_title"]
    assert page.eval_on_selector_all("#content table", "t => t.length") >= 3


def test_chromium_pages_a_jcms_column(sbx, page):
    t = sbx.truth.site("zj-jiaxing")
    page.goto(t["columns"][0])
    first = _hrefs(page, ".default_pgContainer a")
    assert len(first) == 5
    for _ in range(3):
        page.click("text=下一页")
    page.wait_for_function("document.querySelector('.default_pgToolbar').textContent.indexOf('4/') >= 0")
    fourth = page.eval_on_selector_all(".default_pgContainer a", "els => els.map(e => e.href)")
    assert len(fourth) == 5
    posts = [r for r in sbx.request_log.snapshot() if r["method"] == "POST" and "dataproxy.jsp" in r["url"]]
    assert posts and "startrecord=16&endrecord=30&perpage=5" in posts[0]["url"]
