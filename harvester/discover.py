"""What a portal's pages tell about where its annual-report column is, and whose portal it is.

Real portals put the column under 政府信息公开 (or 信息公开 / 政务公开), named 政府信息公开年报,
年度报告, 信息公开年报 ... Everything here is pure (HTML in, URLs or names out): the fetching is
ReportSpider's discovery (spiders/base.py), which a crawl runs and `harvester add-site` runs
through spiders/column.py, so the two find a column the same way.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import lxml.html

from harvester import agencies
from harvester.provinces import PROVINCES
from harvester.report import places

DISCLOSURE = re.compile(r"政府信息公开|信息公开|政务公开|法定主动公开")
DISCLOSURE_NOT = re.compile(r"指南|制度|申请|目录管理|规定|意见箱")
COLUMN = re.compile(r"年报|年度报告|工作报告")
COLUMN_NOT = re.compile(r"图解|解读|通知|要点|决算|预算|\d{4}年.*年度报告$")
AGENCY = re.compile(r"[\u4e00-\u9fa5（）()]{2,40}?(人民政府|委员会|管理局|办公室|管委会|管理委员会|局|厅|委|办|院|署|中心)")


def links(html: str, base_url: str) -> list[tuple[str, str]]:
    """(absolute URL, text or title) of every link on a page."""
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    out = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        text = re.sub(r"\s+", "", a.get("title") or a.text_content() or "")
        out.append((urljoin(base_url, href), text))
    return out


def disclosure_links(html: str, base_url: str) -> list[str]:
    """Links to the portal's 政府信息公开 section, best first."""
    found = [(u, t) for u, t in links(html, base_url) if DISCLOSURE.search(t) and not DISCLOSURE_NOT.search(t)]
    found.sort(key=lambda ut: (0 if "政府信息公开" in ut[1] else 1, len(ut[1])))
    return _unique(u for u, _ in found)


def column_links(html: str, base_url: str) -> list[str]:
    """Links to an annual-report column (年报 / 年度报告), not to one report or a 图解."""
    found = [(u, t) for u, t in links(html, base_url)
             if COLUMN.search(t) and not COLUMN_NOT.search(t) and len(t) <= 20]
    found.sort(key=lambda ut: (0 if "信息公开" in ut[1] else 1, len(ut[1])))
    return _unique(u for u, _ in found)


# Where real portals keep the annual-report column below their 政府信息公开 section
# (shared/spec/portals.md, shared/registry/report-columns.tsv): directory columns of TRS-like
# CMSes, and the one-page .htm columns of 博达 VSB sites.
COLUMN_DIRS = ("zfxxgknb/", "xxgknb/", "zfxxgkndbg/")
COLUMN_PAGES = ("zfxxgknb.htm",)
# Sections where those columns sit when the homepage links no section of its own.
COMMON_SECTIONS = ("/zfxxgk/", "/xxgk/")
MAX_GUESSES = 3


def guessed_columns(html: str, base_url: str) -> list[str]:
    """Column URLs worth one request each, best first: the usual column paths below the
    政府信息公开 sections the homepage links to (/zfxxgk/ → /zfxxgk/zfxxgknb/), else below the
    most common sections. A wrong guess costs one 404."""
    base = urlsplit(base_url)
    sections = []
    for url in disclosure_links(html, base_url):
        parts = urlsplit(url)
        if parts.netloc != base.netloc or parts.query:
            continue
        path = parts.path
        if path.endswith((".htm", ".html", ".shtml", ".jsp", ".php", ".asp")):
            stem, _, name = path.rpartition("/")
            if not name.startswith("index"):  # /zfxxgk.htm: the VSB section page names the folder
                sections.append(("page", path.rsplit(".", 1)[0] + "/"))
                continue
            path = stem + "/"
        if path != "/" and path.endswith("/"):
            sections.append(("dir", path))
    if not sections:
        sections = [("dir", path) for path in COMMON_SECTIONS]
    guesses = []  # each section's likeliest path first, then the next likeliest of each
    for rank in range(max(len(COLUMN_DIRS), len(COLUMN_PAGES))):
        for kind, path in sections:
            names = COLUMN_PAGES if kind == "page" else COLUMN_DIRS
            if rank < len(names):
                guesses.append(f"{base.scheme}://{base.netloc}{path}{names[rank]}")
    return _unique(guesses)[:MAX_GUESSES]


def looks_like_column(html: str, url: str) -> bool:
    """Whether a page is an annual-report column: it lists report-like links, or names itself a
    年报 column and carries a list script (lists written by script or loaded from an API)."""
    from harvester.report import looks_like_report_title

    found = links(html, url)
    if any(looks_like_report_title(text) for _, text in found):
        return True
    try:
        title = lxml.html.fromstring(html).findtext(".//title") or ""
    except (ValueError, lxml.etree.ParserError):
        return False
    return bool(COLUMN.search(title)) and "<script" in html.lower()


def _unique(urls):
    seen, out = set(), []
    for u in urls:
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out


# --- whose portal -------------------------------------------------------------------------------
def guess_agency(html: str) -> str | None:
    """The agency a page names in its <title> or site name (…-柳州市柳南区人民政府)."""
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    candidates = [doc.findtext(".//title") or ""]
    candidates += [m.get("content") or "" for m in doc.xpath("//meta[@name='SiteName' or @name='ColumnName']")]
    for text in candidates:
        for part in re.split(r"[-_|｜—\s]+", text):
            m = AGENCY.fullmatch(part.strip())
            if m:
                return m.group(0)
    return None


def guess_level(agency: str, sites=()) -> str:
    """The registry level of an agency: the registry's own where it knows the agency (a 市 is
    county-level when the registry says so), else from the end of its name (临川县 → county)."""
    return agencies.government_level(agency, {s.agency: s.level for s in sites})


def guess_province(text: str) -> str | None:
    """The province an agency's name places it in (西宁市城中区人民政府 → 青海省)."""
    for full, short, *_ in PROVINCES:
        if text.startswith((full, short)):
            return full
    return places.province_of(text)
