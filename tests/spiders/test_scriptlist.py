"""Lists written by script (spec/portals.md): TRS inline `var url = ...; title = ...`, the
`var itemObj=[{"aT", "aPd", "aU"}]` array, and lists only a browser renders (asked once more
through the browser: the `wants_browser` hook proposed for spiders/base.py)."""

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

import spiders.base as base
import spider_helpers
from spiders.base import ReportSpider
from spiders.families.scriptlist import (ScriptListMixin, ScriptListSpider, balanced, inline_entries, js_literal,
                                         js_to_json, js_unescape, script_entries)
from spiders.families.trs import TRSSpider

PAGES = Path(__file__).parent / "pages"
TRS_LIST = "http://www.script.example.gov.cn/zfxxgk/zfxxgknb/index.shtml"
ITEM_LIST = "http://www.itemobj.example.gov.cn/zwgk/zfxxgknb/index.html"
JS_LIST = "http://www.b.example.gov.cn/zwgk/zfxxgknb/index.html"

needs_patch = pytest.mark.skipif(not hasattr(ReportSpider, "wants_browser"),
                                 reason="spiders/base.py without the proposed patch (/tmp/base_patch.diff)")


def make_spider(**kwargs):
    return spider_helpers.make_spider(ScriptListSpider, "http://www.script.example.gov.cn/", agency="某某市人民政府", province="某某省", level="prefecture", **kwargs)


def page(spider, url, name, **meta):
    request = spider.column_request(url)
    if meta:
        request = request.replace(meta=dict(request.meta, **meta))
    return HtmlResponse(url, body=(PAGES / name).read_bytes(), request=request)


def reports(spider, response):
    return [e for e in spider.list_entries(response) if spider.wants(e["title"])]


def test_trs_inline_records_in_either_order_and_written_anchors():
    spider = make_spider()
    assert reports(spider, page(spider, TRS_LIST, "scriptlist_trs_inline.html")) == [
        {"url": "http://www.script.example.gov.cn/zfxxgk/zfxxgknb/202602/t20260214_2730572.shtml",
         "title": "某某市人民政府2025年政府信息公开工作年度报告", "published": "2026-02-14"},
        {"url": "http://www.script.example.gov.cn/zfxxgk/zfxxgknb/202602/t20260210_2729911.shtml",
         "title": "某某市司法局2025年政府信息公开工作年度报告", "published": "2026-02-10"},
        # title first, then url
        {"url": "http://www.script.example.gov.cn/zfxxgk/bmxxgknb/202601/t20260128_2725001.shtml",
         "title": "某某市统计局2025年政府信息公开工作年度报告", "published": "2026-01-28"},
        # document.write with a literal address: the title attribute wins
        {"url": "http://www.script.example.gov.cn/zfxxgk/zfxxgknb/202601/t20260120_2721234.shtml",
         "title": "某某市审计局2025年政府信息公开工作年度报告", "published": "2026-01-20"},
    ]


def test_several_records_in_one_script():
    script = ('var url = "./202602/t1.shtml"; var title = "甲2025年政府信息公开工作年度报告"; var date="2026-02-14";\n'
              'var url = "./202601/t2.shtml"; var title = "乙2025年政府信息公开工作年度报告"; var date="2026-01-02";\n'
              'url = "http://x/" + url.substring(2);')
    assert list(inline_entries(script, "http://x/nb/")) == [
        {"url": "http://x/nb/202602/t1.shtml", "title": "甲2025年政府信息公开工作年度报告", "published": "2026-02-14"},
        {"url": "http://x/nb/202601/t2.shtml", "title": "乙2025年政府信息公开工作年度报告", "published": "2026-01-02"}]


def test_title_first_records_whose_write_repeats_the_title_attribute():
    script = ("var title = \"甲2025年政府信息公开工作年度报告\"; var url = \"./t1.shtml\";\n"
              "document.writeln(\"<a href='\"+url+\"' title='\"+title+\"'>\"+title+\"</a>\");\n"
              "var title = \"乙2025年政府信息公开工作年度报告\"; var url = \"./t2.shtml\";\n"
              "document.writeln(\"<a href='\"+url+\"' title='\"+title+\"'>\"+title+\"</a>\");")
    assert [(e["url"], e["title"]) for e in inline_entries(script, "http://x/nb/")] == [
        ("http://x/nb/t1.shtml", "甲2025年政府信息公开工作年度报告"),
        ("http://x/nb/t2.shtml", "乙2025年政府信息公开工作年度报告")]


def test_item_obj_array():
    spider = make_spider()
    assert list(spider.list_entries(page(spider, ITEM_LIST, "scriptlist_itemobj.html"))) == [
        {"url": "http://www.itemobj.example.gov.cn/zwgk/zfxxgknb/content_1234567.html",
         "title": "某某县人民政府2025年政府信息公开工作年度报告", "published": "2026-09-21"},
        {"url": "http://www.itemobj.example.gov.cn/zwgk/zfxxgknb/content_1234001.html",
         "title": "某某县农业农村局2025年政府信息公开工作年度报告", "published": "2026-01-30"},
        {"url": "http://www.itemobj.example.gov.cn/zwgk/tzgg/content_1200001.html",
         "title": "关于做好2025年政府信息公开工作年度报告编制工作的通知", "published": "2025-12-01"},
    ]


def test_item_obj_written_as_js_with_single_quotes():
    script = "var itemObj=[{aT:'某县2025年政府信息公开工作年度报告',aPd:'2026-01-05 10:00',aU:'./c1.html',},];"
    assert script_entries([script], "http://x/nb/") == [
        {"url": "http://x/nb/c1.html", "title": "某县2025年政府信息公开工作年度报告", "published": "2026-01-05"}]


def test_js_literal_helpers():
    text = "x = {a: 'it\\'s', \"b\": [1, 2,], c: true, d: undefined, /* note */ e: '\\u5e74\\u62a5'};"
    obj = balanced(text, text.index("{"))
    assert obj.endswith("'\\u5e74\\u62a5'}")
    assert js_literal(obj) == {"a": "it's", "b": [1, 2], "c": True, "d": None, "e": "年报"}
    assert js_to_json("[{k: 'v'}]") == '[{"k": "v"}]'
    assert js_unescape("<\\/p>\\x41\\ud83d\\ude00") == "</p>A\U0001F600"
    assert balanced("{ 'a}' : [ ] ", 0) is None


def test_recognizes():
    assert ScriptListSpider.recognizes(ITEM_LIST, (PAGES / "scriptlist_itemobj.html").read_text())
    assert ScriptListSpider.recognizes(TRS_LIST, (PAGES / "scriptlist_trs_inline.html").read_text())
    assert not ScriptListSpider.recognizes(JS_LIST, (PAGES / "scriptlist_browser_only.html").read_text())


@needs_patch
def test_list_only_a_browser_renders_is_asked_once_more_through_it():
    spider = make_spider()
    response = page(spider, JS_LIST, "scriptlist_browser_only.html")
    (request,) = list(spider.parse_column(response))
    assert request.url == JS_LIST and request.meta["playwright"] is True and request.dont_filter
    assert request.callback == spider.parse_column and request.meta["column"] == JS_LIST
    assert spider.crawler.stats.get_value("harvester/browser_lists") == 1


@needs_patch
def test_the_browser_answer_is_read_never_retried():
    spider = make_spider()
    rendered = page(spider, JS_LIST, "scriptlist_browser_rendered.html", playwright=True)
    out = list(spider.parse_column(rendered))
    assert not any(r.meta.get("playwright") for r in out)
    # rows opened by onclick="window.open('../...')": the patch's link helper
    assert [r.url for r in out if r.callback == spider.parse_report] == [
        "http://www.b.example.gov.cn/zwgk/zfxxgknb/2026/0131/c1234.html",
        "http://www.b.example.gov.cn/zwgk/zfxxgknb/2025/0125/c1100.html"]
    assert [r.meta["entry"]["title"] for r in out if r.callback == spider.parse_report] == [
        "某某县2025年政府信息公开工作年度报告", "某某县2024年政府信息公开工作年度报告"]
    assert [r.meta["entry"]["published"] for r in out if r.callback == spider.parse_report] == [
        "2026-01-31", "2025-01-25"]


@needs_patch
def test_a_page_with_report_links_needs_no_browser():
    spider = make_spider()
    for url, name in ((TRS_LIST, "scriptlist_trs_inline.html"), (ITEM_LIST, "scriptlist_itemobj.html")):
        assert not any(r.meta.get("playwright") for r in spider.parse_column(page(spider, url, name)))
    no_scripts = HtmlResponse(JS_LIST, body="<html><body><p>暂无信息</p></body></html>".encode(),
                              request=spider.column_request(JS_LIST))
    assert list(spider.parse_column(no_scripts)) == []


@needs_patch
def test_link_helpers():
    resolve, link_target = base.resolve, base.link_target
    assert resolve("http://x/xxgk/xxgknb.htm", "../../../info/1103/7719.htm") == "http://x/info/1103/7719.htm"
    assert resolve("http://x/a/", "http://x/a/b/../../info/1.htm") == "http://x/info/1.htm"
    assert resolve("http://x/a/b.htm", "..\\info\\1.htm") == "http://x/info/1.htm"
    assert resolve("http://x/a/b.htm", "./c.htm?id=1") == "http://x/a/c.htm?id=1"
    from parsel import Selector

    def first(html):
        return Selector(text=html).xpath("//body/*")[0]

    assert link_target(first("<a href=\"javascript:void(0)\" onclick=\"window.open('../info/1.htm')\">x</a>")) == "../info/1.htm"
    assert link_target(first("<a href=\"javascript:window.open('/art/1.html')\">x</a>")) == "/art/1.html"
    assert link_target(first("<li onclick=\"location.href='t1.shtml'\">x</li>")) == "t1.shtml"
    assert link_target(first("<a href=\"javascript:void(0)\">x</a>")) is None


@pytest.mark.skipif(not issubclass(TRSSpider, ScriptListMixin),
                    reason="spiders/families/trs.py without the proposed patch (/tmp/trs_patch.diff)")
def test_trs_family_reads_script_lists_too():
    spider = TRSSpider(site="trs-test")
    spider.site, spider.years = make_spider().site, set()
    found = [e["url"] for e in spider.list_entries(page(spider, TRS_LIST, "scriptlist_trs_inline.html"))
             if spider.wants(e["title"])]
    assert [u.rsplit("/", 1)[-1] for u in found] == [
        "t20260214_2730572.shtml", "t20260210_2729911.shtml", "t20260128_2725001.shtml", "t20260120_2721234.shtml"]
