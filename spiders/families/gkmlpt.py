"""广东 gkmlpt (政府信息公开目录管理平台): a JavaScript app over a JSON API.

What this family does (spec/portals.md):
- The column `/gkmlpt/index#721` is a JS app holding `window._CONFIG = {SID: '755041', TREE:
  [{id, name, children, jump_url, post_count}, ...]}`. The category is the URL's hash; without
  one, the annual-report categories are found in TREE by name (年报 / 年度报告; the topmost
  matching node, whose `all` list includes its children).
- Lists come from `GET /gkmlpt/api/all/{category}?page={n}&sid={SID}`: JSON with `total`,
  `classify.post_count` and `articles[]` (100 a page). page=0 and page=1 return the same batch, so
  paging starts at 1 and stops at the first page that is empty or repeats an earlier page, or
  once `total` articles have been seen.
- Articles `/gkmlpt/content/{id // 10**6}/{id // 10**3}/post_{id}.html` are JS apps too: the body
  is JSON-escaped HTML in `_CONFIG.DETAIL.content`.

The report page item: its body is the bytes served (a script shell), as every family's is;
the parser reads DETAIL out of it (harvester/report/gkmlpt.py). The item's title and date are
the list's, its attachments those of the list API's `attachment[]` plus DETAIL's and the
content's links.
The mobile twin (`mpost_`) holds the same DETAIL and is not fetched.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import HtmlResponse

from harvester.report import gkmlpt as page
from spiders.base import ReportSpider, clean, parse_date
from spiders.families.scriptlist import any_date, assigned_literal

CONFIG = re.compile(r"\b_CONFIG\b")
SID = re.compile(r"""\bSID['"]?\s*:\s*['"]?([\w-]+)""")
REPORT_CATEGORY = re.compile(r"年报|年度报告")
HASH_CATEGORY = re.compile(r"^#?/?(\d+)")
POST_ID = re.compile(r"/m?post_(\d+)\.html")


def tree_categories(tree) -> list[dict]:
    """The topmost TREE nodes named like annual reports (年报 / 年度报告), depth first."""
    found = []

    def walk(nodes):
        for node in nodes or []:
            if not isinstance(node, dict):
                continue
            if REPORT_CATEGORY.search(str(node.get("name") or "")):
                found.append(node)
            else:
                walk(node.get("children"))

    walk(tree if isinstance(tree, list) else [])
    return found


def api_url(index_url: str, category, sid: str, page: int = 1) -> str:
    """`{.../gkmlpt/}api/all/{category}?page={page}&sid={SID}` next to the app's index."""
    parts = urlsplit(index_url)
    path = parts.path
    root = path[: path.index("/gkmlpt/") + len("/gkmlpt/")] if "/gkmlpt/" in path else "/gkmlpt/"
    query = urlencode({"page": page, "sid": sid})
    return urlunsplit((parts.scheme, parts.netloc, f"{root}api/all/{category}", query, ""))


def post_url(base_url: str, post_id: int) -> str:
    return urljoin(base_url, f"/gkmlpt/content/{post_id // 10**6}/{post_id // 10**3}/post_{post_id}.html")


def detail(text: str) -> dict | None:
    """`_CONFIG.DETAIL` of an article page: as data (JS objects too), else what the parser reads."""
    data = assigned_literal(text, "DETAIL")
    if isinstance(data, dict) and data.get("content"):
        return data
    return page.detail(text)


def article_entry(article: dict, base_url: str) -> dict | None:
    """One API article as an entry: url/title/published plus what the page does not show."""
    if not isinstance(article, dict):
        return None
    url = article.get("url") or article.get("post_url")
    if not url and str(article.get("id", "")).isdigit():
        url = post_url(base_url, int(article["id"]))
    title = clean(article.get("title"))
    if not url or not title:
        return None
    published = (any_date(article.get("display_publish_time")) or any_date(article.get("date"))
                 or any_date(article.get("created_at")))
    other = urljoin(base_url, article["post_url"]) if article.get("url") and article.get("post_url") else None
    entry = {
        "url": urljoin(base_url, url),
        "title": title,
        "published": published,
        "publisher": clean(article.get("publisher")) or None,
        "document_number": clean(article.get("document_number")) or None,
        "identifier": clean(article.get("identifier")) or None,
        "attachments": api_attachments(article.get("attachment"), base_url),
    }
    if other and other != entry["url"]:
        entry["aliases"] = [other]  # the same article on the portal's NFCMS pages
    return entry


def api_attachments(items, base_url: str) -> list[dict]:
    out = []
    for item in items or []:
        if isinstance(item, dict) and item.get("url"):
            out.append({"url": urljoin(base_url, item["url"]), "name": clean(item.get("name")) or None})
    return out


class GkmlptSpider(ReportSpider):
    """Base spider of Guangdong gkmlpt portals."""

    name = "gkmlpt"

    def init_family_state(self):
        self._pages: dict[str, dict[int, set]] = {}  # API list → page → article ids

    @classmethod
    def recognizes(cls, url, html):
        html = html or ""
        return "/gkmlpt/" in (url or "") or bool(CONFIG.search(html) and SID.search(html)
                                                 and re.search(r"gkmlpt|TREE", html))

    @classmethod
    def holds_report_column(cls, url, html):
        """The platform's app page (/gkmlpt/index) whose TREE has an annual-report category."""
        html = html or ""
        return bool(CONFIG.search(html) and tree_categories(assigned_literal(html, "TREE")))

    # --- list pages ---------------------------------------------------------------------------
    def column_request(self, url: str, dont_filter: bool = False, **meta) -> scrapy.Request:
        # /gkmlpt/index#721 and #722 are one URL to the dupefilter: never filter a hashed column.
        return super().column_request(url, dont_filter=dont_filter or bool(urlsplit(url).fragment), **meta)

    @staticmethod
    def _json(response) -> dict | None:
        text = response.text.lstrip("\ufeff \r\n\t")
        if not text.startswith("{"):
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def _column(response) -> str:
        request = getattr(response, "request", None)
        return (request.meta.get("column") if request is not None else None) or response.url

    def list_entries(self, response):
        data = self._json(response)
        if data is not None:
            for article in data.get("articles") or []:
                entry = article_entry(article, response.url)
                if entry:
                    yield entry
        elif not CONFIG.search(response.text):  # not the app: an ordinary list page
            yield from super().list_entries(response)

    def page_urls(self, response):
        """The app page: page 1 of each category's API list. An API page: the next page, unless
        this one is empty, repeats an earlier page, or `total` articles have been seen."""
        data = self._json(response)
        if data is not None:
            return self._next_api_page(response, data)
        text = response.text
        if not CONFIG.search(text):
            return list(super().page_urls(response))
        sid = (SID.search(text) or [None, None])[1]
        if not sid:
            return []
        hash_ = urlsplit(self._column(response)).fragment or urlsplit(response.url).fragment
        m = HASH_CATEGORY.match(hash_)
        if m:
            categories = [m.group(1)]
        else:
            categories = [node["id"] for node in tree_categories(assigned_literal(text, "TREE"))
                          if node.get("id") is not None]
        return [api_url(response.url, c, sid, 1) for c in categories]

    def _next_api_page(self, response, data: dict) -> list[str]:
        parts = urlsplit(response.url)
        query = dict(parse_qsl(parts.query))
        try:
            page = int(query.get("page", 1))
        except ValueError:
            return []
        key = urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) + "?sid=" + query.get("sid", "")
        ids = {a.get("id") or a.get("url") for a in data.get("articles") or [] if isinstance(a, dict)}
        pages = self._pages.setdefault(key, {})
        pages[page] = ids
        earlier = [v for p, v in pages.items() if p < page]
        seen = set().union(*earlier, ids)
        if not ids or any(ids <= v for v in earlier):
            return []
        classify = data.get("classify") if isinstance(data.get("classify"), dict) else {}
        total = next((int(t) for t in (data.get("total"), classify.get("post_count"))
                      if isinstance(t, int) or (isinstance(t, str) and t.isdigit())), None)
        if total is not None and len(seen) >= total:
            return []
        query["page"] = str(page + 1)
        return [urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))]

    def subcolumn_urls(self, response, column: str):
        return []  # categories come from TREE, not from directory links

    # --- report pages -------------------------------------------------------------------------
    def parse_report(self, response):
        """An article app page: its served bytes with DETAIL's facts (see the module docstring)."""
        if response.status == 304 or not hasattr(response, "text"):
            yield from super().parse_report(response)
            return
        found = detail(response.text) if CONFIG.search(response.text) else None
        if not found or not found.get("content"):
            yield from super().parse_report(response)
            return
        yield self.detail_item(response, response.meta.get("entry", {}), found)

    def detail_item(self, response, entry: dict, found: dict):
        """The served page as it is, with the facts the list and DETAIL give (title, date,
        attachments); the parser makes the readable document from the same bytes."""
        title = clean(found.get("title")) or entry.get("title")
        published = (page.when(found.get("display_publish_time")) or page.when(found.get("date"))
                     or page.when(entry.get("published")))
        attachments = list(entry.get("attachments") or [])
        attachments += api_attachments(found.get("attachment") or found.get("attachments"), response.url)
        item = self.report_item(response, dict(entry, title=entry.get("title") or title,
                                               published=entry.get("published") or parse_date(published)))
        content = HtmlResponse(url=response.url, body=found["content"].encode("utf-8"), encoding="utf-8")
        merged, urls = [], set()
        for a in attachments + list(self.attachments(content)) + item.attachments:
            if a["url"] not in urls:
                urls.add(a["url"])
                merged.append(a)
        item.attachments = merged
        item.twins = []
        return item
