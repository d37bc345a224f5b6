"""Finding one portal's annual-report column through Scrapy, for `harvester add-site`.

Why a spider: discovery is one piece. The link knowledge lives in harvester/discover.py (pure
functions) and the fetching in ReportSpider (spiders/base.py); adding a portal walks exactly
the path a crawl's discovery walks (a 年报 link on the homepage, the guessed column paths,
政府信息公开 → 年报, a platform's app page), through the same downloader, proxy, robots.txt
and JavaScript-wall handling, and stops at the column page instead of reading its lists.

    from spiders.column import find_column
    column, final_url, html = find_column("http://www.example.gov.cn/", homepage=True, proxy=None)
"""

from __future__ import annotations

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse

from harvester import registry
from spiders.base import ReportSpider


class ColumnNotFound(Exception):
    """No column page could be read; the message says why, in one line."""


class ColumnSpider(ReportSpider):
    """Discovery of one address (a homepage, or a column URL to read as is), stopping at the column."""

    name = "column"

    def __init__(self, url: str = "", homepage: bool = False, *args, **kwargs):
        super().__init__(site="add-site", **kwargs)
        self.site = registry.Site(id="add-site", agency="", province="", level="",
                                  homepage=url if homepage else "", columns=[] if homepage else [url])
        self.years, self.found, self.failures = set(), None, []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = scrapy.Spider.from_crawler.__func__(cls, crawler, *args, **kwargs)  # no registry row to load
        if not (spider.site.homepage or spider.site.columns):
            raise ValueError("scrapy crawl column -a url=URL [-a homepage=1]")
        return spider

    def take_family(self, url: str, html: str) -> "ReportSpider":
        return self  # the family is told from the column page by the caller; nothing is walked

    def parse_column(self, response):
        """The column page: kept, and the crawl ends (its lists are the crawl's business)."""
        if not isinstance(response, HtmlResponse):
            self.failures.append(f"{response.url} is not an HTML page")
            return
        self.found = (response.url, response.text)
        raise CloseSpider("column found")

    def on_error(self, failure):
        for item in super().on_error(failure):
            self.failures.append(f"cannot fetch {item.url}: {item.reason}")
        return []


def find_column(url: str, homepage: bool = False, proxy: str | None = None) -> tuple[str, str, str]:
    """(column URL, final URL, HTML) of the column page: `url` itself, or found from it as a
    homepage (the column URL as linked; the final URL after any redirect).
    Runs one Scrapy crawl (so: once per process, as the CLI does); raises ColumnNotFound."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.setdict({
        "ITEM_PIPELINES": {}, "EXTENSIONS": {"harvester.progress.Progress": None},
        "HARVESTER_DB": "", "HARVESTER_PROXY": proxy or "", "LOG_LEVEL": "ERROR",
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
    }, priority="cmdline")
    if proxy:  # the browser (a wall on the way) goes through the same proxy
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"),
                                                       proxy={"server": proxy}), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ColumnSpider)
    process.crawl(crawler, url=url, homepage=homepage)
    process.start()
    spider = crawler.spider
    if spider.found:
        return (spider.discovery.get("found") or url) if homepage else url, *spider.found
    if spider.failures and not homepage:
        raise ColumnNotFound(spider.failures[0])
    if homepage and not spider.discovery.get("found"):
        why = spider.failures[0] if spider.failures and not spider.discovery["notes"] else \
            "; ".join(spider.discovery["notes"]) or "nothing answered"
        raise ColumnNotFound(f"no 政府信息公开 → 年报 column found from {url} ({why}); give the column URL instead")
    raise ColumnNotFound(spider.failures[0] if spider.failures else f"cannot read the column page of {url}")
