"""A progress line on stderr while a run goes on: sites done of total, reports, errors.

A Scrapy extension: it counts items as they are scraped and sites as the run's spider reports
them done (spiders/harvest.py `site_finished`); a site's own spider run alone counts as one
site when it closes.
"""

from __future__ import annotations

import sys
import time

from scrapy import signals

from harvester.items import FetchError, ReportPage, Unchanged

TALLY = {"sites": 0, "done": 0, "reports": 0, "errors": 0, "shown": 0.0}


def start(total_sites: int):
    TALLY.update(sites=total_sites, done=0, reports=0, errors=0, shown=0.0)


def show(force: bool = False):
    now = time.monotonic()
    if not force and now - TALLY["shown"] < 2.0:
        return
    TALLY["shown"] = now
    print(f"[progress] sites {TALLY['done']}/{TALLY['sites']} done, reports {TALLY['reports']}, "
          f"errors {TALLY['errors']}", file=sys.stderr, flush=True)


class Progress:
    @classmethod
    def from_crawler(cls, crawler):
        from spiders.harvest import site_finished

        ext = cls()
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.site_finished, signal=site_finished)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def site_finished(self, site_id=None, outcome=None):
        TALLY["done"] += 1
        show()

    def item_scraped(self, item, response=None, spider=None):
        if isinstance(item, FetchError):
            TALLY["errors"] += 1
        elif isinstance(item, Unchanged) or (isinstance(item, ReportPage) and item.kind == "report"):
            TALLY["reports"] += 1
        show()

    def spider_closed(self, spider=None, reason=None):
        if getattr(spider, "name", None) != "harvest":
            TALLY["done"] += 1
        show(force=True)
