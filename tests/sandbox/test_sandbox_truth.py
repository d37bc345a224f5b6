"""The truth against the pages: every page it names is served and shows what it says."""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from harvester.sandbox import truth as truth_mod
from harvester.sandbox.checks import report_failures
from harvester.sandbox.render import STYLES, render_report
from sandbox_helpers import (SHARED, cell_numbers, decode, expected_numbers, fetch,  # noqa: F401
                             report_html, sb)

GOLDEN = SHARED / "golden" / "seeds.json"


def test_load_matches_a_running_sandbox(sb):
    assert truth_mod.load().to_dict() == sb.truth.to_dict()


def test_counts_and_variety(sb):
    t = sb.truth
    for sid, site in t.sites.items():
        years = {r["year"] for r in site["reports"]}
        assert {2019, 2020, 2021, 2022, 2023}.issubset(years) or sid == "gx-guigang", sid
        formats = Counter(r["format"] for r in site["reports"])
        assert formats["2021"] and formats["2019"], sid
        assert site["non_reports"], sid
        assert len(site["list_pages"]) >= 3, sid
    kinds = {n["kind"] for n in t.non_reports}
    assert {"notice", "graphic", "work_points", "budget"} <= kinds
    styles = {r["style"] for r in t.reports}
    assert set(STYLES) <= styles
    failing = [r for r in t.reports if not r["balanced"]]
    assert 2 <= len(failing) <= max(6, len(t.reports) // 15)   # most consistent, a few failing on purpose
    assert any(r["format"] == "legacy" for r in t.reports)


@pytest.mark.skipif(not GOLDEN.exists(), reason="shared/golden/seeds.json not beside the repo")
def test_seed_pages_carry_the_golden_values(sb):
    golden = json.loads(GOLDEN.read_text("utf-8"))
    for name, g in golden.items():
        e = sb.truth.by_seed(name)
        assert e is not None, name
        for k, v in g.items():
            assert e[k] == v, (name, k)


def test_every_report_page_is_served_and_shows_its_values(sb):
    for e in sb.truth.reports:
        for url in [e["url"], *e["mirrors"]]:
            st, h, body = fetch(sb, url)
            assert st == 200, url
            html = report_html(decode(h, body))
            nums = cell_numbers(html)
            exp = expected_numbers(e)
            copies = 2 if e["mirrored_copy_in_page"] else 1
            assert nums == exp * copies, url
            if e["published"]:
                assert e["published_shown"] in html, url
            if e["title"] and e["seed"] != "001_40557ee451f0a4f2.txt":
                assert e["title"] in html, url
        assert e["check_failures"] == report_failures(
            {k: e[k] for k in ("active_disclosure", "applications", "reviews_litigation")},
            e["format"])


def test_every_non_report_page_is_served(sb):
    for n in sb.truth.non_reports:
        for url in [n["url"], *n["mirrors"]]:
            st, h, body = fetch(sb, url)
            assert st == 200, url
            if sb.portals[n["site_id"]].cfg.get("show_title", True):
                assert n["title"] in decode(h, body)


def _links(base_url: str, text: str) -> set[str]:
    """Every address a page names: anchors, script-written lists (var url, window.open, JS
    arrays), JCMS records, gkmlpt JSON and the article body gkmlpt keeps in its script."""
    text = report_html(text).replace("\\/", "/")
    hrefs = re.findall(r'href\s*=\s*"([^"]+)"', text) + re.findall(r"href\s*=\s*'([^']+)'", text)
    hrefs += re.findall(r'var url = "([^"]+)"', text)               # script-written lists
    hrefs += re.findall(r'<img[^>]+src="([^"]+)"', text)
    hrefs += re.findall(r"window\.open\('([^']+)'\)", text)
    hrefs += re.findall(r'"(?:aU|url|post_url)"\s*:\s*"([^"]+)"', text)
    out = set()
    for h in hrefs:
        h = h.replace("&amp;", "&")
        if h.startswith(("javascript:", "#", "mailto:")) or re.search(r'[\s"+]', h):
            continue
        out.add(urljoin(base_url, h).split("#")[0])
    return out


def _beyond_trap(site: dict, url: str) -> bool:
    """A page an endless pager offers past its last page plus one: not worth following."""
    for trap in site["traps"]:
        if trap["kind"] == "endless_pager":
            m = re.search(rf"[?&]{trap['param']}=(\d+)", url)
            if m and url.startswith(trap["column_url"]) and int(m.group(1)) > trap["last_page"] + 1:
                return True
    return False


def test_site_graph_is_whole(sb):
    """From the homepage and the column pages, every link on the portal answers (except the
    broken links the truth names), and every page of the truth is reached."""
    t = sb.truth
    for sid, site in t.sites.items():
        host = site["host"]
        seen, queue, statuses = set(), [site["homepage"], *site["list_pages"]], {}
        while queue:
            u = queue.pop()
            if u in seen:
                continue
            seen.add(u)
            st, h, body = fetch(sb, u)
            statuses[u] = st
            ctype = h.get("Content-Type", "")
            if st == 200 and any(x in ctype for x in ("text/html", "text/xml", "json")):
                base = u
                m = re.search(r"[?&]columnid=(\d+)", u)
                if "text/xml" in ctype and m:   # JCMS records land in the column page: relative to it
                    base = urljoin(u, f"/col/col{m.group(1)}/index.html")
                for link in _links(base, decode(h, body)):
                    if urlsplit(link).hostname == host and link not in seen \
                            and not _beyond_trap(site, link):
                        queue.append(link)
        broken = {b["url"]: b["status"] for b in site["broken"]}
        for u, st in statuses.items():       # (a host serving both schemes: the same pages)
            u = urlsplit(u)._replace(scheme=site["scheme"]).geturl()
            assert st == broken.get(u, 200), (u, st)
        for e in site["reports"] + site["non_reports"]:
            linked = [s["url"] for s in e["sources"] if s["site_id"] == sid and s["linked"]]
            assert any(u in seen for u in linked), e["url"]
            for m in e["mirrors"]:
                assert m in seen, m
        assert set(broken) <= seen


# --- the seeds' peculiarities -------------------------------------------------------------------
def _page(sb, seed):
    e = sb.truth.by_seed(seed)
    st, h, body = fetch(sb, e["url"])
    return e, decode(h, body)


def test_liunan_prints_the_report_twice(sb):
    e, html = _page(sb, "002_3a633730e86d03e4.txt")
    assert e["url"].endswith("/xxgk/zfxxgknb/t19700101_3441457.shtml")
    assert html.count("本年度的统计数据期限为2023年1月1日至2023年12月31日") == 2
    assert html.count("<table") == 6


def test_guigang_seed_page_has_no_title_line_and_no_date(sb):
    e, html = _page(sb, "001_40557ee451f0a4f2.txt")
    assert e["url"] == "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/ggsrmzf/t11369142.shtml"
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//h1") and 'name="PubDate"' not in html and "发布日期" not in html
    assert "现公布贵港市2021年政府信息公开工作年度报告" in html
    assert 'class="MsoNormalTable"' in html
    assert e["published"] is None and e["title"] == "贵港市2021年政府信息公开工作年度报告"


def test_bbwb_seed_keeps_its_lost_digits(sb):
    e, html = _page(sb, "000_3d7541172e71114f.txt")
    assert "统计时间为202211日至20221231日" in html
    assert '<meta name="PubDate" content="2023-01-31 16:10">' in html


def test_xianning_seed_and_its_app_twin(sb):
    e, html = _page(sb, "003_5ddfc993aefd2777.txt")
    assert e["url"] == "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml"
    assert e["mirrors"] == ["http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559_app.shtml"]
    assert '<a href="./t20230128_2941559_app.shtml" target="_blank">./t20230128_2941559_app.shtml</a>' in html
    assert "相关文档" in html and "来源:市政务服务和大数据管理局 日期:2023-01-28" in html
    st, h, body = fetch(sb, e["mirrors"][0])
    twin = decode(h, body)
    assert "相关文档" not in twin and "市政务服务和大数据管理局" in twin
    assert cell_numbers(twin) == cell_numbers(html)


def test_jkq_seed_types_values_once_into_merged_cells(sb):
    e, html = _page(sb, "004_ff9a0c07383247a0.txt")
    assert e["url"] == "https://jkq.xining.gov.cn/index.php?c=show&id=115"
    assert e["title"] is None and e["published"] is None
    doc = lxml.html.fromstring(html)
    rows = {tr.xpath("string(td[1])").strip(): tr for tr in doc.iter("tr")}
    merged = rows["一、本年新收政府信息公开申请数量"].xpath("td")
    assert [c.get("colspan") for c in merged] == ["3", "7"] and merged[1].text_content() == "0"
    assert len(rows["2.其他法律行政法规禁止公开"].xpath("td")) == 1      # a row with no value cells
    assert e["applications"]["new_received"]["commercial_enterprise"] is None


def test_liunan_table_as_image(sb):
    imgs = [r for r in sb.truth.reports if "table 3 only as an image" in r["notes"]]
    assert len(imgs) == 1 and imgs[0]["applications"] is None
    st, h, body = fetch(sb, imgs[0]["url"])
    src = re.search(r'<img src="([^"]+)"', decode(h, body).split("三、收到和处理")[1]).group(1)
    st, h, img = fetch(sb, urljoin(imgs[0]["url"], src))
    assert st == 200 and img.startswith(b"\x89PNG")


# --- render.py on its own ----------------------------------------------------------------------
@pytest.mark.parametrize("style", STYLES)
def test_render_styles_carry_the_values(sb, style):
    for e in sb.truth.reports:
        if e["format"] == "legacy" or e["applications"] is None:
            continue
        html = render_report({**e, "prose": {}, "render": {}}, style=style)
        assert cell_numbers(html) == expected_numbers(e)
        labels = ("本年新制作数量", "处理决定数量", "政府集中采购") if e["format"] == "2019" else (
            "本年制发件数", "本年处理决定数量", "（单位：万元）")
        for lab in labels + ("申请人情况", "结转下年度继续办理", "复议后起诉"):
            assert lab in html, (style, lab)
    html = render_report({**sb.truth.reports[0], "prose": {}, "render": {}}, style="thead")
    assert "<thead>" in html and "<th" in html
    for e in sb.truth.reports[:12]:
        if e["format"] != "legacy" and e["applications"] is not None:   # tables printed as tables
            html = render_report({**e, "prose": {}, "render": {}}, style="split")
            assert html.count("<table") == (8 if e["format"] == "2019" else 7)   # 4|5 + 2 + 1


def test_not_applicable_cells_are_null(sb):
    e = next(r for r in sb.truth.reports if r["agency"] == "贵港市财政局" and r["year"] == 2023)
    assert e["active_disclosure"]["rules"] == {"issued": None, "repealed": None, "in_force": None}
    st, h, body = fetch(sb, e["url"])
    doc = lxml.html.fromstring(decode(h, body))
    row = next(tr for tr in doc.iter("tr") if tr.xpath("string(td[1])").strip() == "规章")
    assert [td.text_content().strip() for td in row.xpath("td")][1:] == ["/", "/", "/"]
