"""大汉 Hanweb JCMS: columns /col/col{COLID}/index.html, lists served by an XML data proxy.

What this family does (spec/portals.md):
- The first records are embedded in the column page as XML, invisible as HTML:
  `<script type="text/xml"><datastore><recordset><record><![CDATA[<li><a href=... title=...>
  ...</a><span>2023-01-30</span></li>]]></record>...`; older sites keep them in a JS array
  `var InitData49468=[...]`.
- The pager `$('#49468').jpage({totalRecord, perPage, groupSize, proxyUrl, ajaxParam:{col, appid,
  webid, path, columnid, unitid, webname, permissiontype}})` says where the rest is: POST
  `{proxyUrl}?startrecord=S&endrecord=E&perpage=P` with the form body
  `col=1&appid=1&webid=W&path=/&columnid=C&sourceContentType=1&unitid=U&webname=...&permissiontype=0`,
  X-Requested-With and the column as Referer; one request is a group of groupSize x perPage
  records, answered `<datastore><totalrecord>..</totalrecord><recordset><record><![CDATA[...]]>`.
- A group may repeat the boundary record of the previous group: entries are deduplicated by URL.
- The `title` attribute wins over the link text (lists cut titles short).
- Without a jpage call, a datastore's `<nextgroup>` link (GET `dataproxy.jsp?page=N&...`) is followed.

The XML API is the cheapest path: the family never asks for a browser.
"""

from __future__ import annotations

import html as htmlmod
import re
from urllib.parse import urljoin

import scrapy
from parsel import Selector

from spiders.base import ReportSpider, clean, link_target, parse_date, resolve
from spiders.families.scriptlist import balanced, js_literal, js_unescape, record_entry

DATASTORE = re.compile(r"<datastore\b.*?</datastore>", re.S | re.I)
RECORD = re.compile(r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
NEXT_GROUP = re.compile(r"<nextgroup>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</nextgroup>", re.S | re.I)
INIT_DATA = re.compile(r"\bvar\s+InitData(\w*)\s*=\s*(?=\[)")
JPAGE = re.compile(r"\.jpage\s*\(\s*(?=\{)")
PAIR = re.compile(r"""['"]?([A-Za-z_$][\w$]*)['"]?\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)|(true|false))""")
PROXY_ANSWER = re.compile(r"\ufeff?\s*(?:<\?xml[^>]*>\s*)?<datastore\b", re.I)
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
DEFAULT_PER_PAGE, DEFAULT_GROUP_SIZE = 15, 3


def js_pairs(obj: str) -> dict[str, str]:
    """key: value pairs of one level of a JS object literal (nested objects are skipped)."""
    inner, out, depth, flat, quote = obj[1:-1], {}, 0, [], None
    escaped = False
    for c in inner:  # blank out nested objects so their keys do not leak into this level
        if quote:
            escaped, closing = (not escaped and c == "\\"), (c == quote and not escaped)
            quote = None if closing else quote
        elif c in "'\"":
            quote = c
        else:
            depth += c in "{["
        flat.append(c if depth == 0 else " ")
        if not quote:
            depth -= c in "}]"
    for m in PAIR.finditer("".join(flat)):
        key, sq, dq, num, boolean = m.groups()
        value = sq if sq is not None else dq if dq is not None else num if num is not None else boolean
        out.setdefault(key, js_unescape(value))
    return out


def jpage_configs(text: str) -> list[dict]:
    """Every `jpage({...})` call on a page: top-level settings plus `ajaxParam` (in its order)."""
    configs = []
    for m in JPAGE.finditer(text):
        obj = balanced(text, m.end())
        if not obj:
            continue
        config = js_pairs(obj)
        am = re.search(r"""['"]?ajaxParam['"]?\s*:\s*(?=\{)""", obj)
        config["ajaxParam"] = js_pairs(balanced(obj, am.end()) or "{}") if am else {}
        configs.append(config)
    return configs


def proxy_form(ajax: dict[str, str]) -> dict[str, str]:
    """The POST body the jpage plugin sends: ajaxParam in order, `sourceContentType=1` after columnid."""
    form: dict[str, str] = {}
    for key, value in ajax.items():
        form[key] = value
        if key == "columnid" and "sourceContentType" not in ajax:
            form["sourceContentType"] = "1"
    return form


def groups(total: int, per_page: int, group_size: int, embedded: int = 0) -> list[tuple[int, int]]:
    """(startrecord, endrecord) of the groups the pager would ask for after the embedded records.

    Groups are aligned as the plugin aligns them (1-45, 46-90, ... for 15 x 3); the first group
    asked is the one holding record `embedded + 1`.
    """
    step = max(1, per_page * group_size)
    if embedded >= total:
        return []
    start = (embedded // step) * step + 1
    out = []
    while start <= total:
        out.append((start, start + step - 1))
        start += step
    return out


def record_html(m: re.Match) -> str:
    cdata, plain = m.groups()
    return cdata if cdata is not None else htmlmod.unescape(plain or "")


def records(text: str) -> list[str]:
    """The HTML of every <record> of the datastores in a text (a column page or a proxy answer)."""
    out = []
    for store in DATASTORE.findall(text):
        out += [record_html(m) for m in RECORD.finditer(store)]
    return out


def fragment_entries(fragment: str, base_url: str):
    """(url, title, published) of the links of one record: title attribute first, date from the row."""
    sel = Selector(text=f"<div>{fragment}</div>")
    row_date = parse_date(" ".join(sel.css("::text").getall()))
    for a in sel.xpath("//a[@href or @onclick]"):
        href = link_target(a)  # records open their report by onclick="window.open('../../art/...')" too
        if not href:
            continue
        title = clean(a.attrib.get("title")) or clean(" ".join(a.css("::text").getall()))
        if title:
            yield {"url": resolve(base_url, href), "title": title, "published": row_date}


def init_data(text: str, unit: str = "") -> list:
    """The records of the older `var InitData49468=[...]` arrays (of one pager unit if given)."""
    out = []
    for m in INIT_DATA.finditer(text):
        if unit and m.group(1) != unit:
            continue
        array = balanced(text, m.end())
        if not array:
            continue
        try:
            items = js_literal(array)
        except ValueError:  # not plain data: read its string literals as HTML
            items = [js_unescape(s[1:-1]) for s in re.findall(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", array)]
        out += items if isinstance(items, list) else []
    return out


def init_data_entries(text: str, base_url: str):
    """Entries of the InitData arrays: HTML strings (title attribute first) or objects."""
    for item in init_data(text):
        if isinstance(item, str):
            yield from fragment_entries(item, base_url)
        elif isinstance(item, dict) and (entry := record_entry(item, base_url)):
            yield entry


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


class JCMSSpider(ReportSpider):
    """Base spider of 大汉 JCMS portals."""

    name = "jcms"

    def init_family_state(self):
        self._listed: set[str] = set()  # report URLs already listed (groups repeat a boundary record)
        self._proxy: dict[str, dict] = {}  # column → {"pages": [url], "forms": {url: form}, ...}

    @classmethod
    def recognizes(cls, url, html):
        html = html or ""
        return bool(re.search(r"/col/col\d+/", url or "") or JPAGE.search(html) or INIT_DATA.search(html)
                    or re.search(r"dataproxy\.jsp|<datastore>|/art/\d{4}/(?:\d{1,2}/\d{1,2}/)?art_", html))

    # --- list pages ---------------------------------------------------------------------------
    @staticmethod
    def _column(response) -> str:
        request = getattr(response, "request", None)
        return (request.meta.get("column") if request is not None else None) or response.url

    @staticmethod
    def _is_proxy_answer(response) -> bool:
        return bool(PROXY_ANSWER.match(response.text[:500]))

    def list_entries(self, response):
        """Records of the embedded datastore / InitData array (column page) or of a proxy answer,
        then plain anchors; each report URL once per run. Record links resolve against the column
        page, where the browser would insert them."""
        column = self._column(response)
        text = response.text
        found = []
        for fragment in records(text):
            found += fragment_entries(fragment, column)
        if not self._is_proxy_answer(response):
            found += init_data_entries(text, response.url)
            found += super().list_entries(response)
        for entry in found:
            if entry["url"] not in self._listed:
                self._listed.add(entry["url"])
                yield entry

    def page_urls(self, response):
        """The proxy groups after the embedded records, from the jpage settings of the column page
        (a proxy answer: the same list, grown if its <totalrecord> says there is more)."""
        column = self._column(response)
        text = response.text
        state = self._proxy.get(column)
        if self._is_proxy_answer(response):
            if state is None or response.url not in state["unit_of"]:
                return self._next_group(response)  # GET paging found through <nextgroup>
            unit = state["units"][state["unit_of"][response.url]]
            total = _int((TOTAL_RECORD.search(text) or [None, None])[1])
            if total and total > unit["total"]:
                unit["total"] = total
                self._fill(state)
            return list(state["pages"])
        configs = jpage_configs(text)
        if not configs:
            return self._next_group(response) or list(super().page_urls(response))
        state = self._proxy.setdefault(column, {"pages": [], "forms": {}, "unit_of": {}, "units": []})
        if not state["units"]:
            for config in configs:
                state["units"].append(self._unit(response, config))
            self._fill(state)
        return list(state["pages"])

    @staticmethod
    def next_page(current: str, pages: list[str]) -> list[str]:
        """Incremental runs read one group after another; the column page itself is not among
        the groups, so its next page is the first group (not all of them)."""
        return ReportSpider.next_page(current, pages)[:1]

    def _unit(self, response, config: dict) -> dict:
        """One pager: proxy, page sizes, records already embedded, total, form."""
        ajax = config.get("ajaxParam") or {}
        unit = ajax.get("unitid") or ""
        embedded = len(self._unit_records(response, unit)) or len(init_data(response.text, unit))
        totals = [int(t) for t in TOTAL_RECORD.findall(response.text)]
        total = _int(config.get("totalRecord")) or (max(totals) if totals else None)
        return {
            "proxy": urljoin(response.url, config.get("proxyUrl") or DEFAULT_PROXY),
            "per_page": _int(config.get("perPage"), DEFAULT_PER_PAGE) or DEFAULT_PER_PAGE,
            "group_size": _int(config.get("groupSize"), DEFAULT_GROUP_SIZE) or DEFAULT_GROUP_SIZE,
            "embedded": embedded, "form": proxy_form(ajax),
            # Unknown total: ask for the first group after the embedded records; answers tell more.
            "total": total if total is not None else embedded + 1,
        }

    @staticmethod
    def _fill(state: dict) -> None:
        for n, unit in enumerate(state["units"]):
            for start, end in groups(unit["total"], unit["per_page"], unit["group_size"], unit["embedded"]):
                url = f"{unit['proxy']}?startrecord={start}&endrecord={end}&perpage={unit['per_page']}"
                if url not in state["forms"]:  # two pagers asking the same URL: the first one wins
                    state["forms"][url] = unit["form"]
                    state["unit_of"][url] = n
                    state["pages"].append(url)

    @staticmethod
    def _unit_records(response, unit: str) -> list[str]:
        """Records embedded for one pager unit: its element's datastore, else the page's only one."""
        if unit:
            inner = response.xpath(f"//*[@id={_xpath_literal(unit)}]//script/text()").getall()
            found = [r for s in inner for r in records(s)]
            if found:
                return found
        stores = DATASTORE.findall(response.text)
        return records(stores[0]) if len(stores) == 1 else []

    def _next_group(self, response) -> list[str]:
        """GET paging: the `<nextgroup>` link of a datastore (relative to the proxy answering)."""
        for m in NEXT_GROUP.finditer(response.text):
            link = record_html(m)
            href = Selector(text=link or "<p/>").css("a::attr(href)").get()
            if href and href.strip() and not href.startswith(("#", "javascript:")):
                return [response.urljoin(href.strip())]
        return []

    def column_request(self, url: str, dont_filter: bool = False, **meta) -> scrapy.Request:
        """A proxy group is a POST with the pager's form, X-Requested-With and the column as Referer."""
        column = meta.get("column", url)
        form = self._proxy.get(column, {}).get("forms", {}).get(url)
        request = super().column_request(url, dont_filter=dont_filter, **meta)
        if form is None:
            return request
        return scrapy.FormRequest(
            url, formdata=form, callback=request.callback, errback=request.errback, dont_filter=dont_filter,
            headers={"X-Requested-With": "XMLHttpRequest", "Referer": column}, meta=request.meta)

    def subcolumn_urls(self, response, column: str):
        if self._is_proxy_answer(response):
            return []
        return super().subcolumn_urls(response, column)

    def wants_browser(self, response, *args, **kwargs) -> bool:
        """Never for a JCMS list: the XML proxy is the way (used once base.py has the hook)."""
        text = response.text
        if JPAGE.search(text) or DATASTORE.search(text) or INIT_DATA.search(text):
            return False
        parent = getattr(super(), "wants_browser", None)
        return bool(parent and parent(response, *args, **kwargs))


def _xpath_literal(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in value.split("'")) + ")"

