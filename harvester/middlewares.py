"""Downloader middlewares of the harvester (wired in settings.DOWNLOADER_MIDDLEWARES)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from harvester.browser import browser_context, close_context
from harvester.items import utcnow
from harvester.store import Store

logger = logging.getLogger(__name__)


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
    """Sends a request that met a JavaScript challenge once more, through the real browser,
    and hands the cookie the browser earned back to the plain downloader.

    Why a middleware: no spider needs to know which portals have walls, and requests that
    meet none never start a browser (the crawl stats show `playwright/browser_count`).

    Why hand the cookie back: a wall's cookie (加速乐's __jsl_clearance, 瑞数's T cookie) is
    what the portal checks, and a plain client that sends it with the same User-Agent passes,
    as crawlers of these portals do. So a walled portal costs the browser one page, not every
    page: its next pages go as plain HTTP with the browser's cookies in Scrapy's cookie jar.
    A portal whose wall refuses the handed cookie (a fingerprint check, an expired cookie)
    sends its later pages straight to the browser instead of meeting the wall twice a page.
    Memory: a few walled hosts kept by name (a handful in a national run).
    """

    def __init__(self, stats, crawler=None):
        self.stats = stats
        self.crawler = crawler
        self.to_hand: dict[str, list[dict]] = {}  # host -> browser cookies not yet in the jar
        self.handed: set[str] = set()  # hosts whose plain requests carry the browser's cookies
        self.browser_only: set[str] = set()  # hosts whose wall refused the handed cookies

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler)

    # A fresh browser context meets the wall too: its script sets the cookie and the wall's own
    # answer comes back. Asked once more, the same context passes (the cookie is set by then).
    BROWSER_RETRIES = 2

    def process_request(self, request):
        if request.meta.get("playwright"):
            return None
        host = urlparse_cached(request).hostname
        if host in self.browser_only:
            return self._in_browser(request, status=None)
        cookies = self.to_hand.pop(host, None)
        if cookies:  # Scrapy's CookiesMiddleware (700, next) puts them in its jar for the host
            given = request.cookies if isinstance(request.cookies, list) else [
                {"name": k, "value": v} for k, v in (request.cookies or {}).items()]
            request.cookies = given + [{"name": c["name"], "value": c["value"], "path": c.get("path") or "/"}
                                       for c in cookies]
            self.handed.add(host)
            self.stats.inc_value("harvester/wall_cookies_handed")
        return None

    def process_response(self, request, response):
        challenged = looks_like_challenge(response.status, response.body)
        if request.meta.get("playwright"):
            if not challenged:
                cookies = request.meta.pop("harvester_wall_cookies", None)
                host = urlparse_cached(request).hostname
                if cookies and host not in self.handed and host not in self.browser_only:
                    self.to_hand[host] = cookies
                    if self.crawler is not None:  # the context's work is done
                        close_context(self.crawler, request.meta.get("playwright_context") or host)
                return response
            tries = request.meta.get("harvester_wall_tries", 0)
            if tries >= self.BROWSER_RETRIES:
                return response
            self.stats.inc_value("harvester/challenges_in_browser")
            return request.replace(meta=dict(request.meta, harvester_wall_tries=tries + 1), dont_filter=True)
        if not challenged:
            return response
        self.stats.inc_value("harvester/challenges")
        host = urlparse_cached(request).hostname
        if host in self.handed:  # the wall did not take the browser's cookies from a plain client
            self.handed.discard(host)
            self.browser_only.add(host)
            self.stats.inc_value("harvester/wall_cookies_refused")
        return self._in_browser(request, status=response.status)

    @staticmethod
    def _in_browser(request, status):
        # one browser context per portal host: the cookie its wall sets (on robots.txt, say)
        # serves its next pages, and no other portal's
        meta = dict(request.meta, playwright=True, harvester_challenge=status or True,
                    playwright_context=browser_context(request.url))
        # A browser navigation cannot take a 304: ask the browser for the page itself.
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in (b"if-none-match", b"if-modified-since")}
        return request.replace(meta=meta, headers=headers, dont_filter=True)


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with each portal's robots.txt kept in the harvest's
    database (table `robots`) for HARVESTER_ROBOTS_MAX_AGE days.

    Why: an unchanged re-crawl of a portal is often one or two list pages; asking for its
    robots.txt on every run would be a third of it. The rules are obeyed all the same: a kept
    file is parsed exactly as a fetched one. Only answers that say what the rules are (2xx, and
    404/410: no rules) are kept; an error or a timeout is asked again on the next run, and so is
    a file the wall still hid after the browser's tries (it answers with the wall's status). A
    kept file behind a wall means the portal's first page, not its robots.txt, passes the wall
    (ChallengeMiddleware asks a page the wall answered once more in the same browser context).
    What a run fetched is written once, when it ends (no second writer while the store writes).
    """

    KEPT_STATUSES = (404, 410)

    def __init__(self, crawler):
        super().__init__(crawler)
        self.db_path = crawler.settings.get("HARVESTER_DB")
        self.max_age = crawler.settings.getfloat("HARVESTER_ROBOTS_MAX_AGE", 1.0)
        self.kept: dict[str, bytes] = {}
        self.fetched: list[dict] = []
        if self.max_age > 0 and self.db_path and Path(self.db_path).exists():
            since = datetime.now(timezone.utc) - timedelta(days=self.max_age)
            with contextlib.closing(Store(self.db_path)) as store:
                self.kept = store.robots_since(since.replace(microsecond=0).isoformat())
        crawler.signals.connect(self.save, signal=signals.spider_closed)

    async def robot_parser(self, request):
        url = urlparse_cached(request)
        body = self.kept.get(f"{url.scheme}://{url.netloc}")
        if url.netloc not in self._parsers and body is not None:
            self._parsers[url.netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
            self._stats.inc_value("robotstxt/kept")
        return await super().robot_parser(request)

    async def _parse_robots(self, response, netloc, request):
        if 200 <= response.status < 300 or response.status in self.KEPT_STATUSES:
            origin = f"{urlparse_cached(request).scheme}://{netloc}"
            self.fetched.append({"origin": origin, "url": response.url, "status": response.status,
                                 "body": response.body, "fetched": utcnow()})
        await super()._parse_robots(response, netloc, request)

    def save(self, spider=None):
        if not (self.fetched and self.db_path):
            return
        try:
            with contextlib.closing(Store(self.db_path)) as store:
                store.save_robots(self.fetched)
        except sqlite3.Error as e:  # a cache that cannot be written costs the next run a request, nothing more
            logger.warning("robots.txt files not kept in %s: %s", self.db_path, e)
        self.fetched = []
