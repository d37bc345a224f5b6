"""Lists whose links are written by script (spec/portals.md), and the JS helpers families share.

What real portals print instead of anchors:
- TRS-style inline records: `var url = "./202602/t20260214_2730572.shtml"; title = "...";
  document.writeln(...)`: one assignment per field, the link exists only once the script runs.
  Also seen as title-first (`var title = ...; var url = ...`) and as `document.write("<a href='...'
  title='...'>")` with a literal address.
- A JS array of records, `var itemObj=[{"aT": title, "aPd": "2026-09-21 17:00", "aU": url}]`
  (client-rendered lists), read by recognizable keys.

A list that only a browser renders (no anchors, no recognizable array) is re-requested once
through the browser by the shared spider (proposed for spiders/base.py: `wants_browser`).

The helpers (`balanced`, `js_unescape`, `js_to_json`, `js_literal`) read JS literals without a JS
engine; the JCMS and gkmlpt families use them for `jpage({...})`, `InitData` and `_CONFIG`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

from parsel import Selector
from scrapy.utils.response import get_base_url

from harvester.jstext import js_unescape
from spiders.base import ReportSpider, clean, parse_date

CHINA = timezone(timedelta(hours=8))

# --- JS literals ------------------------------------------------------------------------------
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")




def balanced(text: str, start: int) -> str | None:
    """The bracketed literal opening at text[start] ('{' or '['), string literals respected."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    if start >= len(text) or text[start] not in pairs:
        return None
    stack, i, n = [], start, len(text)
    while i < n:
        c = text[i]
        if c in "\"'`":
            i += 1
            while i < n and text[i] != c:
                i += 2 if text[i] == "\\" else 1
        elif c in pairs:
            stack.append(pairs[c])
        elif c in ")]}":
            if not stack or stack.pop() != c:
                return None
            if not stack:
                return text[start:i + 1]
        i += 1
    return None


def js_to_json(src: str) -> str:
    """A JS object/array literal as JSON text: keys quoted, '...' strings re-quoted, trailing
    commas and comments dropped; bare identifiers other than true/false/null become null."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'`":
            j, buf = i + 1, []
            while j < n and src[j] != c:
                step = 2 if src[j] == "\\" else 1
                buf.append(src[j:j + step])
                j += step
            out.append(json.dumps(js_unescape("".join(buf)), ensure_ascii=False))
            i = j + 1
        elif c == "/" and src[i + 1:i + 2] in ("/", "*"):
            end = src.find("\n", i) if src[i + 1] == "/" else src.find("*/", i + 2) + 1
            i = n if end <= 0 else end + 1
        elif c.isalpha() or c in "_$":
            word = _IDENT.match(src, i).group(0)
            i += len(word)
            k = i
            while k < n and src[k] in " \t\r\n":
                k += 1
            if k < n and src[k] == ":":
                out.append(json.dumps(word))
            else:
                out.append(word if word in ("true", "false", "null") else "null")
        elif c == ",":
            k = i + 1
            while k < n and src[k] in " \t\r\n":
                k += 1
            if k >= n or src[k] not in "]}":
                out.append(",")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def js_literal(src: str):
    """A JS object/array literal as Python data; ValueError if it is not plain data."""
    try:
        return json.loads(src)
    except ValueError:
        return json.loads(js_to_json(src))


def assigned_literal(script: str, name: str):
    """The literal assigned to `name` (`var name = [...]`, `name: {...}`, `a.name = {...}`)."""
    for m in re.finditer(r"\b" + re.escape(name) + r"""['"]?\s*[:=]\s*(?=[\[{])""", script):
        text = balanced(script, m.end())
        if text:
            try:
                return js_literal(text)
            except ValueError:
                continue
    return None


def timestamp_date(value) -> str | None:
    """YYYY-MM-DD of a unix time (seconds or milliseconds) in China's time zone."""
    try:
        t = float(value)
    except (TypeError, ValueError):
        return None
    if t > 1e11:
        t /= 1000
    if t <= 0:
        return None
    return datetime.fromtimestamp(t, CHINA).strftime("%Y-%m-%d")


def any_date(value) -> str | None:
    """A list's date field: "2026-09-21 17:00", "2026年9月21日" or a unix time."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        return timestamp_date(value)
    return parse_date(value) if isinstance(value, str) else None


# --- records in a JS array ------------------------------------------------------------------
URL_KEYS = ("au", "url", "href", "link", "linkurl", "docurl", "pageurl", "u")
TITLE_KEYS = ("at", "title", "doctitle", "bt", "name", "t")
DATE_KEYS = ("apd", "pd", "date", "pubdate", "publishdate", "pubtime", "publishtime", "docreltime",
             "releasedate", "time", "createtime", "created_at", "d")
ARRAY_START = re.compile(r"(?:\bvar\s+|\blet\s+|\bconst\s+|\b)([A-Za-z_$][\w$]*)\s*=\s*(?=\[)")


def _field(record: dict, keys: tuple[str, ...]):
    lowered = {str(k).lower(): v for k, v in record.items()}
    for key in keys:
        value = lowered.get(key)
        if value not in (None, ""):
            return value
    return None


def record_entry(record: dict, base_url: str) -> dict | None:
    """(url, title, published) of one record of a JS array, by its keys (aU/aT/aPd, url/title/date)."""
    url, title = _field(record, URL_KEYS), _field(record, TITLE_KEYS)
    if not isinstance(url, str) or not isinstance(title, str) or not url.strip() or not clean(title):
        return None
    return {"url": urljoin(base_url, url.strip()), "title": clean(Selector(text=f"<p>{title}</p>").xpath(
        "string(//p)").get()), "published": any_date(_field(record, DATE_KEYS))}


def array_entries(script: str, base_url: str):
    """Records of every JS array of objects with a link and a title (`var itemObj=[{...}]`)."""
    for m in ARRAY_START.finditer(script):
        text = balanced(script, m.end())
        if not text or "{" not in text:
            continue
        try:
            data = js_literal(text)
        except ValueError:
            continue
        if not isinstance(data, list):
            continue
        for record in data:
            if isinstance(record, dict) and (entry := record_entry(record, base_url)):
                yield entry


# --- inline assignments ----------------------------------------------------------------------
ASSIGN = re.compile(r"""(?:\bvar\s+)?\b([A-Za-z_$][\w$]*)\s*=\s*(["'])((?:(?!\2)[^\\\n]|\\.)*)\2""")
CONCATENATED = re.compile(r"""['"]\s*\+|\+\s*['"]""")
LINKISH = re.compile(r"\.(?:s?html?|jhtml|jsp|php|aspx?|pdf|docx?|xlsx?|wps|ofd)(?:[?#]|$)", re.I)


def _kind(name: str) -> str | None:
    n = name.lower()
    if n in ("url", "href", "link", "surl", "linkurl", "docurl", "_url", "str_url") or n.endswith("url"):
        return "url"
    if n in ("title", "stitle", "doctitle", "str_title", "_title") or n.endswith("title"):
        return "title"
    if n in ("date", "time", "pubdate", "docreltime", "pubtime") or n.endswith("date"):
        return "date"
    return None


def inline_entries(script: str, base_url: str):
    """Records written as assignments, `var url = "./2026/t....shtml"; title = "...";`, in
    either order (url first or title first), each with the date written next to it."""
    found = []  # (position, kind, value)
    for m in ASSIGN.finditer(script):
        kind = _kind(m.group(1))
        if kind:
            value = js_unescape(m.group(3))
            if CONCATENATED.search(value) or (kind == "url" and not LINKISH.search(value)):
                continue  # `title='"+title+"'` inside a document.write string, `"./"`
            found.append((m.start(), kind, value))
    urls = [f for f in found if f[1] == "url"]
    titles = [f for f in found if f[1] == "title"]
    if not urls or not titles:
        return
    title_first = titles[0][0] < urls[0][0]
    for k, (pos, _, url) in enumerate(urls):
        lo = urls[k - 1][0] if k else -1
        hi = urls[k + 1][0] if k + 1 < len(urls) else len(script)
        if title_first:
            near = [t for t in titles if lo < t[0] < pos]
            title = near[-1] if near else None
            start = title[0] if title else pos
            nxt = [t for t in titles if pos < t[0] < hi]
            end = nxt[0][0] if nxt and k + 1 < len(urls) else hi
        else:
            near = [t for t in titles if pos < t[0] < hi]
            title = near[0] if near else None
            start, end = pos, hi
        if not title or not clean(title[2]):
            continue
        dates = [f[2] for f in found if f[1] == "date" and start <= f[0] < end]
        published = parse_date(dates[0]) if dates else parse_date(script[start:end])
        yield {"url": urljoin(base_url, url.strip()), "title": clean(title[2]), "published": published}


# --- anchors written by document.write -----------------------------------------------------
STRING = re.compile(r"""(["'])((?:(?!\1)[^\\\n]|\\.)*)\1""")


def written_anchor_entries(script: str, base_url: str):
    """Anchors whose address is literal inside document.write strings (`"<a href='./t.shtml'>"`);
    addresses built by concatenation (`'+url+'`) are left to `inline_entries`."""
    if "<a" not in script.lower():
        return
    html = "".join(js_unescape(m.group(2)) for m in STRING.finditer(script))
    for a in Selector(text=f"<div>{html}</div>").css("a[href]"):
        href = a.attrib["href"].strip()
        if not href or href.startswith(("#", "javascript:")) or re.search(r"['\"+]", href):
            continue
        title = clean(a.attrib.get("title")) or clean(" ".join(a.css("::text").getall()))
        if not title or "+" in title:
            continue
        row = a.xpath("ancestor::*[self::li or self::tr or self::dd or self::div][1]")
        yield {"url": urljoin(base_url, href), "title": title,
               "published": parse_date(" ".join(row.css("::text").getall())) if row else None}


def script_entries(scripts: list[str], base_url: str) -> list[dict]:
    """Every record a page's inline scripts write: arrays, assignments, literal anchors; one per URL."""
    entries, seen = [], set()
    for script in scripts:
        for producer in (array_entries, inline_entries, written_anchor_entries):
            for entry in producer(script, base_url):
                if entry["url"] not in seen:
                    seen.add(entry["url"])
                    entries.append(entry)
    return entries


def inline_scripts(response_or_html) -> list[str]:
    """Text of the page's inline scripts (not JSON/XML data blocks)."""
    sel = response_or_html if hasattr(response_or_html, "xpath") else Selector(text=response_or_html or "<html/>")
    return [s for s in sel.xpath(
        "//script[not(@type) or contains(@type,'javascript') or @type='text/jscript']/text()").getall() if s.strip()]


class ScriptListMixin:
    """Adds the links a list page's scripts write to the anchors the shared spider reads."""

    def list_entries(self, response):
        seen = set()
        for entry in super().list_entries(response):
            if entry["url"] not in seen:
                seen.add(entry["url"])
                yield entry
        if not hasattr(response, "xpath"):
            return
        for entry in script_entries(inline_scripts(response), get_base_url(response)):
            if entry["url"] not in seen:
                seen.add(entry["url"])
                yield entry


class ScriptListSpider(ScriptListMixin, ReportSpider):
    """Base spider of portals whose annual-report list is written by script."""

    name = "scriptlist"

    @classmethod
    def recognizes(cls, url, html):
        return bool(script_entries(inline_scripts(html or ""), url))
