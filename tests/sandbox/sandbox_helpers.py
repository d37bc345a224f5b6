"""Helpers for the sandbox's own tests: a real HTTP client through the proxy, and a reader of
the numbers a report page prints (to hold the pages to the truth)."""

from __future__ import annotations

import json
import re
import ssl
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import lxml.html
import pytest

from harvester.sandbox import Sandbox
from harvester.sandbox.schema import COLUMNS, T4_KEYS, app_rows, table2_layout

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="module")
def sb():
    with Sandbox(delay_scale=0) as s:
        yield s


def registry() -> list[dict]:
    """The registry rows the sandbox models: those with a known column. Rows left to discovery
    (the governments known by their homepage only) are for real runs; the sandbox does not invent them."""
    from dataclasses import asdict

    from harvester import registry as reg

    return [asdict(s) for s in reg.load(REPO / "data" / "sites.csv") if s.columns]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def opener(proxy_url: str, follow=True):
    handlers = [urllib.request.ProxyHandler({"http": proxy_url, "https": proxy_url}),
                urllib.request.HTTPSHandler(context=ssl._create_unverified_context())]
    if not follow:
        handlers.append(_NoRedirect())
    return urllib.request.build_opener(*handlers)


def fetch(sb_or_proxy, url: str, headers=None, follow=True, timeout=15, raw=False, data=None):
    """(status, headers, body bytes) of ``url`` through the sandbox proxy.

    Behind a portal's JavaScript wall the request carries the cookie a browser would have
    earned (the wall tests use ``raw=True`` to meet the wall itself).
    """
    proxy = sb_or_proxy if isinstance(sb_or_proxy, str) else sb_or_proxy.proxy_url
    headers = dict(headers or {})
    if not raw and not isinstance(sb_or_proxy, str):
        portal = sb_or_proxy.portal_for(urllib.parse.urlsplit(url).hostname or "")
        if portal is not None and portal.wall is not None:
            headers["Cookie"] = portal.wall.pass_cookie()
    req = urllib.request.Request(url, headers=headers, data=data)
    try:
        with opener(proxy, follow).open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def decode(headers, body: bytes) -> str:
    """Text of a page as its bytes decide: the header's charset, else UTF-8 if the bytes are
    UTF-8, else GB18030 (a meta tag may lie: yn-kunming says utf-8 over GBK bytes,
    hi-haikou's articles say gb2312 over UTF-8)."""
    m = re.search(r"charset=([\w-]+)", headers.get("Content-Type", ""))
    if m:
        enc = m.group(1).lower()
        return body.decode("gb18030" if enc in ("gbk", "gb2312") else enc)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030")


def gkml_detail(html: str) -> dict | None:
    """``_CONFIG.DETAIL`` of a gkmlpt article page (the body is JSON-escaped there)."""
    i = html.find("DETAIL:")
    if i < 0:
        return None
    return json.JSONDecoder().raw_decode(html[i + len("DETAIL:"):].lstrip())[0]


def report_html(html: str) -> str:
    """The HTML a browser ends up showing: a gkmlpt page's body comes out of its script."""
    d = gkml_detail(html)
    if not d:
        return html
    i = html.rfind("</body>")
    return html[:i] + d["content"] + html[i:] if i >= 0 else html + d["content"]


# --- numbers on a report page ---------------------------------------------------------------
_NUM = re.compile(r"^-?\d+(\.\d+)?(元|万元|件)?$")


def cell_numbers(html: str) -> list[float]:
    """Every table cell whose whole text is a number, in document order."""
    doc = lxml.html.fromstring(html)
    out = []
    for cell in doc.iter("td", "th"):
        t = unicodedata.normalize("NFKC", cell.text_content()).replace(",", "").strip()
        t = re.sub(r"\s+", "", t)
        if _NUM.match(t):
            out.append(float(re.sub(r"(元|万元|件)$", "", t)))
    return out


def _val(v):
    if isinstance(v, dict):
        v = v.get("value")
    return None if v is None else float(v)


def expected_numbers(entry: dict) -> list[float]:
    """The truth's values in the order the official template prints them (blanks left out)."""
    fmt = entry["format"]
    out = []
    ad = entry.get("active_disclosure")
    if ad:
        for _, items in table2_layout(fmt):
            for item, metrics in items:
                out += [_val(ad[item][m]) for m in metrics]
    ap = entry.get("applications")
    if ap:
        for r in app_rows(fmt):
            out += [_val(ap[r][c]) for c in COLUMNS]
    rl = entry.get("reviews_litigation")
    if rl:
        out += [_val(rl[k]) for k in T4_KEYS]
    return [x for x in out if x is not None]
