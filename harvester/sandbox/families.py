"""The CMS families beyond TRS and PHP (portal.py): 大汉 JCMS, 博达 VSB, gkmlpt, and
query-string CMSes (ASP 动易-style article systems, JSP ``iList.jsp`` lists).

Each class answers the questions ``portal.Family`` lists: where a column's pages are, how a
list links an article, what the routes are, and the answers that are not pages (JCMS's
``dataproxy.jsp``, gkmlpt's JSON API, VSB's ``download.jsp``). Behaviour follows
shared/spec/portals.md; nothing here knows any crawler.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from html import escape
from urllib.parse import parse_qsl, quote, urlencode

from markupsafe import Markup

from .portal import CST, Family, Item


def _ceil(a, b):
    return max(1, -(-a // b))


def _rel(target: str, from_page: str) -> str:
    """``target`` (absolute path) relative to the directory of ``from_page``."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or "/")


def _unix(d: dt.datetime) -> int:
    return int(d.replace(tzinfo=CST).timestamp())


# --- 大汉 Hanweb JCMS ---------------------------------------------------------------------------
class JCMSFamily(Family):
    """Columns ``/col/col{colid}/index.html``; articles ``/art/{Y}/{M}/{D}/art_{colid}_{id}.html``.

    The column page carries the first group of records as XML in ``<script type="text/xml">``
    and a ``jpage`` call; further groups come from ``dataproxy.jsp`` (POST with
    ``startrecord/endrecord/perpage`` and the form body, or GET ``?page=N&...``). Column
    options: ``colid``, ``unitid``, ``per_page``, ``group_size``, ``href_style`` ("absolute",
    "full", "onclick": ``<a href="javascript:void(0)" onclick="window.open('../../art/...')">``),
    ``repeat_boundary_at`` (the group starting at this record also repeats the record before it).
    Portal options: ``webid``, ``proxy_path``.
    """

    name = "jcms"
    ext = "html"

    def __init__(self, portal):
        super().__init__(portal)
        self.proxy = portal.cfg.get("proxy_path", "/module/web/jpage/dataproxy.jsp")
        self.webid = portal.cfg.get("webid", 1)

    def per(self, col):
        return col.spec.get("per_page", col.page_size)

    def group(self, col):
        return col.spec.get("group_size", 3) * self.per(col)

    def page_count(self, col):
        return 1

    def params(self, col) -> dict:
        return {"appid": 1, "webid": self.webid, "path": "/", "columnid": col.spec["colid"],
                "unitid": col.spec["unitid"], "webname": self.p.cfg.get("site_name", ""),
                "permissiontype": 0}

    def proxy_get(self, col, page: int) -> str:
        return f"{self.proxy}?page={page}&" + urlencode(self.params(col), quote_via=quote, safe="/")

    def list_page_paths(self, col):
        if col.is_hub:
            return [col.path]
        groups = _ceil(len(col.items), self.group(col))
        gs = col.spec.get("group_size", 3)
        return [col.path] + [self.proxy_get(col, g * gs + 1) for g in range(1, groups)]

    def list_path(self, col, i):
        return col.path

    def list_href(self, col, i):
        return col.path

    def article_path(self, col, rel):
        return rel

    def article_href(self, col, rel):
        return rel

    def hub_href(self, col, child):
        return child.path

    def entry_href(self, col, it, page=0, from_col=None):
        style = col.spec.get("href_style", "absolute")
        if it.list_href:
            return {"href": it.list_href}
        if style == "full":
            return {"href": self.p.base + it.path}
        if style == "onclick":
            return {"href": "javascript:void(0)", "open": _rel(it.path, col.path)}
        return {"href": it.path}

    def attachment_path(self, it, n, ext):
        return (f"/module/download/downfile.jsp?classid=0&filename="
                f"{it.date:%y%m%d}{it.id % 10**7:07d}{n}.{ext}")

    def attachment_href(self, it, att):
        return att["path"]

    def register_lists(self, routes, col, pages):
        kind = ("hub", col) if col.is_hub else ("list", col, 0)
        routes[col.path] = kind
        routes[posixpath.dirname(col.path) + "/"] = kind

    def register_stub(self, routes, path, name):
        routes.setdefault(path, ("stub", name))

    def home_keys(self):
        return ["/", "/index.html"]

    # the records, as the column page embeds them and dataproxy.jsp answers them
    def record(self, col, it) -> str:
        e = self.p.entries(col, [it])[0]
        onclick = f" onclick=\"window.open('{escape(e['open'])}')\"" if e.get("open") else ""
        return (f'<li><a href="{escape(e["href"])}"{onclick} title="{escape(it.title)}" target="_blank">'
                f'{escape(self.p.list_title(it))}</a><span>{it.date:%Y-%m-%d}</span></li>')

    def list_context(self, col, i, pages):
        if col.is_hub:
            return {}
        g = self.group(col)
        recs = [Markup(self.record(col, it)) for it in col.items[:g]]
        gs = col.spec.get("group_size", 3)
        nxt = self.proxy_get(col, gs + 1) if len(col.items) > g else ""
        jpage = {"totalRecord": len(col.items), "perPage": self.per(col), "groupSize": gs,
                 "proxyUrl": self.proxy, "unitid": col.spec["unitid"],
                 "ajaxParam": {"col": 1, "appid": "1", "webid": self.webid, "path": "/",
                               "columnid": col.spec["colid"], "unitid": str(col.spec["unitid"]),
                               "webname": self.p.cfg.get("site_name", ""), "permissiontype": 0}}
        return {"records": recs, "nextgroup": nxt, "jpage": jpage, "unitid": col.spec["unitid"]}

    def _column_by_id(self, colid):
        for c in self.p.columns.values():
            if str(c.spec.get("colid")) == str(colid) and not c.is_hub:
                return c
        return None

    def special(self, method, path, query, headers, body):
        if path.startswith("/module/download/downfile.jsp"):
            name = dict(parse_qsl(query)).get("filename", "")
            for it in self.p.all_items():
                for att in it.attachments:
                    if att["path"].endswith("filename=" + name):
                        return self.p._attachment(it, att["n"], headers)
            return self.p._error(404, path)
        if path != self.proxy:
            return None
        q = dict(parse_qsl(query, keep_blank_values=True))
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) if body else {}
        params = {**q, **form}
        col = self._column_by_id(params.get("columnid", ""))
        if col is None:
            return self._xml(0, 0, "", [])
        per = int(params["perpage"]) if str(params.get("perpage", "")).isdigit() else self.per(col)
        gs = col.spec.get("group_size", 3)
        total = len(col.items)
        if str(q.get("startrecord", "")).isdigit():
            start = max(1, int(q["startrecord"]))
            end = int(q["endrecord"]) if str(q.get("endrecord", "")).isdigit() else start + gs * per - 1
        else:
            page = int(params["page"]) if str(params.get("page", "")).isdigit() and int(params["page"]) > 0 else 1
            start = (page - 1) * per + 1
            end = start + gs * per - 1
        end = min(end, total)
        recs = col.items[start - 1:end] if start <= total else []
        if col.spec.get("repeat_boundary_at") == start and 1 < start <= total:
            recs = [col.items[start - 2]] + recs        # the boundary record, once more
        nxt = self.proxy_get(col, end // per + 1) if end < total else ""
        return self._xml(total, _ceil(total, per), nxt, [self.record(col, it) for it in recs])

    def _xml(self, total, pages, nxt, records):
        nextgroup = f'<a href="{nxt}"></a>' if nxt else ""
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<totalrecord>{total}</totalrecord>\n'
               f'<totalpage>{pages}</totalpage>\n<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n<recordset>\n'
               + "".join(f"<record><![CDATA[\n{r}]]></record>\n" for r in records)
               + "</recordset>\n</datastore>\n")
        return self.p._ok(xml.encode("utf-8"), "text/xml;charset=UTF-8")


# --- 博达 VSB ------------------------------------------------------------------------------------
class VSBFamily(Family):
    """List ``/{slug}.htm``, then ``/{slug}/{N}.htm`` counting down (page P of M is
    ``{M-P+1}.htm``); articles ``/info/{cat}/{id}.htm`` linked relatively; attachments through
    ``/system/_content/download.jsp``; a click counter ``dynclicks.jsp``. Portal option
    ``vsb_owner`` (the site's owner id in every VSB URL); column option ``cat``.
    """

    name = "vsb"
    ext = "htm"

    def owner(self):
        return self.p.cfg.get("vsb_owner", 1000000000)

    def list_path(self, col, i):
        if i == 0:
            return col.path
        return col.path[: -len(".htm")] + f"/{self.page_count(col) - i}.htm"

    def list_href(self, col, i):
        return self.list_path(col, i)

    def article_path(self, col, rel):
        return rel

    def article_href(self, col, rel):
        return rel

    def entry_href(self, col, it, page=0, from_col=None):
        return {"href": it.list_href or _rel(it.path, self.list_path(col, page))}

    def attachment_path(self, it, n, ext):
        return (f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner={self.owner()}"
                f"&wbfileid={it.id * 10 + n + 3000000}")

    def attachment_href(self, it, att):
        return att["path"]

    def twin(self, path):
        raise NotImplementedError

    def register_lists(self, routes, col, pages):
        for i in range(pages):
            routes[self.list_path(col, i)] = ("list", col, i)

    def register_stub(self, routes, path, name):
        routes.setdefault(path, ("stub", name))

    def home_keys(self):
        return ["/", "/index.htm"]

    def list_context(self, col, i, pages):
        here = self.list_path(col, i)
        hrefs = [_rel(self.list_path(col, k), here) for k in range(pages)]
        return {"pager": {"total": len(col.items), "pages": pages, "index": i, "hrefs": hrefs,
                          "first": hrefs[0], "last": hrefs[-1],
                          "prev": hrefs[i - 1] if i > 0 else None,
                          "next": hrefs[i + 1] if i + 1 < pages else None},
                "owner": self.owner(), "ids": [it.id for it in col.items[i * col.page_size:(i + 1) * col.page_size]]}

    def article_context(self, it, body):
        return {"owner": self.owner()}

    def special(self, method, path, query, headers, body):
        if path == "/system/_content/download.jsp":
            fid = dict(parse_qsl(query)).get("wbfileid", "")
            for it in self.p.all_items():
                for att in it.attachments:
                    if att["path"].endswith(f"wbfileid={fid}"):
                        return self.p._attachment(it, att["n"], headers)
            return self.p._ok("<script>alert('文件不存在');history.back();</script>")
        if path == "/system/resource/code/news/click/dynclicks.jsp":
            q = dict(parse_qsl(query))
            n = (int(q["clickid"]) * 37) % 900 + 40 if q.get("clickid", "").isdigit() else 0
            return self.p._ok(str(n).encode(), "text/html;charset=UTF-8")
        return None


# --- gkmlpt (广东 政府信息公开目录管理平台) ---------------------------------------------------------
class GkmlptFamily(Family):
    """``/gkmlpt/index`` is a JavaScript app (``window._CONFIG = {SID, TREE}``); the column is a
    category (``/gkmlpt/index#{cat}``) whose list comes from ``/gkmlpt/api/all/{cat}?page=N&sid=SID``
    (JSON; page=0 and page=1 the same batch); articles ``/gkmlpt/content/{id//10**6}/{id//10**3}/
    post_{id}.html`` carry the body JSON-escaped in ``_CONFIG.DETAIL.content``. Portal options
    ``sid``, ``copy_dir`` (with ``portal_copy``: the same article on the NFCMS site at
    ``/{copy_dir}/content/post_{id}.html``, the API's ``post_url``).
    """

    name = "gkmlpt"
    ext = "html"

    def sid(self):
        return str(self.p.cfg.get("sid", "2"))

    def column_entry(self, col):
        return "/gkmlpt/index"

    def column_url(self, col):
        return f"/gkmlpt/index#{col.spec['cat']}"

    def api_path(self, col, page):
        return f"/gkmlpt/api/all/{col.spec['cat']}?page={page}&sid={self.sid()}"

    def list_page_paths(self, col):
        return ["/gkmlpt/index"] + [self.api_path(col, p) for p in range(1, self.page_count(col) + 1)]

    def list_path(self, col, i):
        return self.api_path(col, i + 1)

    def list_href(self, col, i):
        return self.list_path(col, i)

    def article_path(self, col, rel):
        return rel

    def article_href(self, col, rel):
        return self.p.base + rel

    def copy_path(self, it):
        return f"/{self.p.cfg.get('copy_dir', 'zwgk')}/content/post_{it.id}.html"

    def attachment_path(self, it, n, ext):
        aid = 300000 + (it.id % 100000) * 10 + n
        return f"/attachment/0/{aid // 1000}/{aid}/{it.id}.{ext}"

    def attachment_href(self, it, att):
        return self.p.base + att["path"]

    def register_lists(self, routes, col, pages):
        routes["/gkmlpt/index"] = ("gkml_index",)

    def register_stub(self, routes, path, name):
        routes.setdefault(path, ("stub", name))

    def home_keys(self):
        return ["/", "/index.html"]

    def tree(self):
        out = []
        for c in self.p.columns.values():
            out.append({"id": int(c.spec["cat"]), "name": c.name, "parent": 0, "children": [],
                        "jump_url": "", "post_count": len(c.items)})
        for extra in self.p.cfg.get("gkml_tree_extra", []):
            out.append({"id": extra[0], "name": extra[1], "parent": 0, "children": [],
                        "jump_url": "", "post_count": extra[2]})
        out.sort(key=lambda n: n["id"])
        return out

    def render_page(self, route, page):
        if route[0] != "gkml_index":
            return None
        cfg = {"SID": self.sid(), "TREE": self.tree()}
        return self.p.template("gkml_index.html").render(portal=self.p.view(), config=cfg)

    def api_article(self, it: Item) -> dict:
        d = it.date
        return {
            "id": it.id, "title": it.title, "url": self.p.base + it.path,
            "post_url": self.p.base + (it.copy_path or it.path),
            "document_number": "", "identifier": f"{self.p.cfg.get('org_code', '006939748')}/{d:%Y}-{it.id % 100000:05d}",
            "publisher": it.spec.get("publisher", it.agency), "date": _unix(d),
            "created_at": f"{d:%Y-%m-%d %H:%M:%S}", "display_publish_time": _unix(d),
            "classify_main_name": it.column.name,
            "attachment": [{"name": a["name"], "url": self.p.base + a["path"], "mime": a["mime"],
                            "size": len(self.p.attachment_bytes(it, a["n"])[0])} for a in it.attachments],
        }

    def article_context(self, it, body):
        detail = {**self.api_article(it), "content": body}
        return {"detail_js": Markup(js_escape(detail)), "sid": self.sid()}

    def special(self, method, path, query, headers, body):
        m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", path)
        if not m:
            return None
        q = dict(parse_qsl(query))
        col = next((c for c in self.p.columns.values() if str(c.spec.get("cat")) == m.group(1)), None)
        if col is None or q.get("sid") != self.sid():
            data = {"classify": None, "articles": [], "total": 0}
        else:
            page = int(q["page"]) if q.get("page", "").isdigit() else 1
            page = max(page, 1)                       # page=0 and page=1: the same batch
            items = col.items[(page - 1) * col.page_size: page * col.page_size]
            data = {"classify": {"id": int(col.spec["cat"]), "name": col.name,
                                 "post_count": len(col.items)},
                    "articles": [self.api_article(it) for it in items], "total": len(col.items)}
        return self.p._ok(js_escape(data).encode("ascii"), "application/json;charset=UTF-8")


def js_escape(data) -> str:
    """JSON as PHP's json_encode writes it: non-ASCII as \\uXXXX, slashes escaped."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


# --- query-string CMSes: ASP article systems, JSP lists -----------------------------------------
class QueryFamily(Family):
    """Every page a script with a query string: ``/Article/ShowClass.asp?ClassID=15&page=2``,
    ``/Article/ShowArticle.asp?ArticleID=123``, ``/info/iList.jsp?cat_id=10043&cur_page=2``.

    Portal options: ``query_keys`` (the parameters that name a page), ``page_param``,
    ``print_script`` (the print view's script name), ``article_scripts`` (scripts that answer
    a soft "not found" page for unknown ids), ``home_keys``. Column options: ``href_style``
    ("relative" or "onclick"), ``href_prefix`` (prefix of the relative href).
    """

    name = "query"
    ext = "html"

    def keys(self):
        return self.p.cfg.get("query_keys", ["id"])

    def page_param(self):
        return self.p.cfg.get("page_param", "page")

    def list_path(self, col, i):
        return col.path if i == 0 else f"{col.path}&{self.page_param()}={i + 1}"

    def list_href(self, col, i):
        p = self.list_path(col, i)
        return posixpath.basename(p.split("?")[0]) + "?" + p.split("?", 1)[1]

    def article_path(self, col, rel):
        return rel

    def article_href(self, col, rel):
        return rel

    def entry_href(self, col, it, page=0, from_col=None):
        href = col.spec.get("href_prefix", "") + posixpath.basename(it.path.split("?")[0]) + \
            "?" + it.path.split("?", 1)[1]
        if col.spec.get("href_style") == "onclick":
            return {"href": "javascript:void(0)", "open": href}
        return {"href": href}

    def print_path(self, it):
        script = self.p.cfg.get("print_script", "Print.asp")
        path, q = it.path.split("?", 1)
        return posixpath.dirname(path) + "/" + script + "?" + q

    def attachment_path(self, it, n, ext):
        return f"/UploadFiles/{it.date:%Y%m}/{it.date:%Y%m%d}{it.id % 10**6:06d}{n}.{ext}"

    def attachment_href(self, it, att):
        return att["path"]

    def twin(self, path):
        raise NotImplementedError

    def route_keys(self, path, query):
        q = dict(parse_qsl(query, keep_blank_values=True))
        named = [f"{k}={q[k]}" for k in self.keys() if k in q]
        key = path + ("?" + "&".join(named) if named else "")
        p = q.get(self.page_param(), "1")
        page = int(p) - 1 if p.isdigit() and int(p) > 0 else 0
        return key, page

    def register_lists(self, routes, col, pages):
        routes[col.path] = ("list", col, None)

    def register_stub(self, routes, path, name):
        key, _ = self.route_keys(*(path.split("?", 1) + [""])[:2])
        routes.setdefault(key, ("stub", name))

    def home_keys(self):
        return self.p.cfg.get("home_keys", ["/", "/index.html"])

    def special(self, method, path, query, headers, body):
        if path.endswith("/GetHits.asp"):               # the click counter script
            q = dict(parse_qsl(query))
            n = int(q["ArticleID"]) * 7 % 500 + 20 if q.get("ArticleID", "").isdigit() else 0
            return self.p._ok(f"document.write('{n}');", "application/x-javascript")
        return None

    def fallback(self, key, path, query):
        if "?" in key and posixpath.basename(path) in self.p.cfg.get("article_scripts", []):
            return self.p._ok(self.p.template("missing.html").render(portal=self.p.view()))
        return None

    def list_context(self, col, i, pages):
        items = col.items[i * col.page_size:(i + 1) * col.page_size]
        if self.p.cfg.get("clamp_pages"):
            j = min(i, pages - 1)
            items = col.items[j * col.page_size:(j + 1) * col.page_size]
        objs = [{"aT": it.title, "aPd": f"{it.date:%Y-%m-%d %H:%M}",
                 "aU": self.entry_href(col, it, i)["href"]} for it in items]
        return {"itemObj": objs, "page_param": self.page_param()}


FAMILIES = {"jcms": JCMSFamily, "vsb": VSBFamily, "gkmlpt": GkmlptFamily, "query": QueryFamily}
