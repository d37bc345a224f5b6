"""The spider of a run: every chosen registry site is a work item of one Scrapy engine.

Why one spider for thousands of portals: what grows with the number of portals must be data
(a queue, a row per site), never a process, a browser or a Scrapy crawler each. A family's
knowledge stays in its base spider class (spiders/families/); here an instance of that class
(a *walker*) is made for each site when the site starts and dropped when it is done, and every
request it yields is adopted: tagged with its site and its walker's callback name, and routed
back to that walker. Scrapy's download slots give per-domain politeness, CONCURRENT_REQUESTS
is the global cap, and at most HARVESTER_ACTIVE_SITES sites are walked at once, new ones
starting as earlier ones drain, so memory follows concurrency, not the registry's size.

A site is done when its start requests are all out and none of its requests is pending
(scheduled, downloading, or in a callback); then the `site_finished` signal carries its
counts to whoever records them (pipelines/store.py), so a killed run knows which sites to
walk again.

    scrapy crawl harvest -a province=广西 -s HARVESTER_DB=/tmp/gx.db
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass, field
from typing import Callable

import scrapy
from scrapy import signals

from harvester import registry
from harvester.browser import close_context
from harvester.items import FetchError, ReportPage

logger = logging.getLogger(__name__)

# Sent once per site when its work is done: site_finished(site_id=..., outcome=SiteOutcome).
site_finished = object()


@dataclass
class SiteOutcome:
    """How one site's walk ended, as the spider saw it (reports are counted by the store)."""

    site_id: str
    status: str = "finished"  # finished | error (a callback raised)
    requests: int = 0  # answers and failures handed to the site's callbacks
    answered: int = 0  # of which the portal answered (any HTTP status but a proxy's or network failure)
    browser_pages: int = 0
    errors: int = 0  # recorded fetch errors
    report_pages: int = 0  # pages handed to the pipelines as report candidates
    column_found: bool = False
    reason: str | None = None
    lists: dict = field(default_factory=dict)  # what its list pages showed (ReportSpider.walks)


@dataclass
class _Ledger:
    walker: scrapy.Spider
    outcome: SiteOutcome
    pending: int = 0  # requests not yet through their callback
    items: int = 0  # items yielded and not yet through the pipelines
    started: bool = False  # every start request is out
    contexts: set = field(default_factory=set)  # browser contexts its pages used


class HarvestSpider(scrapy.Spider):
    """Walks many registry sites at once, each with its family's spider class as its walker."""

    name = "harvest"

    def __init__(self, sites: list | None = None, province: str | None = None, site: str | None = None,
                 known: Callable[[str], dict] | None = None, resume: set[str] | None = None,
                 walker_for: Callable | None = None, lists: Callable[[str], dict] | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sites = sites
        self._province, self._site_ids = province, [s for s in (site or "").split(",") if s]
        # known(site_id) -> {url: {"etag", "last_modified", "twins"}}: pages stored before (read
        # on demand from the database by harvester.crawl, so nothing here holds them all).
        self._known = known or (lambda site_id: {})
        # lists(site_id) -> {url: {..., "due"}}: sub-columns walked before (harvester/recheck.py)
        self._lists = lists or (lambda site_id: {})
        self._resume = resume or set()  # sites an interrupted run left: walked in full
        self._walker_for = walker_for
        self.ledgers: dict[str, _Ledger] = {}
        self.finished: list[str] = []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        if spider._sites is None:  # `scrapy crawl harvest -a province=... -a site=a,b`
            spider._sites = registry.select(registry.load(s.get("HARVESTER_REGISTRY")),
                                            province=spider._province, site_ids=spider._site_ids or None)
        spider.years = {int(y) for y in s.getlist("HARVESTER_YEARS")}
        spider.max_list_pages = s.getint("HARVESTER_MAX_LIST_PAGES", 2000)
        spider.max_active = max(1, s.getint("HARVESTER_ACTIVE_SITES", 64))
        crawler.signals.connect(spider._dropped, signal=signals.request_dropped)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._item_done, signal=signal)
        return spider

    # --- sites as work items ------------------------------------------------------------------
    async def start(self):
        for site in self._sites:
            while len(self.ledgers) >= self.max_active:  # start new sites as earlier ones drain
                await asyncio.sleep(0.05)
            async for request in self.start_site(site, self._known(site.id), site.id in self._resume,
                                                 self._lists(site.id)):
                yield request

    async def start_site(self, site, known: dict, resume: bool, lists: dict | None = None):
        """One site's walker and its start requests (harvester/fleet.py's workers call it for
        the sites they take from Redis, with what the store process read for them)."""
        if self._walker_for is None:
            from scrapy.utils.misc import load_object

            self._walker_for = load_object(self.crawler.settings.get("HARVESTER_WALKER_FOR"))
        walker = self._walker_for(site).for_site(
            self.crawler, site, known=known, stop_early=not resume,
            years=self.years, max_list_pages=self.max_list_pages, lists={} if resume else (lists or {}))
        ledger = self.ledgers[site.id] = _Ledger(walker, SiteOutcome(site.id))
        try:
            async for request in walker.start():
                yield self.adopt(request, site.id)
        except Exception as e:  # a walker that cannot start is that site's error, not the run's
            logger.error("site %s could not start: %s: %s", site.id, type(e).__name__, e)
            logger.debug("site %s: traceback", site.id, exc_info=True)
            ledger.outcome.status, ledger.outcome.reason = "error", f"{type(e).__name__}: {e}"
        ledger.started = True
        self._maybe_done(site.id)

    def adopt(self, request: scrapy.Request, site_id: str) -> scrapy.Request:
        """Route a walker's request back to it: callbacks are named in meta, so the request
        stays serializable and any walker method can be a callback."""
        callback, errback = request.callback, request.errback
        meta = request.meta
        meta["site"] = site_id
        if callback != self.dispatch:  # a walker's own request (not one of ours replaced)
            meta["cb"] = callback.__name__ if callback else "parse"
            meta["eb"] = errback.__name__ if errback else None
        request.callback, request.errback = self.dispatch, self.dispatch_error
        self.ledgers[site_id].pending += 1
        return request

    def _run(self, site_id: str, produce):
        """Items and adopted requests of one walker callback; the site's books kept."""
        ledger = self.ledgers.get(site_id)
        if ledger is None:  # cannot happen while the run is live; guards a stray request
            logger.warning("a request of site %s came back after the site was done", site_id)
            return
        outcome = ledger.outcome
        outcome.requests += 1
        try:
            result = produce(ledger.walker)
            for out in (result if inspect.isgenerator(result) or isinstance(result, (list, tuple))
                        else [] if result is None else [result]):
                if ledger.walker.successor is not None:  # the walk goes on as the portal's CMS family
                    ledger.walker = ledger.walker.successor
                if isinstance(out, scrapy.Request):
                    yield self.adopt(out, site_id)
                    continue
                if isinstance(out, FetchError):
                    outcome.errors += 1
                elif isinstance(out, ReportPage):
                    outcome.report_pages += 1
                elif type(out).__name__ == "ColumnFound":
                    outcome.column_found = True
                ledger.items += 1  # the site is done only once its items are stored
                yield out
        except Exception as e:  # one bad page never stops a run: the site records why
            logger.error("site %s: its walk broke: %s: %s (traceback at log level DEBUG)", site_id,
                         type(e).__name__, e)
            logger.debug("site %s: traceback", site_id, exc_info=True)
            outcome.status, outcome.reason = "error", f"{type(e).__name__}: {e}"
        finally:
            ledger.pending -= 1
            self._maybe_done(site_id)

    def dispatch(self, response):
        meta = response.meta
        outcome = self.ledgers[meta["site"]].outcome if meta["site"] in self.ledgers else None
        if outcome is not None:
            outcome.answered += 1
            if meta.get("playwright"):
                outcome.browser_pages += 1
                self.ledgers[meta["site"]].contexts.add(meta.get("playwright_context"))
        yield from self._run(meta["site"], lambda w: getattr(w, meta["cb"])(response))

    def dispatch_error(self, failure):
        meta = failure.request.meta
        response = getattr(failure.value, "response", None)
        if response is not None and response.status < 500 and meta["site"] in self.ledgers:
            self.ledgers[meta["site"]].outcome.answered += 1  # the portal answered, with an error
        if meta.get("eb") is None:
            yield from self._run(meta["site"], lambda w: None)
            return
        yield from self._run(meta["site"], lambda w: getattr(w, meta["eb"])(failure))

    def _dropped(self, request, spider=None):
        """A request the scheduler refused (seen before): it will never reach a callback."""
        site_id = request.meta.get("site")
        if site_id in self.ledgers and request.callback == self.dispatch:
            self.ledgers[site_id].pending -= 1
            self._maybe_done(site_id)

    def _item_done(self, item, spider=None, **kwargs):
        """An item went through the pipelines (stored, dropped or failed)."""
        site_id = getattr(item, "site_id", None)
        ledger = self.ledgers.get(site_id)
        if ledger is not None:
            ledger.items -= 1
            self._maybe_done(site_id)

    def _maybe_done(self, site_id: str):
        """A site is done when its start requests are out, no request of it is pending and
        every item it yielded has been through the pipelines (so a site recorded finished has
        all its pages stored; a kill before that leaves it to be walked again)."""
        ledger = self.ledgers.get(site_id)
        if ledger is None or not ledger.started or ledger.pending > 0 or ledger.items > 0:
            return
        del self.ledgers[site_id]
        self.finished.append(site_id)
        outcome, walker = ledger.outcome, ledger.walker
        outcome.lists = walker.walks
        if outcome.status == "finished" and not walker.site.columns and not outcome.column_found:
            outcome.reason = ("no page of the portal answered" if not outcome.answered else
                              "no annual-report column found: " + "; ".join(walker.discovery["notes"]))
        for name in ledger.contexts:  # nothing to close for a site that needed no browser
            close_context(self.crawler, name)
        self.crawler.signals.send_catch_log(site_finished, site_id=site_id, outcome=outcome)

    def closed(self, reason):
        """Sites still open when the engine stops (Ctrl-C, a shutdown). The pipelines are closed
        by now: harvester.crawl records these sites as interrupted, and the next run walks them."""
        if self.ledgers:
            logger.warning("run ended (%s) with %d site(s) not done: %s", reason, len(self.ledgers),
                           ", ".join(sorted(self.ledgers)[:10]))
        self.ledgers.clear()
