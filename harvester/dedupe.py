"""Deciding which fetched pages are the same report (pure functions; no Scrapy, no SQLite).

A report is identified by who reported (agency) and for which year: two pages with the same
agency and year are copies or versions of one report; the table values tell versions apart.
URLs are canonicalized first (harvester.urls) so that twins, http/https, index pages and
tracking parameters never look like different pages.
"""

from __future__ import annotations

import hashlib
import json
import re


AGENCY_NOISE = re.compile(r"[\s\u3000()（）〔〕\[\]“”\"'·]")
SENTENCE = re.compile(r"[^。！？\n]{8,}[。！？]")
TABLE_KEYS = ("format", "active_disclosure", "applications", "reviews_litigation")


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
