"""The browser path: scrapy-playwright, started on the first page that needs it, once per run.

scrapy-playwright's handler starts the Playwright driver (a Node process) when the engine
starts, whether or not any page will need a browser. A national run needs a browser for a few
walled portals at most, so this handler starts the driver and Chromium on the first request
with meta["playwright"] and never otherwise; every site that needs the browser shares it, each
in a context of its own (named by its portal host) that is closed when the site is done.

At most HARVESTER_BROWSER_CONTEXTS contexts are open at once: each is a renderer process of
its own (tens of MB), and near the end of a national run a dozen walled portals can want the
browser together. A page for a new context waits until an open one is idle (no page in it) and
closes the one idle longest. Waiting only on *idle*, never on a site finishing, is what keeps
this free of deadlock: a page in flight ends within the navigation timeout, so a slot always
comes free, whereas scrapy-playwright's PLAYWRIGHT_MAX_CONTEXTS waits for a context to be
closed, which here happens only when its site is done (and a site can wait for a second host's
context). A closed portal's next page opens a new context and passes its wall again.

Once a page behind a wall has loaded, the cookies its context holds go back with the response
(meta "harvester_wall_cookies"): ChallengeMiddleware puts them in Scrapy's cookie jar, so a
walled portal's later pages are plain HTTP and the browser serves it one or two pages; its
context is then closed at once (close_context), not kept until the site is done.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from urllib.parse import urlsplit

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

logger = logging.getLogger(__name__)


# What a page in the browser may not fetch: pictures, styles, fonts and media (a wall's script
# and a list's script are what the browser is for), and nothing beyond the page's own portal
# (a browser's calls to its vendor, analytics, other sites).
BLOCKED_RESOURCES = {"image", "stylesheet", "font", "media", "manifest", "other"}


def abort_request(request) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: True for a request the page does not need (see above)."""
    if request.resource_type in BLOCKED_RESOURCES:
        return True
    frame = request.frame if request.resource_type != "document" else None
    page_host = urlsplit(frame.url).hostname if frame is not None and frame.url.startswith("http") else None
    host = urlsplit(request.url).hostname
    return bool(page_host and host and host != page_host)


def browser_context(url: str) -> str:
    """The browser context a page opens in: one per portal host, so the cookie a JavaScript
    wall sets on one page (robots.txt, say) serves the host's next pages and no other host's."""
    return urlsplit(url).hostname or "default"


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """ScrapyPlaywrightDownloadHandler that launches nothing until a page needs the browser.

    Scrapy makes one handler per URL scheme; the first made for a crawler owns the browser and
    the others hand their browser pages to it, so http and https pages share one Chromium.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._launched = False
        self._launch_lock = asyncio.Lock()
        self._owner = getattr(crawler, "_harvester_browser_owner", None)
        if self._owner is None:
            crawler._harvester_browser_owner = self
            self._owner = self
        self._max_contexts = max(1, crawler.settings.getint("HARVESTER_BROWSER_CONTEXTS", 2))
        # A context is closed for another only after this long without a page: longer than the
        # pause between two pages of a portal, so a portal being walked keeps its context (and its
        # wall's cookie) rather than two portals taking the slot from each other page by page.
        self._idle_before_close = 1.0 + 2 * crawler.settings.getfloat("DOWNLOAD_DELAY", 0.0)
        self._admission = asyncio.Lock()
        self._pages_in: Counter[str] = Counter()  # pages in flight per context name
        self._last_used: dict[str, float] = {}
        self._closing: set[str] = set()  # contexts being closed: a page for one waits for a new one
        self._release: set[str] = set()  # contexts to close when their last page in flight ends

    async def _maybe_launch_in_thread(self) -> None:  # engine_started: nothing to start yet
        return None

    def _engine_started(self):  # older Scrapy API: the same
        return None

    async def _download_request(self, request, spider=None):
        if self._owner is not self:
            return await self._owner._download_request(request, spider)
        if not self._launched:
            async with self._launch_lock:
                if not self._launched:
                    logger.info("a page needs the browser (%s): starting Chromium", request.url)
                    await self._launch()
                    self._launched = True
        name = request.meta.setdefault("playwright_context", "default")
        if not self._is_open(name):
            await self._admit(name)
        self._pages_in[name] += 1  # no await since _is_open/_admit: an admitted name stays open
        try:
            response = await super()._download_request(request, spider)
            if request.meta.get("harvester_challenge") and name in self.context_wrappers:
                request.meta["harvester_wall_cookies"] = await self._cookies(name, request.url)
            return response
        finally:
            self._pages_in[name] -= 1
            self._last_used[name] = time.monotonic()
            if name in self._release and not self._pages_in[name]:
                self._release.discard(name)
                asyncio.ensure_future(self.close_context(name))

    async def _cookies(self, name: str, url: str) -> list[dict]:
        """The cookies context `name` holds for `url` once a page behind a wall has loaded: what
        the wall's script set, handed to the plain downloader (ChallengeMiddleware) so the
        portal's next pages need no browser."""
        try:
            return await self.context_wrappers[name].context.cookies([url])
        except Exception as e:  # a context closed meanwhile: the next page passes the wall again
            logger.debug("cookies of browser context %s: %s", name, e)
            return []

    def _is_open(self, name: str) -> bool:
        return name not in self._closing and (name in self.context_wrappers or self._pages_in[name] > 0)

    def _open_names(self) -> set[str]:
        return set(self.context_wrappers) | {n for n, k in self._pages_in.items() if k > 0}

    async def _admit(self, name: str) -> None:
        """Room for context `name`: below the cap at once, else the longest-idle open context
        is closed once it has been idle _idle_before_close (waiting meanwhile). Every context
        goes idle in the end, as its portal's pages run out: the wait is never circular."""
        async with self._admission:
            waited = False
            while name in self._closing or (not self._is_open(name)
                                            and len(self._open_names()) >= self._max_contexts):
                now = time.monotonic()
                idle = [n for n in self.context_wrappers if self._pages_in[n] == 0
                        and now - self._last_used.get(n, 0.0) >= self._idle_before_close]
                if idle:
                    oldest = min(idle, key=lambda n: self._last_used.get(n, 0.0))
                    self.stats.inc_value("harvester/browser_contexts_evicted")
                    await self.close_context(oldest)
                    continue
                if not waited:
                    self.stats.inc_value("harvester/browser_context_waits")
                    waited = True
                await asyncio.sleep(0.1)
            opened = len(self._open_names()) + (0 if self._is_open(name) else 1)
            if opened > (self.stats.get_value("harvester/browser_contexts_max") or 0):
                self.stats.set_value("harvester/browser_contexts_max", opened)

    async def close_context(self, name: str) -> None:
        """Close context `name`. It is forgotten before the close is awaited, and a page asked
        for it meanwhile waits (_closing) and then opens a new one: never a page in a context
        going away, and no new context of that name before the old one's close callback (which
        scrapy-playwright keys by name) has run."""
        wrapper = self.context_wrappers.pop(name, None)
        if wrapper is not None:
            self._closing.add(name)
            try:
                await wrapper.context.close()
            except Exception as e:  # a context already gone with its browser
                logger.debug("closing browser context %s: %s", name, e)
            finally:
                self._closing.discard(name)
        if not self._pages_in[name]:
            self._pages_in.pop(name, None)
            self._last_used.pop(name, None)


def _handler(crawler) -> LazyPlaywrightHandler | None:
    return getattr(crawler, "_harvester_browser_owner", None)


def close_context(crawler, name: str) -> None:
    """Close a portal's browser context as soon as no page is in it (nothing if it never had
    one): when its site is done, or when its wall is passed and the cookies are in Scrapy's jar,
    so its renderer's memory is given back then, not at the site's end (a portal whose wall later
    refuses the cookies opens a new one)."""
    handler = _handler(crawler)
    if handler is None or not handler._launched or name not in handler.context_wrappers:
        return
    if handler._pages_in[name]:
        handler._release.add(name)
    else:
        asyncio.ensure_future(handler.close_context(name))


def browser_started(crawler) -> bool:
    handler = _handler(crawler)
    return bool(handler and handler._launched)
