"""广东 gkmlpt (spec/portals.md): _CONFIG.TREE, the JSON list API, DETAIL.content article pages."""

import json
from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse

from harvester.items import ReportPage
import spider_helpers
from harvester.report import parse, readable_html
from pipelines.parse import ParsePipeline
from spiders.families.gkmlpt import GkmlptSpider, detail, tree_categories

PAGES = Path(__file__).parent / "pages"
HOST = "http://www.gkmlpt.example.gov.cn"
INDEX = HOST + "/gkmlpt/index"
API = HOST + "/gkmlpt/api/all/721"
POST = HOST + "/gkmlpt/content/4/4312/post_4312345.html"


def make_spider(**kwargs):
    return spider_helpers.make_spider(GkmlptSpider, HOST + "/", agency="某某区人民政府", province="广东省", level="county", **kwargs)


def index_page(spider, url=INDEX):
    return HtmlResponse(url, body=(PAGES / "gkmlpt_index.html").read_bytes(), request=spider.column_request(url))


def api_page(spider, url, body):
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False).encode()
    elif isinstance(body, str):
        body = (PAGES / body).read_bytes()
    return TextResponse(url, body=body, headers={"Content-Type": "application/json;charset=UTF-8"},
                        request=spider.column_request(url, column=INDEX))


def test_index_finds_the_report_category_in_tree():
    spider = make_spider()
    index = index_page(spider)
    assert list(spider.list_entries(index)) == []  # a JS app: nothing to read as links
    # 政府信息公开年报 (721), not its children 区政府年报/部门年报 (the `all` list includes them)
    assert spider.page_urls(index) == [API + "?page=1&sid=755041"]


def test_hash_names_the_category_and_is_never_filtered():
    spider = make_spider()
    request = spider.column_request(INDEX + "#723")
    assert request.dont_filter is True  # #721 and #723 are one URL to the dupefilter
    index = HtmlResponse(INDEX + "#723", body=(PAGES / "gkmlpt_index.html").read_bytes(), request=request)
    assert spider.page_urls(index) == [HOST + "/gkmlpt/api/all/723?page=1&sid=755041"]


def test_tree_categories():
    tree = [{"id": 1, "name": "机构职能", "children": [{"id": 2, "name": "2023年度报告", "children": []}]},
            {"id": 3, "name": "年报", "children": [{"id": 4, "name": "部门年报"}]}]
    assert [n["id"] for n in tree_categories(tree)] == [2, 3]


def test_api_page_entries_and_next_page():
    spider = make_spider()
    first = api_page(spider, API + "?page=1&sid=755041", "gkmlpt_api_page1.json")
    assert list(spider.list_entries(first)) == [
        {"url": POST, "title": "某某区人民政府2023年政府信息公开工作年度报告", "published": "2024-01-25",
         "publisher": "某某区人民政府办公室", "document_number": None, "identifier": "007123456/2024-00012",
         "attachments": [{"url": HOST + "/attachment/0/512/512345/4312345.pdf", "name": "某某区人民2023年年报.pdf"}]},
        {"url": HOST + "/gkmlpt/content/4/4309/post_4309876.html", "title": "某某区教育局2023年政府信息公开工作年度报告",
         "published": "2024-01-22", "publisher": "某某区教育局", "document_number": None,
         "identifier": "007123457/2024-00003", "attachments": []},
    ]
    assert spider.page_urls(first) == [API + "?page=2&sid=755041"]


def test_total_reached_stops_and_missing_url_is_built_from_the_id():
    spider = make_spider()
    spider.page_urls(api_page(spider, API + "?page=1&sid=755041", "gkmlpt_api_page1.json"))
    second = api_page(spider, API + "?page=2&sid=755041", "gkmlpt_api_page2.json")
    (entry,) = spider.list_entries(second)
    assert entry["url"] == HOST + "/gkmlpt/content/3/3876/post_3876543.html"  # id // 10**6, id // 10**3
    assert entry["published"] == "2023-01-29"  # 1674979200 is 2023-01-29 16:00 in China
    assert spider.page_urls(second) == []  # 3 of total 3 seen


def test_page_zero_and_one_are_one_batch_start_at_one_stop_on_repeat():
    """page=0 and page=1 answer the same batch: paging starts at 1; a page that repeats an
    earlier one (a server that ignores `page`) ends the list, as does an empty page."""
    spider = make_spider()
    batch = json.loads((PAGES / "gkmlpt_api_page1.json").read_text())
    batch["total"] = 250
    assert spider.page_urls(index_page(spider))[0].endswith("?page=1&sid=755041")
    assert spider.page_urls(api_page(spider, API + "?page=1&sid=755041", batch)) == [API + "?page=2&sid=755041"]
    assert spider.page_urls(api_page(spider, API + "?page=2&sid=755041", batch)) == []
    spider = make_spider()
    spider.page_urls(api_page(spider, API + "?page=1&sid=755041", batch))
    assert spider.page_urls(api_page(spider, API + "?page=2&sid=755041", dict(batch, articles=[]))) == []


def test_parse_column_on_the_api():
    spider = make_spider()
    out = list(spider.parse_column(api_page(spider, API + "?page=1&sid=755041", "gkmlpt_api_page1.json")))
    reports = [r for r in out if r.callback == spider.parse_report]
    assert [r.url for r in reports] == [POST, HOST + "/gkmlpt/content/4/4309/post_4309876.html"]
    assert reports[0].meta["entry"]["attachments"][0]["url"].endswith("/4312345.pdf")
    assert [r.url for r in out if r.callback == spider.parse_column] == [API + "?page=2&sid=755041"]


def _article_item():
    spider = make_spider()
    first = api_page(spider, API + "?page=1&sid=755041", "gkmlpt_api_page1.json")
    entry = next(iter(spider.list_entries(first)))
    request = spider.report_request(entry, first)
    raw = (PAGES / "gkmlpt_post.html").read_bytes()
    served = HtmlResponse(POST, body=raw, request=request, headers={"Content-Type": "text/html"})
    (item,) = list(spider.parse_report(served))
    return item, raw


def test_article_item_keeps_the_served_bytes_and_the_list_facts():
    item, raw = _article_item()
    assert isinstance(item, ReportPage)
    assert item.body == raw and item.content_type == "text/html"  # as served, not a substitute
    assert item.attachments == [
        {"url": HOST + "/attachment/0/512/512345/4312345.pdf", "name": "某某区人民2023年年报.pdf"},
        {"url": HOST + "/attachment/0/512/512346/4312345.docx", "name": "数据表.docx"}]
    assert item.twins == [] and item.url == POST and item.year == 2023 and item.published == "2024-01-25"


def test_parser_reads_the_article_out_of_the_served_page():
    item, raw = _article_item()
    html = readable_html(item.body, item.content_type, url=item.url, title=item.title,
                         published=item.published, attachments=item.attachments)
    assert "<title>某某区人民政府2023年政府信息公开工作年度报告</title>" in html
    assert '<meta name="PubDate" content="2024-01-25 12:00">' in html
    assert '<meta name="ContentSource" content="某某区人民政府办公室">' in html
    assert "<p>发布机构：某某区人民政府办公室</p>" in html and "<p>索引号：007123456/2024-00012</p>" in html
    assert '<p style="text-indent:2em">本报告根据《中华人民共和国政府信息公开条例》编制。</p>' in html
    assert "<td>规章</td><td>0</td>" in html and "\\u" not in html and "<\\/" not in html
    # the list API's attachment is listed; the content's own link is not listed twice
    assert html.count("4312345.pdf") == 1 and html.count("4312345.docx") == 1
    # the bytes alone (a stored page re-parsed, `harvester parse`) read the same report
    for source in (raw, raw.decode("utf-8")):
        parsed = parse(source, url=item.url, content_type=item.content_type)
        assert (parsed["is_report"], parsed["title"], parsed["year"], parsed["published"]) == (
            True, "某某区人民政府2023年政府信息公开工作年度报告", 2023, "2024-01-25")


def test_parse_stage_reads_the_article_and_keeps_the_body():
    item, raw = _article_item()
    out = ParsePipeline().process_item(item)
    assert out.body == raw and "_CONFIG" not in out.html and "<td>规章</td><td>0</td>" in out.html
    assert out.parsed["is_report"] is True and out.parsed["year"] == 2023


def test_other_pages_read_as_served():
    body = "<html><head><title>t</title></head><body><script>var _CONFIG = {SID: '1'};</script><p>正文</p></body></html>"
    assert readable_html(body.encode(), "text/html", url=POST) == body  # _CONFIG without DETAIL
    assert readable_html(b"<p>x</p>") == "<p>x</p>"


def test_detail_written_as_a_js_object():
    text = ("<script>window._CONFIG = {SID: '1'}; _CONFIG.DETAIL = {id: 5, title: '某镇2023年政府信息公开工作年度报告', "
            "publisher: '某镇', date: 1706155200, content: '<p>\\u4e00\\u3001\\u603b\\u4f53\\u60c5\\u51b5<\\/p>', "
            "share: function(){ return 1; }};</script>")
    found = detail(text)
    assert found["content"] == "<p>一、总体情况</p>" and found["title"] == "某镇2023年政府信息公开工作年度报告"
    assert found["date"] == 1706155200


def test_ordinary_page_is_passed_on_as_is():
    spider = make_spider()
    url = HOST + "/content/post_4312345.html"  # NFCMS
    body = "<html><body><div class='article-content'>正文</div></body></html>".encode()
    (item,) = list(spider.parse_report(HtmlResponse(url, body=body, request=Request(url, meta={"entry": {"title": "t"}}))))
    assert item.body == body


def test_recognizes():
    assert GkmlptSpider.recognizes(INDEX, "")
    assert GkmlptSpider.recognizes("http://x/zwgk/", (PAGES / "gkmlpt_index.html").read_text())
    assert not GkmlptSpider.recognizes("http://x/col/col1/index.html", (PAGES / "jcms_column.html").read_text())
