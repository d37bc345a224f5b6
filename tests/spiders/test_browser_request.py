"""A list page asked again through the browser carries the spider's own meta, not the
downloader's record of the first download: Scrapy's MetaCopyDetectionMiddleware (which warned
on every sandbox crawl) finds nothing to warn about."""

from __future__ import annotations

import logging

import spider_helpers
from scrapy.http import HtmlResponse, Request
from scrapy.spidermiddlewares.metacopy import MetaCopyDetectionMiddleware
from scrapy.utils.test import get_crawler

from spiders.base import DOWNLOAD_RECORD, ReportSpider

URL = "http://www.example.gov.cn/info/iList.jsp?cat_id=10043"
OWN = {"column": URL, "list_page": True, "site": "example", "cb": "parse_column", "eb": "on_error", "depth": 1,
       "download_timeout": 180}


def fetched_list_page() -> HtmlResponse:
    """A script-only list page as the downloader hands it back: its request's meta holds what
    the spider set and what the downloader recorded (latency, slot, a redirect, a retry, proxy)."""
    request = Request(URL, meta=dict(OWN))
    request.meta.update(download_latency=0.41, download_slot="www.example.gov.cn", retry_times=1, redirect_times=1,
                        redirect_ttl=19, redirect_urls=["http://www.example.gov.cn/info/list"],
                        redirect_reasons=[302], _scheme_proxy=True)
    return HtmlResponse(URL, body=b"<html><body><script>var itemObj=[];</script></body></html>", request=request)


def warnings_of(request, response, spider, caplog) -> list[str]:
    crawler = get_crawler(ReportSpider)
    crawler.spider = spider
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="scrapy.spidermiddlewares.metacopy"):
        MetaCopyDetectionMiddleware(crawler).get_processed_request(request, response)
    return [r.getMessage() for r in caplog.records if "internal meta keys" in r.getMessage()]


def test_the_browser_request_keeps_the_spiders_meta_and_drops_the_download_record(caplog):
    spider = spider_helpers.make_spider(ReportSpider, "http://www.example.gov.cn/")
    response = fetched_list_page()
    again = spider.browser_request(response)
    assert again.url == URL and again.dont_filter and again.meta["playwright"] is True
    assert {k: again.meta.get(k) for k in OWN} == OWN  # routing (site, cb, eb) and the walker's keys go along
    assert not DOWNLOAD_RECORD & set(again.meta)
    assert warnings_of(again, response, spider, caplog) == []
    # the control: the response's meta forwarded as it is, as before, is what the middleware warns about
    copied = response.request.replace(meta=dict(response.meta, playwright=True), dont_filter=True)
    assert warnings_of(copied, response, spider, caplog)
