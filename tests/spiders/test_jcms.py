"""大汉 JCMS (spec/portals.md): embedded datastore XML, the jpage pager, POSTs to dataproxy.jsp."""

from pathlib import Path
from urllib.parse import unquote_plus

import scrapy
from scrapy.http import HtmlResponse, XmlResponse

import spider_helpers
from spiders.families.jcms import JCMSSpider, groups, jpage_configs, proxy_form

PAGES = Path(__file__).parent / "pages"
HOST = "http://www.jcms.example.gov.cn"
COLUMN = HOST + "/col/col30067/index.html"
PROXY = HOST + "/module/web/jpage/dataproxy.jsp"
FORM = ("col=1&appid=1&webid=60&path=%2F&columnid=30067&sourceContentType=1&unitid=49468"
        "&webname=%E6%9F%90%E6%9F%90%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0")


def make_spider(**kwargs):
    return spider_helpers.make_spider(JCMSSpider, HOST + "/", agency="某某市人民政府", province="某某省", level="prefecture", **kwargs)


def column_page(spider, name="jcms_column.html", url=COLUMN):
    request = spider.column_request(url)
    return HtmlResponse(url, body=(PAGES / name).read_bytes(), request=request)


def proxy_answer(spider, url, name):
    request = spider.column_request(url, column=COLUMN)
    return XmlResponse(url, body=(PAGES / name).read_bytes(), request=request,
                       headers={"Content-Type": "text/xml;charset=UTF-8"})


def reports(entries):
    return [e for e in entries if "/art/" in e["url"]]


def test_embedded_datastore_records_title_attribute_first():
    spider = make_spider()
    entries = reports(spider.list_entries(column_page(spider)))
    assert entries == [
        {"url": HOST + "/art/2024/1/25/art_30067_3012345.html",
         "title": "某某市人民政府2023年政府信息公开工作年度报告", "published": "2024-01-25"},
        {"url": HOST + "/art/2024/1/20/art_30067_3011002.html",
         "title": "某某市发展和改革委员会2023年政府信息公开工作年度报告", "published": "2024-01-20"},
        {"url": HOST + "/art/2024/1/18/art_30067_3010877.html",
         "title": "关于报送2023年政府信息公开工作年度报告的通知", "published": "2024-01-18"},
        {"url": HOST + "/art/2024/art_9f3c2d8e1a4b4c6d8e0f1a2b3c4d5e6f.html",
         "title": "某某市教育局2023年政府信息公开工作年度报告", "published": "2024-01-16"},
    ]


def test_jpage_pager_becomes_the_exact_post_requests():
    spider = make_spider()
    pages = spider.page_urls(column_page(spider))
    # totalRecord 10, perPage 2 x groupSize 2 = groups of 4; records 1-4 are embedded.
    assert pages == [PROXY + "?startrecord=5&endrecord=8&perpage=2", PROXY + "?startrecord=9&endrecord=12&perpage=2"]
    for url in pages:
        request = spider.column_request(url, column=COLUMN)
        assert isinstance(request, scrapy.FormRequest)
        assert request.method == "POST" and request.url == url
        assert request.body.decode() == FORM
        assert request.headers["X-Requested-With"] == b"XMLHttpRequest"
        assert request.headers["Referer"] == COLUMN.encode()
        assert request.headers["Content-Type"] == b"application/x-www-form-urlencoded"
        assert request.meta["column"] == COLUMN and request.callback == spider.parse_column


def test_parse_column_yields_reports_and_groups():
    spider = make_spider()
    out = list(spider.parse_column(column_page(spider)))
    reports_asked = [r.url for r in out if r.callback == spider.parse_report]
    assert reports_asked == [HOST + "/art/2024/1/25/art_30067_3012345.html",
                             HOST + "/art/2024/1/20/art_30067_3011002.html",
                             HOST + "/art/2024/art_9f3c2d8e1a4b4c6d8e0f1a2b3c4d5e6f.html"]  # the 通知 is no report
    posts = [(r.method, r.url, r.body.decode()) for r in out if r.callback == spider.parse_column and r.method == "POST"]
    assert posts == [("POST", PROXY + "?startrecord=5&endrecord=8&perpage=2", FORM),
                     ("POST", PROXY + "?startrecord=9&endrecord=12&perpage=2", FORM)]


def test_group_repeating_the_boundary_record_is_deduplicated():
    spider = make_spider()
    list(spider.list_entries(column_page(spider)))
    pages = spider.page_urls(column_page(spider))
    answer = proxy_answer(spider, pages[0], "jcms_proxy_5_8.xml")
    assert list(spider.list_entries(answer)) == [
        # 教育局 (record 4, the boundary) is repeated first in this group: listed once only
        {"url": HOST + "/art/2023/1/30/art_30067_2876543.html",
         "title": "某某市人民政府2022年政府信息公开工作年度报告", "published": "2023-01-30"},
        {"url": HOST + "/art/2023/1/28/art_30067_2875001.html",
         "title": "某某市财政局2022年政府信息公开工作年度报告", "published": "2023-01-28"},
        {"url": HOST + "/art/2023/1/12/art_30067_2870010.html",
         "title": "2022年度政府信息公开工作报告编写培训会召开", "published": "2023-01-12"},
    ]
    # the answer's own pager: the same groups (its <nextgroup> GET link is not followed)
    assert spider.page_urls(answer) == pages


def test_answer_with_a_larger_total_adds_groups():
    spider = make_spider()
    list(spider.list_entries(column_page(spider)))
    pages = spider.page_urls(column_page(spider))
    answer = proxy_answer(spider, pages[1], "jcms_proxy_9_12.xml")  # <totalrecord>13</totalrecord>
    entries = list(spider.list_entries(answer))
    assert [e["url"] for e in entries] == [HOST + "/art/2023/1/12/art_30067_2870010.html",
                                           HOST + "/art/2022/1/27/art_30067_2650123.html",
                                           HOST + "/art/2021/1/29/art_30067_2401234.html"]
    assert spider.page_urls(answer) == pages + [PROXY + "?startrecord=13&endrecord=16&perpage=2"]
    assert spider.column_request(PROXY + "?startrecord=13&endrecord=16&perpage=2", column=COLUMN).body.decode() == FORM


def test_incremental_mode_reads_one_group_after_another():
    spider = make_spider(known={HOST + "/art/2020/1/1/art_30067_1.html": {}})
    out = list(spider.parse_column(column_page(spider)))
    posts = [r.url for r in out if r.method == "POST"]
    assert posts == [PROXY + "?startrecord=5&endrecord=8&perpage=2"]
    answer = proxy_answer(spider, posts[0], "jcms_proxy_5_8.xml")
    posts = [r.url for r in spider.parse_column(answer) if r.method == "POST"]
    assert posts == [PROXY + "?startrecord=9&endrecord=12&perpage=2"]


def test_older_init_data_array_and_other_proxy_path():
    spider = make_spider()
    url = "http://www.old.example.gov.cn/col/col1229/index.html"
    page = column_page(spider, "jcms_column_initdata.html", url)
    assert reports(spider.list_entries(page)) == [
        {"url": "http://www.old.example.gov.cn/art/2019/1/31/art_1229_562388.html",
         "title": "某某县2018年政府信息公开工作年度报告", "published": "2019-01-31"},
        {"url": "http://www.old.example.gov.cn/art/2018/2/2/art_1229_470011.html",
         "title": "某某县2017年政府信息公开工作年度报告", "published": "2018-02-02"},
        {"url": "http://www.old.example.gov.cn/art/2017/3/30/art_1229_380120.html",
         "title": "某某县2016年政府信息公开年度报告", "published": "2017-03-30"},
    ]
    assert spider.page_urls(page) == []  # totalRecord 3: all embedded, no proxy request


def test_more_records_than_embedded_go_to_the_other_proxy_path():
    spider = make_spider()
    url = "http://www.old.example.gov.cn/col/col1229/index.html"
    html = (PAGES / "jcms_column_initdata.html").read_text().replace("totalRecord:3,", "totalRecord:60,")
    page = HtmlResponse(url, body=html.encode(), request=spider.column_request(url))
    pages = spider.page_urls(page)
    proxy = "http://www.old.example.gov.cn/module/jslib/jquery/jpage/dataproxy.jsp"
    assert pages == [proxy + "?startrecord=1&endrecord=45&perpage=15", proxy + "?startrecord=46&endrecord=90&perpage=15"]
    body = spider.column_request(pages[0], column=url).body.decode()
    assert unquote_plus(body) == ("col=1&appid=1&webid=12&path=/&columnid=1229&sourceContentType=1&unitid=3871"
                                  "&webname=某某县人民政府&permissiontype=0")


def test_spec_pager_and_form():
    script = ("$('#49468').jpage({totalRecord:1418, perPage:25, groupSize:3, "
              "proxyUrl:'/module/web/jpage/dataproxy.jsp', ajaxParam:{col:1, appid:'1', webid:60, path:'/', "
              "columnid:30067, unitid:'49468', webname:'某某市', permissiontype:0}})")
    (config,) = jpage_configs(script)
    assert (config["totalRecord"], config["perPage"], config["groupSize"]) == ("1418", "25", "3")
    assert config["proxyUrl"] == "/module/web/jpage/dataproxy.jsp"
    assert list(proxy_form(config["ajaxParam"]).items()) == [
        ("col", "1"), ("appid", "1"), ("webid", "60"), ("path", "/"), ("columnid", "30067"),
        ("sourceContentType", "1"), ("unitid", "49468"), ("webname", "某某市"), ("permissiontype", "0")]


def test_groups_are_aligned_like_the_plugin():
    assert groups(100, 15, 3, embedded=45) == [(46, 90), (91, 135)]
    assert groups(100, 15, 3, embedded=0) == [(1, 45), (46, 90), (91, 135)]
    assert groups(100, 15, 3, embedded=15) == [(1, 45), (46, 90), (91, 135)]  # re-asks, deduped by URL
    assert groups(45, 15, 3, embedded=45) == []
    assert groups(1418, 25, 3, embedded=75)[:2] == [(76, 150), (151, 225)]
    assert len(groups(1418, 25, 3, embedded=75)) == 18


def test_get_paging_through_nextgroup_without_a_pager():
    spider = make_spider()
    html = (PAGES / "jcms_column.html").read_text()
    html = html[:html.index("<script language=\"javascript\">$('#49468')")] + "</div></body></html>"
    page = HtmlResponse(COLUMN, body=html.encode(), request=spider.column_request(COLUMN))
    (url,) = spider.page_urls(page)
    assert url.startswith(PROXY + "?page=1&webid=60&path=/&columnid=30067&unitid=49468")
    request = spider.column_request(url, column=COLUMN)
    assert request.method == "GET"


def test_recognizes_jcms_and_never_a_browser():
    html = (PAGES / "jcms_column.html").read_text()
    assert JCMSSpider.recognizes(COLUMN, html)
    assert JCMSSpider.recognizes("http://x/zwgk/list.html", html)
    assert JCMSSpider.recognizes("http://x/col/col1/index.html", "<html></html>")
    assert not JCMSSpider.recognizes("http://x/xxgk/xxgknb.htm", (PAGES / "vsb_list_p2.html").read_text())
    spider = make_spider()
    assert spider.wants_browser(column_page(spider), [], [], []) is False
