"""The spider every portal shares: registry site → column(s) → list pages → report pages.

Families (TRS, VSB, JCMS, ...) subclass it and override only how their lists are paged and
written; a per-site spider overrides only what its portal does differently. Spiders fetch and
hand over bytes: parsing, dedupe and storage happen in the pipelines.
"""

from __future__ import annotations

import re
import weakref
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from harvester import discover, recheck, registry
from harvester.browser import browser_context
from harvester.items import ColumnFound, FetchError, ReportPage, Unchanged
from harvester.report import looks_like_report_title, year_from_title
from harvester.urls import ATTACHMENT, TWIN, TWIN_TEXT, canonical_url, strip_tracking

DATE = re.compile(r"(20\d\d|19\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Links of a pager (首页 上一页 1 2 3 下一页 尾页): not items of the list.
PAGER_TEXT = re.compile(r"^\s*(?:首页|上一页|上页|前页|下一页|下页|后页|尾页|末页|[<>«»‹›]+|\d{1,4}|第\s*\d+\s*页)\s*$")
NEXT_PAGE_TEXT = re.compile(r"^\s*(下一页|下页|后页|尾页|末页|>|»|›)\s*$")
# A link naming one part of a split column: a year (2023年度) or a body (本级, 部门, 乡镇街道).
SUBCOLUMN_TEXT = re.compile(
    r"^(?:(?:19|20)\d\d\s*年?度?(?:报告|年报)?|本级|市本级|县本级|区本级|部门|市直部门|区直部门|县直部门|"
    r"市政府|区政府|县政府|市直单位|省直部门|乡镇|街道|乡镇街道|乡镇[（(]街道[)）]|镇街|"
    r"县[（(]市、?区[)）]|县市区|县区|区县|各县区|开发区)$")
LIST_PAGE = re.compile(r"/col/col\d+/|[?&](?:cat_id|classid|catid|columnid)=\d+|\.htm$", re.I)
DIRECTORY_INDEX = re.compile(r"/(index(\.s?html?|\.htm|\.jsp|\.php)?)?$")
# Rows that open their report by script: onclick="window.open('../info/1103/7719.htm')",
# location.href='...', href="javascript:window.open('...')".
SCRIPT_TARGET = re.compile(
    r"""(?:window\.open|(?:window\.|document\.)?location(?:\.href)?\s*=|location\.(?:assign|replace))\s*\(?\s*['"]([^'"]+)['"]""")
NOT_A_LINK = ("#", "javascript:", "mailto:", "tel:")
# How long the browser lets a script-only list render after the load event (ms).
BROWSER_LIST_WAIT_MS = 2000
# Meta keys Scrapy's downloader writes about one download (download slot and latency, the
# redirect and retry middlewares' counts, the proxy middleware's state, the HTTP cache's marks):
# a request made again from its response must not carry them (MetaCopyDetectionMiddleware).
DOWNLOAD_RECORD = frozenset({
    "download_slot", "download_latency", "redirect_times", "redirect_ttl", "redirect_urls", "redirect_reasons",
    "retry_times", "_auth_proxy", "_scheme_proxy", "cache_timestamp", "_dont_cache",
})


def parse_date(text: str | None) -> str | None:
    """The first date in a text as YYYY-MM-DD (list rows show 2024-01-30, 2024/1/30, 2024年1月30日)."""
    m = DATE.search(text or "")
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def links(response) -> list:
    """The page's <a href> elements, as `response.css("a[href]")` finds them, read from the lxml
    tree itself: a parsel Selector per link cost more than the rest of a report page's callback.
    Found once per response (a report page asks for its attachments and its twins)."""
    found = _LINKS.get(response)
    if found is None:
        found = _LINKS[response] = response.selector.root.xpath("descendant-or-self::a[@href]")
    return found


_LINKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # response -> its links, while it lives


def clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def link_target(el) -> str | None:
    """Where an element points: its href, else the address its script opens
    (`onclick="window.open('...')"`, `location.href='...'`, `href="javascript:window.open('...')"`)."""
    href = (el.attrib.get("href") or "").strip()
    if href and not href.lower().startswith(NOT_A_LINK):
        return href
    for source in (el.attrib.get("onclick"), href):
        m = SCRIPT_TARGET.search(source or "")
        if m and m.group(1).strip() and not m.group(1).strip().lower().startswith(NOT_A_LINK):
            return m.group(1).strip()
    return None


def resolve(base: str, href: str) -> str:
    """An absolute URL with `./` and `../` resolved as a browser does: also too many `../`, dot
    segments inside an absolute address (`http://host/a/../info/1.htm`) and backslashes."""
    url = urljoin(base, href.strip().replace("\\", "/"))
    parts = urlsplit(url)
    if "/." not in parts.path:
        return url
    out: list[str] = []
    for seg in parts.path.split("/")[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    last = parts.path.rsplit("/", 1)[-1]
    path = "/" + "/".join(out) + ("/" if last in (".", "..") and out else "")
    return parts._replace(path=path).geturl()


class ReportSpider(scrapy.Spider):
    """Crawls one registry site (`scrapy crawl generic -a site=ID`); per-site subclasses set `site_id`."""

    name = "generic"
    site_id: str | None = None
    max_list_pages = 2000
    custom_settings: dict = {}

    def __init__(self, site: str | None = None, registry_path: str | None = None, years=None,
                 known: dict[str, dict] | None = None, stop_early: bool = True, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_id = site or self.site_id
        self.registry_path = registry_path
        self._years = years
        # Report pages stored by earlier runs ({url: {"etag", "last_modified"}}): with them the
        # run is incremental: lists are read until a page holds nothing new, and known pages
        # are re-checked with conditional requests only.
        self.known = known or {}
        # Sub-columns walked by earlier runs ({url: {..., "due"}}): one not due for a walk by the
        # schedule of harvester/recheck.py (an old year's list, say) is left unread.
        self.lists: dict[str, dict] = {}
        self.lists_left: set[str] = set()  # those left unread on this run
        # What this run's list pages showed, per list ({url: {"entries": {url: None},
        # "subcolumns": {url: None}, "newest", "year"}}): stored when the site is done
        # (pipelines/store.py), read by the next run.
        self.walks: dict[str, dict] = {}
        self.stop_early = stop_early
        self.list_pages: set[str] = set()  # canonical URLs of list pages: never fetched as reports
        self.entries_seen: set[str] = set()  # list entries met in this run (pagination traps)
        self.discovery: dict = {"probes": 0, "links": [], "notes": []}  # how the column was looked for
        self.successor: ReportSpider | None = None  # the family's spider that took over (take_family)
        self.init_family_state()

    def init_family_state(self):
        """Walk state a family keeps (its lists' paging, say); families override."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        kwargs.setdefault("registry_path", crawler.settings.get("HARVESTER_REGISTRY"))
        kwargs.setdefault("years", crawler.settings.getlist("HARVESTER_YEARS"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not spider.site_id:
            raise ValueError(f"spider {cls.name!r} needs a site: scrapy crawl {cls.name} -a site=ID")
        spider.site = registry.get(spider.site_id, spider.registry_path or registry.DEFAULT_PATH)
        spider.years = {int(y) for y in (spider._years or [])}
        spider.max_list_pages = crawler.settings.getint("HARVESTER_MAX_LIST_PAGES", 2000)
        return spider

    @classmethod
    def for_site(cls, crawler, site, *, known: dict | None = None, stop_early: bool = True,
                 years=(), max_list_pages: int = 2000, lists: dict | None = None) -> "ReportSpider":
        """This family's walker for one site inside a run's HarvestSpider (spiders/harvest.py):
        the same object `scrapy crawl` makes, sharing the run's crawler instead of owning one."""
        walker = cls(site=site.id, known=known, stop_early=stop_early)
        walker.crawler, walker.settings = crawler, crawler.settings
        walker.site, walker.years, walker.max_list_pages = site, set(years), max_list_pages
        walker.lists = lists or {}
        return walker

    @classmethod
    def recognizes(cls, url: str, html: str) -> bool:
        """Whether a column page is of this spider's CMS family (for `harvester add-site`)."""
        return False

    @classmethod
    def holds_report_column(cls, url: str, html: str) -> bool:
        """Whether a page of this family is itself the way to its annual reports though it
        links none (an app page whose categories come as data); families override."""
        return False

    @staticmethod
    def platform_column(response) -> bool:
        """Whether any family takes this page (reached by a 政府信息公开 link) for a column."""
        if not isinstance(response, HtmlResponse):
            return False
        from spiders.generic import FAMILIES

        return any(cls.holds_report_column(response.url, response.text) for cls in FAMILIES.values())

    # --- start --------------------------------------------------------------------------------
    async def start(self):
        for url in self.site.columns:  # never filtered: a resumed run must read its lists again
            # a column an earlier run's discovery found without learning its family (family
            # left empty, not the registry's explicit "generic"): learnt at the column, as
            # discovery would
            yield self.column_request(url, dont_filter=True,
                                      detect_family=type(self) is ReportSpider and not self.site.family)
        if not self.site.columns:  # left to discovery: homepage → 政府信息公开 → 年报
            yield scrapy.Request(self.site.homepage, callback=self.discover, errback=self.on_error,
                                 meta={"discovery_depth": 0})

    def discover(self, response):
        """Find the annual-report column from the homepage, cheapest path first: a column link
        on the homepage; else the column paths real portals use, guessed from the homepage's own
        政府信息公开 links (one request each, answered at once by a 404 when wrong); else
        政府信息公开 → 年报 links, two steps at most. What was tried is kept for the site's record."""
        html, depth = response.text, response.meta["discovery_depth"]
        columns = discover.column_links(html, response.url)
        if columns:
            yield from self.column_found(columns[0], response.url, fetch=True)
            return
        if depth and self.platform_column(response):  # a platform's app page holding the reports
            yield from self.column_found(response.url, response.url, response=response)
            return
        links = discover.disclosure_links(html, response.url)[:3]
        if depth == 0:
            probes = discover.guessed_columns(html, response.url)
            self.discovery.update(probes=len(probes), links=links)
            self.discovery["notes"].append(f"homepage has no 年报 link; {len(probes)} column path(s) guessed")
            for url in probes:
                yield scrapy.Request(url, callback=self.probe_column, errback=self.probe_missed,
                                     meta={"column": url, "discovery_depth": 0})
            if probes:
                return
        yield from self.follow_disclosure(links, depth)

    def follow_disclosure(self, links: list[str], depth: int):
        if depth >= 2 or not links:
            self.discovery["notes"].append(f"no 年报 link {'within two steps' if depth else 'on the homepage'}")
            return
        self.discovery["notes"].append(f"followed {len(links)} 政府信息公开 link(s) at step {depth + 1}")
        for url in links:
            yield scrapy.Request(url, callback=self.discover, errback=self.on_error,
                                 meta={"discovery_depth": depth + 1})

    def probe_column(self, response):
        """A guessed column path answered: read it if it is a report column, else go on."""
        if isinstance(response, HtmlResponse) and (discover.looks_like_column(response.text, response.url)
                                                   or self.platform_column(response)):
            yield from self.column_found(response.url, response.url, response=response)
        else:
            yield from self.probe_missed(None)

    def probe_missed(self, failure):
        """A guess that missed is no error of the portal's; after the last miss, the links."""
        self.discovery["probes"] -= 1
        if self.discovery["probes"] == 0 and not self.discovery.get("found"):
            yield from self.follow_disclosure(self.discovery["links"], 0)

    def column_found(self, url: str, via: str, response=None, fetch: bool = False):
        """The first column found is crawled (with its family's spider if the site had none)."""
        if self.discovery.get("found"):
            return
        self.discovery["found"] = url
        walker = self.take_family(url, response.text) if response is not None else self
        yield ColumnFound(site_id=self.site.id, url=url, via=via, family=walker.name if walker is not self else None)
        if response is not None:
            walker.list_pages.add(canonical_url(url))
            yield from walker.parse_column(response)
        elif fetch:
            yield self.column_request(url, detect_family=True)

    def take_family(self, url: str, html: str) -> "ReportSpider":
        """A generic walker that finds its column learns the portal's CMS family there: the walk
        goes on with that family's spider, which takes over this one's state (`successor`; the
        run's spider hands it the site's further pages). A registry row made from a homepage
        knows no family. Returns the walker to go on with."""
        if type(self) is not ReportSpider:
            return self
        from spiders.generic import FAMILIES, detect_family

        cls = FAMILIES.get(detect_family(url, html))
        if cls is None:
            return self
        walker = cls.for_site(self.crawler, self.site, known=self.known, stop_early=self.stop_early,
                              years=self.years, max_list_pages=self.max_list_pages, lists=self.lists)
        walker.list_pages, walker.entries_seen, walker.discovery = self.list_pages, self.entries_seen, self.discovery
        walker.walks, walker.lists_left = self.walks, self.lists_left
        self.successor = walker
        return walker

    def column_request(self, url: str, dont_filter: bool = False, **meta) -> scrapy.Request:
        self.list_pages.add(canonical_url(url))
        return scrapy.Request(url, callback=self.parse_column, errback=self.on_error, dont_filter=dont_filter,
                              meta=dict(meta, column=meta.get("column", url)))

    # --- list pages ---------------------------------------------------------------------------
    def parse_column(self, response):
        """One list page: report links, further pages of the list, sub-columns.

        A page that shows none of them is asked once more through the browser (`wants_browser`).
        """
        if response.meta.get("detect_family") and isinstance(response, HtmlResponse):
            walker = self.take_family(response.url, response.text)
            if walker is not self:
                yield ColumnFound(site_id=self.site.id, url=response.url, via=response.url, family=walker.name)
                yield from walker.parse_column(response)  # the family's spider reads it
                return
        column = response.meta.get("column", response.url)
        self.list_pages.add(canonical_url(response.url))
        entries = list(self.list_entries(response))
        pages = list(self.page_urls(response))
        subcolumns = list(self.subcolumn_urls(response, column))
        if self.wants_browser(response, entries, pages, subcolumns):
            self.crawler.stats.inc_value("harvester/browser_lists")
            yield self.browser_request(response)
            return
        items = [e for e in entries if not PAGER_TEXT.match(e["title"]) and e["url"] not in subcolumns]
        if response.meta.get("list_page") and items and all(e["url"] in self.entries_seen for e in items):
            # a further page that only repeats what this run has seen: the end, or a pager that
            # loops back on itself (a trap); either way nothing more to read here
            self.crawler.stats.inc_value("harvester/list_loops_stopped")
            pages = []
        elif len(self.list_pages) >= self.max_list_pages:
            self.crawler.stats.inc_value("harvester/list_pages_capped")
            pages = []
        self.entries_seen.update(e["url"] for e in items)
        wanted = [e for e in entries
                  if self.wants(e["title"]) and canonical_url(e["url"]) not in self.list_pages]
        for entry in wanted:
            seen = self.known.get(entry["url"])
            if seen is not None and not seen.get("due", True):
                # stored, and not due for a check by its age (harvester/recheck.py): not
                # fetched; the list still shows it, so it was seen.
                yield Unchanged(url=entry["url"], site_id=self.site.id, checked=False)
                yield from self.unstored_twins(entry["url"], entry, response.url)
            else:  # new, or due: asked "changed?" where the portal gives a validator
                yield self.report_request(entry, response)
        if self.known and self.stop_early:
            fresh = [e for e in wanted if e["url"] not in self.known]
            if wanted and not fresh and not self.due_unseen():
                self.crawler.stats.inc_value("harvester/lists_stopped_early")
                pages = []  # everything here is known and nothing older is due: nothing to read on
            else:
                pages = self.next_page(response.url, pages)
        year = response.meta.get("list_year")
        for url in pages:
            yield self.column_request(url, column=column, list_page=True, list_year=year)
        years = self.link_years(response, subcolumns) if subcolumns else {}
        for url in subcolumns:
            if self.archived(url):
                if url not in self.lists_left:  # counted once a run, however often it is linked
                    self.lists_left.add(url)
                    self.crawler.stats.inc_value("harvester/lists_not_due")
                continue
            yield self.column_request(url, list_year=years.get(url) or year)
        self.note_walk(column, wanted, subcolumns, year)

    def note_walk(self, column: str, entries: list[dict], subcolumns: list[str], year: int | None):
        """One list page read: what it showed joins its list's record of this run."""
        walk = self.walks.setdefault(column, {"entries": {}, "subcolumns": {}, "newest": None, "year": year})
        walk["entries"].update(dict.fromkeys(e["url"] for e in entries))  # dicts: ordered sets
        walk["subcolumns"].update(dict.fromkeys(subcolumns))
        dates = [d for d in [walk["newest"], *(e.get("published") for e in entries)] if d]
        walk["newest"] = max(dates) if dates else None

    def archived(self, url: str) -> bool:
        """A sub-column earlier runs walked that is not due for a walk on this run
        (harvester/recheck.py: an old year's list, a body's list with nothing due): left unread."""
        walk = self.lists.get(url)
        return walk is not None and not walk.get("due", True)

    @staticmethod
    def link_years(response, urls: list[str]) -> dict[str, int]:
        """{sub-column URL: the year its link names (2023年度) or its path holds (/2023/)}."""
        wanted, out = set(urls), {}
        for a in response.css("a[href]"):
            url = response.urljoin(a.attrib["href"].strip())
            if url in wanted and url not in out:
                text = clean(a.attrib.get("title")) or clean(" ".join(a.css("::text").getall()))
                year = recheck.list_year(text) or recheck.list_year(urlsplit(url).path)
                if year:
                    out[url] = year
        return out

    def due_unseen(self) -> bool:
        """Whether a stored page due for a check (harvester/recheck.py) has not shown up in
        this run's lists yet: then the list is read on to reach it."""
        return any(v.get("due") and url not in self.entries_seen for url, v in self.known.items())

    def wants_browser(self, response, entries: list[dict], pages: list[str], subcolumns: list[str]) -> bool:
        """A list only a browser renders: an HTML page with scripts but no report-like link, no
        further page and no sub-column. Asked once: never for an answer that came from the
        browser (ours or ChallengeMiddleware's). Families with a cheaper path return False."""
        if response.meta.get("playwright") or not isinstance(response, HtmlResponse):
            return False
        if pages or subcolumns or any(looks_like_report_title(e["title"]) for e in entries):
            return False
        return bool(response.xpath("//script"))

    def browser_request(self, response) -> scrapy.Request:
        """The same request once more, rendered by the browser (scrapy-playwright)."""
        from scrapy_playwright.page import PageMethod

        # The request's own meta goes along; what the downloader recorded of the first download
        # (its latency, redirects, retries, proxy state) does not: it is not this download's.
        meta = {k: v for k, v in response.meta.items() if k not in DOWNLOAD_RECORD}
        meta.update(playwright=True, playwright_context=browser_context(response.url),
                    playwright_page_methods=[PageMethod("wait_for_timeout", BROWSER_LIST_WAIT_MS)])
        return response.request.replace(meta=meta, dont_filter=True)

    @staticmethod
    def next_page(current: str, pages: list[str]) -> list[str]:
        """The page after `current` in a pager's ordered list (all of them if it is not there)."""
        keys = [canonical_url(u) for u in pages]
        here = canonical_url(current)
        if here in keys:
            i = keys.index(here)
            return pages[i + 1:i + 2]
        return pages

    def list_entries(self, response):
        """(url, title, published) of every link on a list page; the title filter picks reports.

        The `title` attribute wins over the link text, which lists often cut short with '...'.
        """
        base = response.urljoin("")  # the page's <base href> if it has one
        # Anchors and, in reading order, rows opened by onclick that hold no link of their own
        # (such a row's text less its date is the title).
        for a in response.xpath("//a[@href or @onclick] | //*[@onclick][not(self::a)]"):
            href = link_target(a)
            if not href:
                continue
            text = " ".join(a.css("::text").getall())
            if a.root.tag != "a":
                if any(link_target(inner) for inner in a.xpath(".//a")):
                    continue
                text = DATE.sub(" ", text)
            title = clean(a.attrib.get("title")) or clean(text)
            if not title:
                continue
            row = a.xpath("ancestor-or-self::*[self::li or self::tr or self::dd or self::div][1]")
            link = resolve(base, href)
            entry = {
                "url": strip_tracking(link),
                "title": title,
                "published": parse_date(" ".join(row.css("::text").getall())) if row else None,
            }
            if link != entry["url"]:
                entry["link"] = link  # as listed, tracking parameters and all: an alias of the page
            yield entry

    def wants(self, title: str) -> bool:
        if not looks_like_report_title(title):
            return False
        if self.years:
            year = year_from_title(title)
            return year is None or year in self.years
        return True

    def page_urls(self, response):
        """Further pages of the same list: '下一页' / '尾页' links by default; families override."""
        for a in response.css("a[href]"):
            text = clean(" ".join(a.css("::text").getall()))
            if NEXT_PAGE_TEXT.match(text) or (text.isdigit() and len(text) <= 4):
                href = a.attrib["href"].strip()
                if href and not href.startswith(("#", "javascript:")):
                    yield response.urljoin(href)

    def subcolumn_urls(self, response, column: str):
        """Columns split by body or year (本级/部门/乡镇, 2023年度, ...): index pages below this
        column, and list pages elsewhere on the site whose link names a year or a body."""
        base = urlsplit(column)
        prefix = base.path.rsplit("/", 1)[0] + "/"
        for a in response.css("a[href]"):
            url = response.urljoin(a.attrib["href"].strip())
            parts = urlsplit(url)
            if parts.netloc != base.netloc:
                continue
            path = parts.path
            if not parts.query and path.startswith(prefix) and len(path) > len(prefix) and DIRECTORY_INDEX.search(path):
                sub = DIRECTORY_INDEX.sub("/", path)
                if sub != prefix and sub.startswith(prefix):
                    yield url
                    continue
            text = clean(a.attrib.get("title")) or clean(" ".join(a.css("::text").getall()))
            if SUBCOLUMN_TEXT.match(text) and (DIRECTORY_INDEX.search(path) or LIST_PAGE.search(url)):
                yield url

    # --- report pages -------------------------------------------------------------------------
    def report_request(self, entry: dict, response) -> scrapy.Request:
        meta = {"entry": entry, "list_url": response.url}
        if ATTACHMENT.search(entry["url"]):  # the list links a file: Scrapy's cap for files
            meta["download_maxsize"] = self.settings.getint("HARVESTER_FILE_MAXSIZE", 64 * 1024 * 1024)
        headers = {}
        seen = self.known.get(entry["url"])
        if seen:  # ask only for a changed page
            if seen.get("etag"):
                headers["If-None-Match"] = seen["etag"]
            if seen.get("last_modified"):
                headers["If-Modified-Since"] = seen["last_modified"]
            meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(entry["url"], callback=self.parse_report, errback=self.on_error,
                              meta=meta, headers=headers)

    def parse_report(self, response):
        entry = response.meta.get("entry", {})
        if response.status == 304:
            yield Unchanged(url=response.url, site_id=self.site.id)
            yield from self.unstored_twins(response.url, entry, response.meta.get("list_url"))
            return
        item = self.report_item(response, entry)
        yield item
        for url in item.twins:  # found once, by report_item
            yield scrapy.Request(url, callback=self.parse_twin, errback=self.on_error,
                                 meta={"entry": dict(entry, url=url), "list_url": response.url})

    def unstored_twins(self, url: str, entry: dict, list_url: str | None):
        """Twins of a known page that no run has stored yet (one killed mid-way, say)."""
        for twin in self.known.get(url, {}).get("twins", []):
            if twin not in self.known:
                yield scrapy.Request(twin, callback=self.parse_twin, errback=self.on_error,
                                     meta={"entry": dict(entry, url=twin), "list_url": list_url})

    def parse_twin(self, response):
        """A mobile/print twin: stored as one more source of the same report."""
        yield self.report_item(response, response.meta.get("entry", {}))

    def report_item(self, response, entry: dict) -> ReportPage:
        title = entry.get("title")
        return ReportPage(
            url=response.url,
            site_id=self.site.id,
            agency=self.site.agency,
            province=self.site.province,
            body=response.body,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            status=response.status,
            title=title,
            year=year_from_title(title) if title else None,
            published=entry.get("published"),
            list_url=response.meta.get("list_url"),
            attachments=list(self.attachments(response)),
            twins=list(self.twin_urls(response)),
            aliases=self.aliases(response, entry),
            headers={k: response.headers.get(k, b"").decode("latin-1")
                     for k in ("ETag", "Last-Modified") if response.headers.get(k)},
        )

    @staticmethod
    def aliases(response, entry: dict) -> list[str]:
        """Other addresses of this very page: the list's link before its tracking parameters were
        dropped, the address a redirect started from, a platform's second URL (gkmlpt post_url)."""
        out = []
        redirected = (response.request.meta.get("redirect_urls") or []) if response.request is not None else []
        for url in [entry.get("link"), *redirected, *entry.get("aliases", [])]:
            if url and url != response.url and url not in out:
                out.append(url)
        return out

    def attachments(self, response):
        if not isinstance(response, TextResponse):  # a file (the list linked it straight): no links
            return
        for a in links(response):
            href = a.get("href").strip()
            if ATTACHMENT.search(href):
                yield {"url": response.urljoin(href), "name": clean(" ".join(a.xpath("descendant-or-self::text()"))) or None}

    def twin_urls(self, response):
        if not isinstance(response, TextResponse):
            return []
        urls = []
        for a in links(response):
            href = a.get("href").strip()
            url = response.urljoin(href)
            if TWIN.search(url) and url != response.url and url not in urls:
                urls.append(url)
        # Some pages print the twin's address as text (seed 003: "./t..._app.shtml"). The text
        # nodes are read from lxml directly: a Selector per text node costs 20 ms a page.
        texts = response.selector.root.xpath("//body//text()") if "_app." in response.text else []
        for text in (m for t in texts for m in TWIN_TEXT.findall(t)):
            url = urljoin(response.url, text)
            if TWIN.search(url) and url != response.url and url not in urls:
                urls.append(url)
        return urls

    # --- errors -------------------------------------------------------------------------------
    def on_error(self, failure):
        """Record what could not be fetched; the run goes on."""
        request = failure.request
        entry = request.meta.get("entry", {})
        status, reason = None, repr(failure.value)
        if failure.check(HttpError):
            status = failure.value.response.status
            reason = f"HTTP {status}"
        elif failure.check(DNSLookupError):
            reason = "DNS lookup failed"
        elif failure.check(TimeoutError, TCPTimedOutError):
            reason = "timed out"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("failed %s: %s", request.url, reason)
        self.crawler.stats.inc_value(f"harvester/errors/{reason.split(':')[0]}")
        yield FetchError(url=request.url, site_id=self.site.id, reason=reason, status=status,
                         list_url=request.meta.get("list_url"), title=entry.get("title"))
