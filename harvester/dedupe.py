"""Deciding which fetched pages are the same report (pure functions; no Scrapy, no SQLite).

A report is identified by who reported (agency) and for which year: two pages with the same
agency and year are copies or versions of one report; the table values tell versions apart.
URLs are canonicalized first so that twins, http/https, index pages and tracking parameters
never look like different pages.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING = re.compile(r"^(utm_\w+|spm|from|source|share|isappinstalled|timestamp|_t|t|wxfrom|scene|clicktime|enterid)$", re.I)
TWIN_SUFFIX = re.compile(r"_(app|m|wap|print)(?=\.s?html?$)", re.I)
INDEX_PAGE = re.compile(r"/index\.(s?html?|htm|jsp|php)$", re.I)
AGENCY_NOISE = re.compile(r"[\s\u3000()（）〔〕\[\]“”\"'·]")
SENTENCE = re.compile(r"[^。！？\n]{8,}[。！？]")
TABLE_KEYS = ("format", "active_disclosure", "applications", "reviews_litigation")


def canonical_url(url: str) -> str:
    """One spelling per page: http, no tracking params, no twin suffix, no index.html, no fragment."""
    parts = urlsplit(canonicalize_url(url.strip(), keep_fragments=False))
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)])
    path = TWIN_SUFFIX.sub("", parts.path)
    path = INDEX_PAGE.sub("/", path) or "/"
    host = parts.hostname or ""
    if host.startswith(("m.", "wap.")):
        host = host.split(".", 1)[1]
    if host.startswith("www."):
        host = host[4:]
    return urlunsplit(("http", host, path, query, ""))


def strip_tracking(url: str) -> str:
    """The URL without share/tracking parameters (?from=singlemessage&isappinstalled=0, utm_*):
    the same page, so it is fetched once."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def source_kind(url: str) -> str:
    """How a URL relates to its report: the page itself, or a twin of it."""
    path = urlsplit(url).path
    m = TWIN_SUFFIX.search(path)
    if m:
        return {"app": "mobile_twin", "m": "mobile_twin", "wap": "mobile_twin", "print": "print_view"}[m.group(1).lower()]
    if "/mpost_" in path:
        return "mobile_twin"
    if re.search(r"print\.(asp|aspx|jsp|php)$", path, re.I):
        return "print_view"
    return "page"


def normalize_agency(name: str | None) -> str:
    return AGENCY_NOISE.sub("", name or "")


TITLE_AGENCY = re.compile(r"^\s*(.{2,40}?)\s*(?:(?:19|20)\d\d|[一二〇○零]{4})\s*年")


def agency_from_title(title: str | None) -> str | None:
    """The agency a report title names before its year (柳州市柳南区人民政府2023年…)."""
    m = TITLE_AGENCY.match(title or "")
    return m.group(1) if m else None


def report_id(agency: str | None, year: int | None, fallback: str) -> str:
    """Stable id of a report: agency and year; without both, the canonical URL it came from."""
    key = f"{normalize_agency(agency)}|{year}" if agency and year else f"url|{fallback}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def content_hash(parsed: dict, text: str) -> str:
    """What makes a version: the table values when there are tables, else the text itself."""
    if parsed and any(parsed.get(k) for k in TABLE_KEYS[1:]):
        payload = json.dumps({k: parsed.get(k) for k in TABLE_KEYS}, sort_keys=True, ensure_ascii=False)
    else:
        # No tables: the report's sentences. Page chrome (menus, bylines, footers) differs
        # between a page and its print view or re-post, and rarely ends a sentence with 。
        sentences = SENTENCE.findall(re.sub(r"[ \t\u3000\xa0]+", "", text or ""))
        payload = "".join(sentences) if len(sentences) >= 3 else re.sub(r"\s+", "", text or "")
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()
