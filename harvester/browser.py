"""The browser path: scrapy-playwright, started on the first page that needs it, once per run.

scrapy-playwright's handler starts the Playwright driver (a Node process) when the engine
starts, whether or not any page will need a browser. A national run needs a browser for a few
walled portals at most, so this handler starts the driver and Chromium on the first request
with meta["playwright"] and never otherwise; every site that needs the browser shares it, each
in a context of its own (named by its site id) that is closed when the site is done.
"""

from __future__ import annotations

import asyncio
import logging
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
        return await super()._download_request(request, spider)

    async def close_context(self, name: str) -> None:
        wrapper = self.context_wrappers.get(name)
        if wrapper is not None:
            try:
                await wrapper.context.close()  # its close callback forgets the wrapper
            except Exception as e:  # a context already gone with its browser
                logger.debug("closing browser context %s: %s", name, e)
            self.context_wrappers.pop(name, None)


def _handler(crawler) -> LazyPlaywrightHandler | None:
    return getattr(crawler, "_harvester_browser_owner", None)


def close_context(crawler, name: str) -> None:
    """Close a site's browser context once the site is done (nothing if it never had one)."""
    handler = _handler(crawler)
    if handler is None or not handler._launched or name not in handler.context_wrappers:
        return
    asyncio.ensure_future(handler.close_context(name))


def browser_started(crawler) -> bool:
    handler = _handler(crawler)
    return bool(handler and handler._launched)
