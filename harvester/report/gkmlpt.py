"""广东 gkmlpt article pages: a JavaScript app whose article is data, not markup.

The page served at `/gkmlpt/content/.../post_{id}.html` is a script shell; the report is
JSON-escaped HTML in `_CONFIG.DETAIL.content`, with its title, publisher, date, 索引号 and 文号
beside it. The harvester stores the served bytes as they are; reading them, the parser turns
such a page into a minimal HTML document (``readable``) that it reads like any other page.
Pure: no Scrapy, no I/O.
"""

from __future__ import annotations

import html as htmlmod
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

from harvester.jstext import js_unescape

CHINA = timezone(timedelta(hours=8))
_CONFIG = re.compile(r"\b_CONFIG\b")
_DETAIL = re.compile(r"\bDETAIL['\"]?\s*[:=]\s*")
_FIELD = r"""['"]?{name}['"]?\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
_FIELDS = ("content", "title", "publisher", "document_number", "identifier", "display_publish_time")
_BLANKS = re.compile(r"\s+")
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)""", re.I)




def _clean(value) -> str | None:
    text = _BLANKS.sub(" ", str(value)).strip() if value not in (None, "") else ""
    return text or None


def detail(text: str) -> dict | None:
    """`_CONFIG.DETAIL` of an article page: as data when it is JSON (what the platform writes),
    else its string fields one by one (a JS object with single quotes or functions)."""
    if not text or "_CONFIG" not in text or not _CONFIG.search(text):
        return None
    for at in _DETAIL.finditer(text):
        if text.startswith("{", at.end()):
            try:
                data, _ = json.JSONDecoder().raw_decode(text, at.end())
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("content"), str) and data["content"]:
                return data
        out = {}
        for name in _FIELDS:
            m = re.compile(_FIELD.format(name=name), re.S).search(text, at.end())
            if m:
                out[name] = js_unescape(m.group(1) if m.group(1) is not None else m.group(2))
        m = re.compile(r"""['"]?date['"]?\s*:\s*(\d{9,13})""").search(text, at.end())
        if m:
            out["date"] = int(m.group(1))
        if out.get("content"):
            return out
    return None


def when(value) -> str | None:
    """"YYYY-MM-DD HH:MM" (PubDate's form) of a unix time (s or ms, China time) or a date text."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        t = float(value)
        t = t / 1000 if t > 1e11 else t
        return datetime.fromtimestamp(t, CHINA).strftime("%Y-%m-%d %H:%M") if t > 0 else None
    if isinstance(value, str):
        m = re.search(r"(\d{4})\D(\d{1,2})\D(\d{1,2})(?:\D{1,3}?(\d{1,2}):(\d{2}))?", value)
        if m:
            y, mo, d, h, mi = m.groups()
            return f"{int(y):04d}-{int(mo):02d}-{int(d):02d} {int(h or 0):02d}:{mi or '00'}"
    return None


def detail_attachments(found: dict) -> list[dict]:
    """DETAIL's own attachment list as {"url", "name"} (URLs as written, relative or not)."""
    items = found.get("attachment") or found.get("attachments") or []
    return [{"url": a["url"], "name": _clean(a.get("name"))}
            for a in items if isinstance(a, dict) and isinstance(a.get("url"), str) and a["url"]]


def wrap(title: str | None, content: str, publisher: str | None = None, published: str | None = None,
         identifier: str | None = None, document_number: str | None = None,
         attachments: list[dict] | None = None) -> str:
    """A minimal HTML document around DETAIL.content that the report parser reads like any page."""
    esc = htmlmod.escape
    head = ['<meta charset="utf-8">', f"<title>{esc(title or '')}</title>"]
    if title:
        head.append(f'<meta name="ArticleTitle" content="{esc(title)}">')
    if published:
        head.append(f'<meta name="PubDate" content="{esc(published)}">')
    if publisher:
        head.append(f'<meta name="ContentSource" content="{esc(publisher)}">')
    facts = [("索引号", identifier), ("发布机构", publisher), ("文号", document_number),
             ("发布日期", published[:10] if published else None)]
    lines = "".join(f"<p>{k}：{esc(v)}</p>" for k, v in facts if v)
    files = "".join(f'<li><a href="{esc(a["url"])}">{esc(a.get("name") or a["url"])}</a></li>'
                    for a in attachments or [])
    return ("<!DOCTYPE html>\n<html><head>" + "".join(head) + "</head><body>"
            + (f"<h1>{esc(title)}</h1>" if title else "") + f'<div class="gkmlpt-meta">{lines}</div>'
            + f'<div class="article-content">{content}</div>'
            + (f'<ul class="attachments">{files}</ul>' if files else "") + "</body></html>")


def readable(text: str, *, url: str | None = None, title: str | None = None, published: str | None = None,
             attachments: list[dict] | None = None) -> str | None:
    """The document to read for a gkmlpt article app page at ``url``, or None for any other page.

    DETAIL's facts come first; what the list API told the spider (``title``, ``published``,
    ``attachments``) fills what DETAIL leaves out, so a stored page re-parses the same way."""
    found = detail(text)
    if not found:
        return None
    files = []
    own = [dict(a, url=urljoin(url or "", a["url"])) for a in detail_attachments(found)]
    # the content's own links are read where they stand, not listed twice
    seen = {urljoin(url or "", h) for h in _HREF.findall(found["content"])}
    for a in list(attachments or []) + own:
        if a.get("url") and a["url"] not in seen:
            seen.add(a["url"])
            files.append(a)
    return wrap(_clean(found.get("title")) or _clean(title), found["content"], _clean(found.get("publisher")),
                when(found.get("display_publish_time")) or when(found.get("date")) or when(published),
                _clean(found.get("identifier")), _clean(found.get("document_number")), files)
