"""A JavaScript wall is passed in the browser once per portal: the cookies the browser earned go
to Scrapy's cookie jar and the portal's next pages are plain HTTP; a wall that refuses them
sends that portal's pages straight to the browser. Real Scrapy requests, responses and cookie
middleware; the browser's part is what LazyPlaywrightHandler puts in the request's meta.
(The whole path over HTTP is tests/e2e/test_browser_contexts.py.)"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from harvester.middlewares import ChallengeMiddleware

WALL = b"<script>document.cookie=('__jsl_clearance_s=')+(1+1);location.href=location.pathname</script>"
PAGE = "<html><body><h1>2023年政府信息公开工作年度报告</h1>" + "正文" * 2000 + "</body></html>"
EARNED = [{"name": "__jsluid_s", "value": "u1", "path": "/", "domain": "www.example.gov.cn"},
          {"name": "__jsl_clearance_s", "value": "c1", "path": "/", "domain": "www.example.gov.cn"}]


def stack():
    crawler = get_crawler(settings_dict={"COOKIES_ENABLED": True})
    return ChallengeMiddleware.from_crawler(crawler), CookiesMiddleware.from_crawler(crawler), crawler.stats


def send(challenge, cookies, request):
    """process_request as the downloader runs them: ChallengeMiddleware (560), then cookies (700)."""
    out = challenge.process_request(request)
    if out is None:
        cookies.process_request(request)
    return out


def wall(request):
    return HtmlResponse(request.url, status=521, body=WALL, request=request)


def page(request):
    return HtmlResponse(request.url, body=PAGE, encoding="utf-8", request=request)


def passed_in_browser(challenge, url):
    first = Request(url)
    in_browser = challenge.process_response(first, wall(first))
    assert isinstance(in_browser, Request) and in_browser.meta["playwright"]
    in_browser.meta["harvester_wall_cookies"] = EARNED  # what the browser context held
    assert challenge.process_response(in_browser, page(in_browser)).status == 200


def test_the_browsers_cookies_reach_the_next_plain_request_of_that_portal_only():
    challenge, cookies, stats = stack()
    passed_in_browser(challenge, "https://www.example.gov.cn/col/col1/index.html")
    other = Request("https://www.other.gov.cn/a.html")
    assert send(challenge, cookies, other) is None and b"Cookie" not in other.headers
    nxt = Request("https://www.example.gov.cn/art/2024/1/31/art_1_2.html")
    assert send(challenge, cookies, nxt) is None and not nxt.meta.get("playwright")
    assert nxt.headers[b"Cookie"] == b"__jsluid_s=u1; __jsl_clearance_s=c1"
    later = Request("https://www.example.gov.cn/art/2024/1/31/art_1_3.html")
    send(challenge, cookies, later)  # from the jar now, handed only once
    assert later.headers[b"Cookie"] == b"__jsluid_s=u1; __jsl_clearance_s=c1"
    assert stats.get_value("harvester/wall_cookies_handed") == 1
    assert challenge.process_response(later, page(later)).status == 200


def test_a_wall_that_refuses_the_handed_cookies_sends_the_portals_pages_to_the_browser():
    challenge, cookies, stats = stack()
    passed_in_browser(challenge, "https://www.example.gov.cn/col/col1/index.html")
    nxt = Request("https://www.example.gov.cn/art/2024/1/31/art_1_2.html")
    send(challenge, cookies, nxt)
    again = challenge.process_response(nxt, wall(nxt))
    assert isinstance(again, Request) and again.meta["playwright"] and again.dont_filter
    assert stats.get_value("harvester/wall_cookies_refused") == 1
    later = Request("https://www.example.gov.cn/art/2024/1/31/art_1_3.html", headers={"If-None-Match": "x"})
    routed = send(challenge, cookies, later)
    assert isinstance(routed, Request) and routed.meta["playwright"]
    assert routed.meta["playwright_context"] == "www.example.gov.cn"
    assert b"If-None-Match" not in routed.headers  # a browser navigation cannot take a 304
    # the browser's next pass hands nothing more: the portal stays in the browser
    routed.meta["harvester_wall_cookies"] = EARNED
    challenge.process_response(routed, page(routed))
    plain = Request("https://www.example.gov.cn/art/2024/1/31/art_1_4.html")
    assert send(challenge, cookies, plain).meta["playwright"]
    assert stats.get_value("harvester/wall_cookies_handed") == 1


def test_a_page_without_a_wall_is_left_alone():
    challenge, cookies, stats = stack()
    req = Request("https://www.example.gov.cn/a.html")
    assert send(challenge, cookies, req) is None
    assert challenge.process_response(req, page(req)).status == 200
    assert not stats.get_value("harvester/challenges")
