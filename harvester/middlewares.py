"""Downloader middlewares of the harvester (wired in settings.DOWNLOADER_MIDDLEWARES)."""

from __future__ import annotations

import logging

from harvester.browser import browser_context


def offline_public_suffixes():
    """Scrapy's cookie middleware asks tldextract whether a cookie's domain is a public suffix;
    by default tldextract downloads the public-suffix list on first use (a dozen traceback
    lines on a closed network, a request to a third party on an open one). The snapshot bundled
    with tldextract answers the same question without leaving the machine."""
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    cookies._split_domain = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


offline_public_suffixes()


class OneLineErrors(logging.Filter):
    """Scrapy logs a portal's network failure (a robots.txt that times out, a host that resets)
    with its whole traceback; for a user that is noise: the message line says what happened,
    and the failure is recorded. The traceback stays available at log level DEBUG."""

    def filter(self, record):
        debug = any(h.level <= logging.DEBUG for h in logging.getLogger().handlers)  # Scrapy's LOG_LEVEL
        if record.exc_info and not debug:
            record.exc_info, record.exc_text = None, None
        return True


for _name in ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper", "scrapy.core.downloader.handlers.http11"):
    logging.getLogger(_name).addFilter(OneLineErrors())


class ProxyMiddleware:
    """Sends every request through HARVESTER_PROXY when it is set.

    Why not only the environment: a user's `--proxy URL` and the sandbox must reach both the
    Scrapy downloader and the browser of scrapy-playwright, and a setting reaches both.
    Scrapy's HttpProxyMiddleware (which runs next) does the actual proxying and CONNECT tunnels.
    """

    def __init__(self, proxy: str):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("HARVESTER_PROXY") or "")

    def process_request(self, request):
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
        return None


CHALLENGE_STATUSES = {412, 521, 202}
CHALLENGE_MARKS = (b"$_ts", b"__jsl_clearance", b"document.cookie", b"go({")


def looks_like_challenge(status: int, body: bytes) -> bool:
    """A JavaScript wall (spec/portals.md): 瑞数 answers 412/202 with `$_ts`, 加速乐 521 with a
    cookie script; some answer 200 with a ~1 KB script shell and no text."""
    head = body[:20000]
    scripted = b"<script" in head.lower() and any(mark in head for mark in CHALLENGE_MARKS)
    if status in CHALLENGE_STATUSES:
        return scripted or status in (412, 521)
    return status == 200 and len(body) < 4096 and scripted


class ChallengeMiddleware:
    """Sends a request that met a JavaScript challenge once more, through the real browser.

    Why a middleware: no spider needs to know which portals have walls, and requests that
    meet none never start a browser (the crawl stats show `playwright/browser_count`).
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        if request.meta.get("playwright") or not looks_like_challenge(response.status, response.body):
            return response
        self.stats.inc_value("harvester/challenges")
        # one browser context per portal host: the cookie its wall sets (on robots.txt, say)
        # serves its next pages, and no other portal's
        meta = dict(request.meta, playwright=True, harvester_challenge=response.status,
                    playwright_context=browser_context(request.url))
        # A browser navigation cannot take a 304: ask the browser for the page itself.
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in (b"if-none-match", b"if-modified-since")}
        return request.replace(meta=meta, headers=headers, dont_filter=True)
