"""Finding a portal's annual-report column, and adding a portal to the registry by URL.

Real portals put the column under 政府信息公开 (or 信息公开 / 政务公开), named 政府信息公开年报,
年度报告, 信息公开年报 ... The link scoring here is pure (HTML in, URLs out) so the crawl's
discovery path and `harvester add-site` share it.
"""

from __future__ import annotations

import re
import ssl
import urllib.request
from datetime import date
from urllib.parse import urljoin, urlsplit

import lxml.html

from harvester import agencies, registry
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


# --- add-site ---------------------------------------------------------------------------------
class AddSiteError(ValueError):
    """A portal could not be added; the message says why."""


def fetch(url: str, proxy: str | None = None, timeout: float = 30) -> tuple[str, str]:
    """(final URL, decoded HTML) of one page, through the proxy if any (or http(s)_proxy).

    Certificates are not verified, like Scrapy's downloader: many portals and proxies present
    certificates no client trusts.
    """
    from harvester.report import decode_html

    handlers = [urllib.request.HTTPSHandler(context=ssl._create_unverified_context())]
    if proxy:
        handlers.append(urllib.request.ProxyHandler({"http": proxy, "https": proxy}))
    opener = urllib.request.build_opener(*handlers)
    opener.addheaders = [("User-Agent", "gov-report-harvester/0.1 (add-site)")]
    try:
        with opener.open(url, timeout=timeout) as answer:
            return answer.geturl(), decode_html(answer.read(), answer.headers.get("Content-Type"))
    except (OSError, ValueError) as e:
        raise AddSiteError(f"cannot fetch {url}: {getattr(e, 'reason', e)}") from None


def find_column(homepage: str, proxy: str | None = None) -> str | None:
    """Follow 政府信息公开 → 年报 from a homepage; the column URL, or None."""
    url, html = fetch(homepage, proxy)
    direct = column_links(html, url)
    if direct:
        return direct[0]
    for section in disclosure_links(html, url)[:3]:
        try:
            section_url, section_html = fetch(section, proxy)
        except AddSiteError:
            continue
        found = column_links(section_html, section_url)
        if found:
            return found[0]
    return None


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


def site_id_for(url: str, existing: set[str]) -> str:
    host = (urlsplit(url).hostname or "site").removeprefix("www.")
    base = re.sub(r"\.gov\.cn$|\.com$|\.cn$", "", host).replace(".", "-")
    candidate, n = base, 2
    while candidate in existing:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def add_site(url: str, *, province: str | None = None, agency: str | None = None, homepage: bool = False,
             registry_path=registry.DEFAULT_PATH, proxy: str | None = None, parent: str | None = None) -> registry.Site:
    """Add a portal by its column URL (or by its homepage with `homepage=True`).

    Fetches the page, detects the CMS family, fills what the page tells (agency, level,
    province). A portal the registry has already (same host, or a government of the same
    name) gets the column recorded on its row; another body's portal (a department, a zone)
    is appended as a new row under its government (`parent`, else found from its name),
    marked unverified. Every government is in the registry with its division code, so a
    government that is not is an error rather than a row without a code.
    """
    from spiders.generic import detect_family

    column = find_column(url, proxy) if homepage else url
    if not column:
        raise AddSiteError(f"no 政府信息公开 → 年报 column found from {url}; give the column URL instead")
    final, html = fetch(column, proxy)
    agency = agency or guess_agency(html)
    if not agency:
        raise AddSiteError(f"cannot tell the agency from {column}: pass --agency")
    full = registry.province_name(province) if province else guess_province(agency)
    if not full:
        raise AddSiteError(f"cannot tell the province of {agency}: pass --province")
    parts = urlsplit(final)
    sites = registry.load(registry_path)
    family = detect_family(final, html)
    how = f"added with harvester add-site from {url} on {date.today().isoformat()}" + (
        " (column found from the homepage)" if homepage else "")
    known = known_agency(sites, agency, full) or known_site(sites, parts.hostname or "", agency)
    if known is not None:  # the portal is in the registry already: record its column there
        if column in known.columns:
            raise AddSiteError(f"{agency} is registry site {known.id} with that column already")
        if known.columns:
            raise AddSiteError(f"{agency} is registry site {known.id} with column {known.columns[0]} already; "
                               f"edit {registry_path} to change it")
        registry.set_columns(known.id, [column], registry_path, source=how, family=family)
        return registry.get(known.id, registry_path)
    parent = parent or parent_of(agency, full, sites)
    site = registry.Site(
        id=site_id_for(final, {s.id for s in sites}), agency=agency, province=full,
        level=guess_level(agency, sites), homepage=f"{parts.scheme}://{parts.netloc}/", columns=[column],
        parent=parent, family=family, spider="generic", verified=False, source=how,
    )
    if site.level in registry.GOVERNMENT_LEVELS:
        # a government the registry does not list has no division code the page could tell us
        raise AddSiteError(f"{agency} looks like a {site.level} government, but the registry has no such row; "
                           "add it with its division code (harvester registry import) and run add-site again")
    if not parent:
        raise AddSiteError(f"cannot tell which government {agency} belongs to: pass --parent CODE "
                           "(the division code of its government, see harvester registry list)")
    if not any(s.code == parent for s in sites):
        raise AddSiteError(f"--parent {parent} is not the code of any registry government")
    registry.add(site, registry_path)
    return site


def known_site(sites, host: str, agency: str):
    """The registry row of this agency whose homepage, other address or column is on `host`
    (www. or not); a department's column on its government's host is not the government's."""
    bare, text = host.removeprefix("www."), agencies.normalize(agency)
    for site in sites:
        if agencies.normalize(site.agency) != text:
            continue
        for url in [site.homepage, *site.alt_homepage, *site.columns]:
            if url and (urlsplit(url).hostname or "").removeprefix("www.") == bare:
                return site
    return None


def known_agency(sites, agency: str, province: str):
    """The registry government of that very name in that province (its portal may have moved)."""
    text = agencies.normalize(agency)
    return next((s for s in sites if s.code and s.province == province and agencies.normalize(s.agency) == text), None)


def parent_of(agency: str, province: str, sites) -> str:
    """The code of the government an agency's name places it under: the longest registry
    government whose name (without 人民政府) begins the agency's (西宁市城中区教育局 → 630103);
    the province's own code when only the province is named."""
    text = agencies.normalize(agency)
    best, best_len = "", 0
    for site in sites:
        if not site.code or site.province != province:
            continue
        for form in agencies.government_forms(site.agency)[:1]:
            if text.startswith(form) and len(form) > best_len and len(text) > len(form):
                best, best_len = site.code, len(form)
    return best
