"""博达 VSB (Visual SiteBuilder): static .htm lists paged counting DOWN.

What this family does (spec/portals.md):
- List page 1 is `/{slug}.htm`; later pages are `/{slug}/{N}.htm` counting down: page P of M is
  `/{slug}/{M-P+1}.htm` and the last page is `/{slug}/1.htm`. The pager prints `共1432条 1/144`
  (often with &nbsp; between): the page count M and the current page P come from that text, so
  the pages are listed in reading order (newest first) for the incremental mode.
- Articles `/info/{category}/{id}.htm`, linked relatively (`info/1103/7719.htm`, `../info/...`):
  the shared anchor reader resolves them against the list page.
- Body `#vsb_content .v_news_content`; attachments through
  `/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=...&wbfileid=...`, named by
  their link text (the `已下载N次` click counter stripped).
- Older VSB sites are GB2312/GBK: the bytes are handed over as is (the pipelines decode).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from spiders.base import NEXT_PAGE_TEXT, ReportSpider, clean

PAGER = re.compile(r"共\s*(\d+)\s*条.{0,80}?(?<!\d)(\d+)\s*/\s*(\d+)(?!\d)", re.S)
MARKS = re.compile(r"_showDynClicks|/system/resource/|vsb_content|_newscontent_fromname|"
                   r"/system/_content/download\.jsp|v_news_content|VsbTreeClick|vsbscreen", re.I)
INFO_LINK = re.compile(r"""href\s*=\s*['"]?(?:\.\./|\./)*(?:[\w-]+/)*info/\d+/\d+\.htm""", re.I)
NUMBERED = re.compile(r"/\d+\.html?$")
COUNTER = re.compile(r"\s*(?:已下载|下载次数[:：]?)\s*\d*\s*次?\s*$")


def pager_position(text: str) -> tuple[int, int, int] | None:
    """(records, current page, pages) from the pager text `共1432条 1/144`."""
    m = PAGER.search(text.replace("\xa0", " "))
    if not m:
        return None
    records, current, pages = (int(x) for x in m.groups())
    if pages < 1 or not 1 <= current <= pages:
        return None
    return records, current, pages


def list_pages(url: str, current: int, pages: int, pager_link: str | None = None) -> list[str]:
    """Every page of a VSB list in reading order: `/{slug}.htm`, `/{slug}/{M-1}.htm`, ..., `/{slug}/1.htm`.

    `current` tells which URL this is: page 1 is the slug itself, page P > 1 is `/{slug}/{N}.htm`.
    A numbered link of the pager (`xxgknb/143.htm`), when there is one, fixes the slug directory
    even when page 1 was reached under another name.
    """
    parts = urlsplit(url)
    path, ext = parts.path, ".htm"
    link = urlsplit(pager_link).path if pager_link else ""
    if link and NUMBERED.search(link):
        slug_dir, ext = link.rsplit("/", 1)[0] + "/", "." + link.rsplit(".", 1)[-1]
        first = path if current == 1 else slug_dir.rstrip("/") + ext
    elif current > 1 and NUMBERED.search(path):  # /{slug}/{N}.htm
        slug_dir, ext = path.rsplit("/", 1)[0] + "/", "." + path.rsplit(".", 1)[-1]
        first = slug_dir.rstrip("/") + ext
    elif current == 1 and re.search(r"\.html?$", path):
        ext = "." + path.rsplit(".", 1)[-1]
        slug_dir, first = path.rsplit(".", 1)[0] + "/", path
    else:
        return []
    paths = [first] + [f"{slug_dir}{pages - p + 1}{ext}" for p in range(2, pages + 1)]
    return [urlunsplit((parts.scheme, parts.netloc, p, "", "")) for p in paths]


class VSBSpider(ReportSpider):
    """Base spider of 博达 VSB portals."""

    name = "vsb"

    @classmethod
    def recognizes(cls, url, html):
        html = html or ""
        return bool(MARKS.search(html) or (pager_position(re.sub(r"<[^>]+>", " ", html)) and INFO_LINK.search(html)))

    def page_urls(self, response):
        text = " ".join(response.xpath("//body//text()[not(ancestor::script)]").getall())
        where = pager_position(text)
        if where:
            _, current, pages = where
            urls = list_pages(response.url, current, pages, self._pager_link(response))
            if urls:
                return urls
        return list(super().page_urls(response))

    @staticmethod
    def _pager_link(response) -> str | None:
        """A numbered page the pager links (下页/尾页/a page number), absolute."""
        for a in response.css("a[href]"):
            href = a.attrib["href"].strip()
            text = clean(" ".join(a.css("::text").getall()))
            if NUMBERED.search(href.split("?", 1)[0]) and (NEXT_PAGE_TEXT.match(text) or text in ("上页", "上一页", "首页") or text.isdigit()):
                url = response.urljoin(href)
                if "/info/" not in url:
                    return url
        return None

    def attachments(self, response):
        for item in super().attachments(response):
            if item.get("name"):
                item["name"] = COUNTER.sub("", item["name"]) or None
            yield item

