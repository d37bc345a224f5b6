"""What the harvester knows about gov.cn addresses, in one place (pure functions; no Scrapy).

Spiders need it to fetch a page once (tracking parameters, twins, attachments), the dedupe
stage to see one page behind many spellings, the store to say how a source relates to its
report. Keeping it here means a new portal quirk is taught once, not once per caller.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Share and tracking parameters: the same page whatever their value (WeChat, Weibo, analytics).
TRACKING = re.compile(
    r"^(utm_\w+|spm|from|source|share|isappinstalled|timestamp|_t|t|wxfrom|scene|clicktime|enterid)$", re.I)
# A twin's suffix on a page name (t20230128_1_app.shtml, _m, _wap, _print): dropped by canonical_url.
TWIN_SUFFIX = re.compile(r"_(app|m|wap|print)(?=\.s?html?$)", re.I)
INDEX_PAGE = re.compile(r"/index\.(s?html?|htm|jsp|php)$", re.I)
# A twin the spiders follow: TRS _app pages, gkmlpt mpost_ pages, print views.
TWIN = re.compile(r"_app\.s?html?$|/mpost_\d+\.html$|print\.(?:asp|aspx|jsp|php)\b|_print\.s?html?$", re.I)
# A twin's address printed as text on the page (seed 003: "./t..._app.shtml").
TWIN_TEXT = re.compile(r"\.?/?[\w/.-]*_app\.s?html?")
# A link to a file of the report (office files, archives, TRS's /P0... files, download scripts).
ATTACHMENT = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|ofd|zip|rar)(?:$|\?)|download\.jsp|/P0\d{8}", re.I)
_MOBILE_KIND = {"app": "mobile_twin", "m": "mobile_twin", "wap": "mobile_twin", "print": "print_view"}
_PRINT_SCRIPT_PATH = re.compile(r"print\.(asp|aspx|jsp|php)$", re.I)


def _kept_query(query: str) -> str:
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not TRACKING.match(k)])


def canonical_url(url: str) -> str:
    """One spelling per page: http, no tracking params, no twin suffix, no index.html, no fragment."""
    parts = urlsplit(canonicalize_url(url.strip(), keep_fragments=False))
    path = TWIN_SUFFIX.sub("", parts.path)
    path = INDEX_PAGE.sub("/", path) or "/"
    host = parts.hostname or ""
    if host.startswith(("m.", "wap.")):
        host = host.split(".", 1)[1]
    if host.startswith("www."):
        host = host[4:]
    return urlunsplit(("http", host, path, _kept_query(parts.query), ""))


def strip_tracking(url: str) -> str:
    """The URL without share/tracking parameters (?from=singlemessage&isappinstalled=0, utm_*):
    the same page, so it is fetched once."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    return urlunsplit(parts._replace(query=_kept_query(parts.query)))


def source_kind(url: str) -> str:
    """How a URL relates to its report: the page itself ("page"), "mobile_twin" or "print_view"."""
    path = urlsplit(url).path
    m = TWIN_SUFFIX.search(path)
    if m:
        return _MOBILE_KIND[m.group(1).lower()]
    if "/mpost_" in path:
        return "mobile_twin"
    if _PRINT_SCRIPT_PATH.search(path):
        return "print_view"
    return "page"


def is_twin(url: str) -> bool:
    """A mobile or print twin worth fetching as one more source of the same report."""
    return bool(TWIN.search(url))


def is_attachment(href: str) -> bool:
    """A link to a file of the report rather than to another page."""
    return bool(ATTACHMENT.search(href))


def twin_addresses(text: str) -> list[str]:
    """Twin addresses printed as text (relative, as written)."""
    return TWIN_TEXT.findall(text)
