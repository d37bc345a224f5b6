"""博达 VSB (spec/portals.md): /{slug}.htm then /{slug}/{N}.htm counting down, `共N条 P/M`."""

from pathlib import Path

from scrapy.http import HtmlResponse, Request

import spider_helpers
from spiders.families.vsb import VSBSpider, list_pages, pager_position

PAGES = Path(__file__).parent / "pages"
HOST = "http://www.vsb.example.gov.cn"
FIRST = HOST + "/xxgk/xxgknb.htm"
SECOND = HOST + "/xxgk/xxgknb/2.htm"
LAST = HOST + "/xxgk/xxgknb/1.htm"


def make_spider(**kwargs):
    return spider_helpers.make_spider(VSBSpider, HOST + "/", agency="某某县人民政府", province="某某省", level="county", **kwargs)


def page(spider, url, name=None, body=None):
    return HtmlResponse(url, body=body if body is not None else (PAGES / name).read_bytes(),
                        request=spider.column_request(url, column=FIRST))


def reports(spider, response):
    """Report-like links to articles (the breadcrumb's 信息公开年报 is the list itself)."""
    return [e for e in spider.list_entries(response) if spider.wants(e["title"]) and "/info/" in e["url"]]


def test_pager_text():
    assert pager_position("共1432条&nbsp;&nbsp;1/144&nbsp;".replace("&nbsp;", "\xa0")) == (1432, 1, 144)
    assert pager_position("共23条  2/3  首页 上页 下页 尾页") == (23, 2, 3)
    assert pager_position("共 5 条 每页10条 1/1") == (5, 1, 1)
    assert pager_position("第1页") is None


def test_pages_count_down():
    urls = list_pages("http://x.gov.cn/xxgk/xxgknb.htm", 1, 144)
    assert len(urls) == 144
    assert urls[:3] == ["http://x.gov.cn/xxgk/xxgknb.htm", "http://x.gov.cn/xxgk/xxgknb/143.htm",
                        "http://x.gov.cn/xxgk/xxgknb/142.htm"]
    assert urls[-1] == "http://x.gov.cn/xxgk/xxgknb/1.htm"  # page P of M is /{slug}/{M-P+1}.htm
    assert urls[9] == "http://x.gov.cn/xxgk/xxgknb/135.htm"  # page 10
    assert list_pages("http://x.gov.cn/xxgk/xxgknb/143.htm", 2, 144) == urls
    assert list_pages("http://x.gov.cn/xxgk/xxgknb.htm", 1, 1) == ["http://x.gov.cn/xxgk/xxgknb.htm"]


def test_first_page_gbk_entries_and_pages():
    spider = make_spider()
    first = page(spider, FIRST, "vsb_list_p1.html")
    assert first.encoding in ("gb18030", "gbk", "gb2312")
    assert reports(spider, first) == [
        {"url": HOST + "/info/1103/7719.htm", "title": "某某县人民政府2023年政府信息公开工作年度报告", "published": "2024-01-20"},
        {"url": HOST + "/info/1103/7715.htm", "title": "某某县教育局2023年政府信息公开工作年度报告", "published": "2024-01-18"},
        {"url": HOST + "/info/1103/7688.htm", "title": "某某县卫生健康局2023年度政府信息公开工作报告", "published": "2024-01-15"},
    ]  # the 图解 is no report
    assert spider.page_urls(first) == [FIRST, SECOND, LAST]


def test_later_page_links_two_levels_up():
    spider = make_spider()
    second = page(spider, SECOND, "vsb_list_p2.html")
    assert reports(spider, second) == [
        {"url": HOST + "/info/1103/6012.htm", "title": "某某县人民政府2021年政府信息公开工作年度报告", "published": "2022-01-25"},
        {"url": HOST + "/info/1103/6009.htm", "title": "某某县财政局2021年政府信息公开工作年度报告", "published": "2022-01-21"},
    ]
    assert spider.page_urls(second) == [FIRST, SECOND, LAST]


def test_parse_column_requests():
    spider = make_spider()
    out = list(spider.parse_column(page(spider, FIRST, "vsb_list_p1.html")))
    assert [r.url for r in out if r.callback == spider.parse_report] == [
        HOST + "/info/1103/7719.htm", HOST + "/info/1103/7715.htm", HOST + "/info/1103/7688.htm"]
    assert [r.url for r in out if r.callback == spider.parse_column] == [FIRST, SECOND, LAST]


def test_incremental_mode_follows_the_count_down():
    spider = make_spider(known={HOST + "/info/1103/1.htm": {}})
    out = list(spider.parse_column(page(spider, FIRST, "vsb_list_p1.html")))
    assert [r.url for r in out if r.callback == spider.parse_column] == [SECOND]
    out = list(spider.parse_column(page(spider, SECOND, "vsb_list_p2.html")))
    assert [r.url for r in out if r.callback == spider.parse_column] == [LAST]


def test_numeric_slug_first_page_is_told_by_the_pager():
    """/xxgk/1103.htm is page 1 (the pager says 1/3), not page 1103 of /xxgk/."""
    spider = make_spider()
    html = ('<html><body><ul><li><a href="../info/1103/7719.htm">某县2023年政府信息公开工作年度报告</a>'
            '<span>2024-01-20</span></li></ul><div>共25条&nbsp;&nbsp;1/3&nbsp;</div></body></html>')
    first = page(spider, HOST + "/xxgk/1103.htm", body=html.encode())
    assert spider.page_urls(first) == [HOST + "/xxgk/1103.htm", HOST + "/xxgk/1103/2.htm", HOST + "/xxgk/1103/1.htm"]
    html = html.replace("1/3", "2/3")
    second = page(spider, HOST + "/xxgk/1103/2.htm", body=html.encode())
    assert spider.page_urls(second) == [HOST + "/xxgk/1103.htm", HOST + "/xxgk/1103/2.htm", HOST + "/xxgk/1103/1.htm"]


def test_pager_link_fixes_the_slug_when_page_one_has_another_name():
    spider = make_spider()
    html = ('<html><body><div>共30条 1/3 <a href="xxgknb/2.htm">下页</a> <a href="xxgknb/1.htm">尾页</a></div>'
            '</body></html>')
    first = page(spider, HOST + "/xxgk/", body=html.encode())
    assert spider.page_urls(first) == [HOST + "/xxgk/", HOST + "/xxgk/xxgknb/2.htm", HOST + "/xxgk/xxgknb/1.htm"]


def test_without_pager_text_falls_back_to_next_links():
    spider = make_spider()
    html = '<html><body><a href="xxgknb/5.htm">下页</a></body></html>'
    assert spider.page_urls(page(spider, FIRST, body=html.encode())) == [HOST + "/xxgk/xxgknb/5.htm"]


def test_report_page_attachment_through_download_jsp():
    spider = make_spider()
    url = HOST + "/info/1103/7719.htm"
    entry = {"url": url, "title": "某某县人民政府2023年政府信息公开工作年度报告", "published": "2024-01-20"}
    response = HtmlResponse(url, body=(PAGES / "vsb_article.html").read_bytes(),
                            request=Request(url, meta={"entry": entry, "list_url": FIRST}))
    (item,) = list(spider.parse_report(response))
    assert item.attachments == [{
        "url": HOST + "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1418123456&wbfileid=9876543",
        "name": "某某县2023年政府信息公开工作年度报告.pdf"}]
    assert item.year == 2023 and item.published == "2024-01-20" and item.list_url == FIRST
    assert item.body == (PAGES / "vsb_article.html").read_bytes()


def test_recognizes():
    assert VSBSpider.recognizes(FIRST, (PAGES / "vsb_list_p1.html").read_bytes().decode("gb18030"))
    assert VSBSpider.recognizes(SECOND, (PAGES / "vsb_list_p2.html").read_text())
    assert VSBSpider.recognizes("u", '<div>共3条 1/1</div><a href="../info/1103/1.htm">x</a>')
    assert not VSBSpider.recognizes("http://x/col/col1/index.html", (PAGES / "jcms_column.html").read_text())
    assert not VSBSpider.recognizes("http://x/gkmlpt/index", (PAGES / "gkmlpt_index.html").read_text())
