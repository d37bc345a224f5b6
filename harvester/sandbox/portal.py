"""Portals as data: one file in portals/ per portal, rendered through Jinja2 templates.

A portal file (TOML) says who the portal is (``id`` as in data/sites.csv, ``host``, ``scheme``,
``agency``, ``province``, ``level`` ...), how it serves (``family``: "trs" static .shtml pages,
"php" query-string pages, "jcms" 大汉 JCMS, "vsb" 博达 VSB, "gkmlpt" the Guangdong
政府信息公开目录 platform, "query" other query-string CMSes (ASP, JSP) (families.py);
``templates``: template folders searched in order, then "common"; ``encoding`` (the bytes),
``meta_charset`` (what the page's meta tag says, if not the same), ``content_type`` (the header),
``server``, ``validators``, ``delay``, ``also_schemes``, ``wall``), its chrome (``nav``,
``links``, ``[gk]`` the 政府信息公开 page) and its columns (``[[columns]]``: ``path``, ``name``,
``page_size``, ``pager``, ``article`` (URL pattern with {yyyymm} {yyyymmdd} {yyyy} {m} {d} {id}
{colid} {cat} {hex}), ``items``). Each item is a report (made up from its year and agency, read
from a seed file ``seed = "seed-....json"``, a copy of another portal's report ``repost_of``, or a
corrected version of another item ``revises``), a non-report page (notice, graphic, work_points,
budget, final_accounts, website_report, interpretation) or a broken link (``status = 404|500``).

Adding a portal: a TOML file here, reusing a template folder (or adding one). Adding a CMS
family: a class like TRSFamily below (or in families.py) and a template folder.

Everything a crawler can see comes from these objects, and so does the truth (truth.py):
there is no second copy of any value.
"""

from __future__ import annotations

import copy
import datetime as dt
import email.utils
import hashlib
import json
import posixpath
import re
import struct
import threading
import time
import tomllib
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, select_autoescape
from markupsafe import Markup

from . import docs, generate
from .checks import chain_failures, report_failures
from .generate import NON_REPORT_TITLES, rng_for
from .render import render_report
from .schema import empty_values

HERE = Path(__file__).parent
PORTALS_DIR = HERE / "portals"
TEMPLATES_DIR = HERE / "templates"
CST = dt.timezone(dt.timedelta(hours=8))
REPORT_KINDS = {"report"}
NON_REPORT_KINDS = set(NON_REPORT_TITLES)
MIME = {"pdf": "application/pdf", "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


# --- loading ------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _configs() -> tuple:
    out = []
    for p in sorted(PORTALS_DIR.glob("*.toml")):
        cfg = tomllib.loads(p.read_text("utf-8"))
        cfg["_file"] = p.name
        out.append(cfg)
    return tuple(out)


def load_configs(ids=None) -> list[dict]:
    return [copy.deepcopy(c) for c in _configs() if not ids or c["id"] in ids]


@lru_cache(maxsize=None)
def _seed(name: str) -> dict:
    return json.loads((PORTALS_DIR / name).read_text("utf-8"))


@lru_cache(maxsize=None)
def _source_portal(site_id: str) -> "Portal":
    """A pristine build of another portal: where a re-posted report is copied from."""
    cfgs = load_configs([site_id])
    if not cfgs:
        raise LookupError(f"no portal {site_id!r} to copy a report from")
    return Portal(cfgs[0], delay_scale=0)


@lru_cache(maxsize=None)
def jinja_env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["tojs"] = lambda v: Markup(json.dumps(v, ensure_ascii=False).replace("</", "<\\/"))
    return env


def png_bytes(w: int = 1, h: int = 1, rgb=(200, 30, 30)) -> bytes:
    """A valid solid-colour PNG (stands for the images real pages carry)."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _parse_date(s) -> dt.datetime:
    if isinstance(s, dt.datetime):
        return s.replace(tzinfo=None)
    if isinstance(s, dt.date):
        return dt.datetime(s.year, s.month, s.day, 9, 0)
    s = str(s).strip()
    for f in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(s, f)
        except ValueError:
            pass
    raise ValueError(f"bad date {s!r}")


def _epoch(d: dt.datetime) -> int:
    return int(d.replace(tzinfo=CST).timestamp())


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def _as_list(v) -> list:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


# --- model --------------------------------------------------------------------------------------
@dataclass
class Column:
    key: str
    path: str
    name: str
    spec: dict
    page_size: int = 15
    pager: str = "createPageHTML"
    article: str = "t{yyyymmdd}_{id}.shtml"
    id_base: int = 100000
    id_step: int = 1000
    hub: list = field(default_factory=list)
    list_mode: str = "anchors"
    items: list = field(default_factory=list)
    parent: "Column | None" = None

    @property
    def is_hub(self):
        return bool(self.hub)


@dataclass
class Item:
    kind: str
    column: Column
    spec: dict
    title: str
    date: dt.datetime
    id: int
    rel: str                     # href from the column's list page
    path: str                    # routing key: absolute path (+ query for query-string CMSes)
    url: str
    status: int = 200
    year: int | None = None
    agency: str = ""
    report: dict | None = None
    body: dict | None = None
    modified: int = 0
    twin_path: str | None = None
    twin_url: str | None = None
    assets: list = field(default_factory=list)   # absolute paths of its images
    key: str | None = None
    list_href: str | None = None                 # href the list uses when not ``rel``
    print_path: str | None = None
    print_url: str | None = None
    copy_path: str | None = None                 # the same page in the portal's other CMS
    copy_url: str | None = None
    aliases: list = field(default_factory=list)  # [{"url", "path", "kind", "linked"}]
    attachments: list = field(default_factory=list)  # [{"path", "url", "name", "ext", "mime"}]


@dataclass
class Response:
    status: int
    headers: list
    body: bytes
    delay: float = 0.0


# --- CMS families -------------------------------------------------------------------------------
class Family:
    """What every CMS family answers; TRS-like defaults. See families.py for the others."""

    name = "base"
    ext = "shtml"

    def __init__(self, portal):
        self.p = portal

    # list pages
    def column_entry(self, col: Column) -> str:
        """Path of the column's first list page (the column URL)."""
        return col.path

    def column_url(self, col: Column) -> str:
        return self.column_entry(col)

    def page_count(self, col: Column) -> int:
        return max(1, -(-len(col.items) // col.page_size))

    def list_page_paths(self, col: Column) -> list[str]:
        return [self.column_entry(col)] + [self.list_path(col, i) for i in range(1, self.page_count(col))]

    def entry_href(self, col: Column, it: Item, page: int = 0, from_col: Column | None = None) -> dict:
        return {"href": it.list_href or it.rel}

    # articles
    def twin(self, path: str) -> str:
        base, ext = posixpath.splitext(path)
        return f"{base}_app{ext}"

    def print_path(self, it: Item) -> str:
        raise NotImplementedError(f"{self.name}: no print view")

    def attachment_path(self, it: Item, n: int, ext: str) -> str:
        return posixpath.dirname(it.path) + f"/P0{it.date:%Y%m%d}{(it.id * 7919 + n * 104729) % 10**12:012d}.{ext}"

    def attachment_href(self, it: Item, att: dict) -> str:
        return "./" + posixpath.basename(att["path"])

    def asset_dir(self, item: Item) -> str:
        return posixpath.dirname(item.path) + "/"

    def image_name(self, item: Item, n: int) -> str:
        return f"W0{item.date:%Y%m%d}{item.id % 10**6:06d}{n:02d}.png"

    def image_src(self, item: Item, n: int) -> str:
        return "./" + self.image_name(item, n)

    # routing
    def route_keys(self, path: str, query: str):
        """(routing key, page index or None)."""
        return path, None

    def register_stub(self, routes, path: str, name: str):
        routes.setdefault(path, ("stub", name))
        if path.endswith("/"):
            routes.setdefault(path + f"index.{self.ext}", ("stub", name))

    def home_keys(self):
        return ["/", f"/index.{self.ext}", "/index.html"]

    def special(self, method, path, query, headers, body) -> Response | None:
        """Answers that are not pages of the route table (APIs, downloads)."""
        return None

    def fallback(self, key: str, path: str, query: str) -> Response | None:
        """An answer for a path the route table does not hold (before the 404)."""
        return None

    def list_context(self, col: Column, i: int, pages: int) -> dict:
        return {}


class TRSFamily(Family):
    """TRS WCM static publishing: index.shtml, index_1.shtml ...; articles relative to the column.

    Column options: ``pager`` = "createPageHTML" (0-based), "createPageHTML6" (Hubei, with CSS
    class and record count), "countPage", "pageControl" (Hubei), "page_div" (the 1-based
    look-alike ``createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89)``: page 1 ``fg.shtml``,
    page k ``fg_k.shtml``; the bare directory has no index); ``list_prefix`` ("index");
    ``stub_after`` (true: any deeper ``index_N`` answers 200 with a ~300-byte stub).
    """

    name = "trs"

    def __init__(self, portal):
        super().__init__(portal)
        self.ext = portal.cfg.get("ext", "shtml")

    def _prefix(self, col):
        return col.spec.get("list_prefix", "fg" if col.pager == "page_div" else "index")

    def _name(self, col, i):
        pre = self._prefix(col)
        if col.pager == "page_div":
            return f"{pre}.{self.ext}" if i == 0 else f"{pre}_{i + 1}.{self.ext}"
        return f"{pre}.{self.ext}" if i == 0 else f"{pre}_{i}.{self.ext}"

    def column_entry(self, col):
        return col.path + self._name(col, 0) if col.pager == "page_div" else col.path

    def list_path(self, col: Column, i: int) -> str:
        return col.path + self._name(col, i)

    def list_href(self, col: Column, i: int) -> str:
        return self._name(col, i)

    def article_path(self, col: Column, rel: str) -> str:
        return rel if rel.startswith("/") else col.path + rel

    def article_href(self, col: Column, rel: str) -> str:
        return rel if rel.startswith("/") else "./" + rel

    def entry_href(self, col, it, page=0, from_col=None):
        href = it.list_href or it.rel
        if from_col is not None and from_col is not col and href.startswith("./"):
            href = "./" + col.path[len(from_col.path):] + href.removeprefix("./")
        return {"href": href}

    def register_lists(self, routes, col: Column, pages: int):
        if col.is_hub:
            routes[col.path] = ("hub", col)
            routes[col.path + f"index.{self.ext}"] = ("hub", col)
            return
        if col.pager != "page_div":
            routes[col.path] = ("list", col, 0)
        for i in range(pages):
            routes[self.list_path(col, i)] = ("list", col, i)

    def fallback(self, key, path, query):
        for col in self.p.columns.values():
            if col.is_hub or not col.spec.get("stub_after") or not key.startswith(col.path):
                continue
            m = re.fullmatch(re.escape(self._prefix(col)) + r"_(\d+)\." + re.escape(self.ext),
                             key[len(col.path):])
            if m:
                return self.p._ok(self.p.template("stub_list.html").render(portal=self.p.view(), col=col))
        return None

    def list_context(self, col, i, pages):
        return {}


class PHPFamily(Family):
    """A hand-made PHP site: everything through index.php?c=...&id=...[&page=N]."""

    name = "php"

    def list_path(self, col: Column, i: int) -> str:
        return col.path if i == 0 else f"{col.path}&page={i + 1}"

    def list_href(self, col: Column, i: int) -> str:
        return self.list_path(col, i).lstrip("/")

    def article_path(self, col: Column, rel: str) -> str:
        return "/" + rel

    def article_href(self, col: Column, rel: str) -> str:
        return rel

    def twin(self, path):
        raise NotImplementedError

    def asset_dir(self, item: Item) -> str:
        return f"/uploads/allimg/{item.date:%y%m%d}/"

    def image_name(self, item: Item, n: int) -> str:
        return f"{item.id}_{n}.png"

    def image_src(self, item: Item, n: int) -> str:
        return self.asset_dir(item) + self.image_name(item, n)

    def attachment_path(self, it, n, ext):
        return f"/uploads/soft/{it.date:%y%m%d}/{it.id}_{n}.{ext}"

    def attachment_href(self, it, att):
        return att["path"]

    @staticmethod
    def norm(path: str, query: str):
        q = dict(parse_qsl(query, keep_blank_values=True))
        if path not in ("/", "/index.php"):
            return path, None
        c = q.get("c")
        if not c:
            return "/", None
        page = q.get("page", "1")
        page = int(page) - 1 if page.isdigit() and int(page) > 0 else 0
        return f"/index.php?c={c}&id={q.get('id', '')}", page

    def route_keys(self, path, query):
        return self.norm(path, query)

    def register_lists(self, routes, col: Column, pages: int):
        routes[col.path] = ("list", col, None)

    def register_stub(self, routes, path: str, name: str):
        key, _ = self.norm(*(path.split("?", 1) + [""])[:2])
        routes.setdefault(key, ("stub", name))

    def home_keys(self):
        return ["/"]

    def fallback(self, key, path, query):
        if key.startswith("/index.php?"):
            return self.p._ok(self.p.template("missing.html").render(portal=self.p.view()))
        return None


FAMILIES = {"trs": TRSFamily, "php": PHPFamily}


# --- the portal ---------------------------------------------------------------------------------
class Portal:
    """One portal's pages, state and truth. Built from a portal file; mutable per instance."""

    def __init__(self, cfg: dict, delay_scale: float = 1.0):
        self.cfg = cfg
        self.id = cfg["id"]
        self.host = cfg["host"]
        self.scheme = cfg.get("scheme", "http")
        self.schemes = [self.scheme, *cfg.get("also_schemes", [])]
        self.base = f"{self.scheme}://{self.host}"
        self.family = FAMILIES[cfg.get("family", "trs")](self)
        self.templates = [*cfg.get("templates", []), "common"]
        self.encoding = cfg.get("encoding", "utf-8")
        self.delay_scale = delay_scale
        self.lock = threading.RLock()
        self._cache: dict = {}
        self.wall = None
        if cfg.get("wall"):
            from .walls import make_wall
            self.wall = make_wall(cfg["wall"], self)
        self.columns: dict[str, Column] = {}
        for cs in cfg.get("columns", []):
            col = Column(key=str(cs["key"]), path=cs["path"], name=cs["name"], spec=cs,
                         page_size=cs.get("page_size", 15), pager=cs.get("pager", "createPageHTML"),
                         article=cs.get("article", "t{yyyymmdd}_{id}.shtml"),
                         id_base=cs.get("id_base", 100000), id_step=cs.get("id_step", 1000),
                         hub=cs.get("hub", []), list_mode=cs.get("list_mode", "anchors"))
            self.columns[col.key] = col
        for col in self.columns.values():
            for k in col.hub:
                self.columns[k].parent = col
        for col in self.columns.values():
            specs = col.spec.get("items", [])
            col.items = self._make_items(col, specs)
        self._generate_series()
        self.static = self._load_static()
        self._build_routes()

    # ---- items ----
    def _ctx(self, spec: dict, year) -> dict:
        c = self.cfg
        other = "agency" in spec and spec["agency"] != c["agency"]
        return {
            "agency": spec.get("agency", c["agency"]),
            "short": spec.get("short", c.get("short", c["agency"])),
            "we": spec.get("we", c.get("we", "我单位")),
            "level": spec.get("level", c.get("level", "县")),
            "year": year, "site_name": c.get("site_name", ""), "site_code": c.get("site_code", ""),
            "url": f"{self.base}/",
            "office": spec.get("office", f"{spec['agency']}办公室" if other else c.get("office", "")),
            "address": spec.get("address", c.get("address", "")),
            "phone": spec.get("phone", c.get("phone", "")),
        }

    def _title(self, spec: dict, kind: str, year) -> str:
        if spec.get("title"):
            return spec["title"]
        ctx = self._ctx(spec, year)
        if kind == "report":
            pat = self.cfg.get("title", "{agency}{year}年政府信息公开工作年度报告")
            if "agency" in spec and spec["agency"] != self.cfg["agency"]:
                pat = "{agency}{year}年政府信息公开工作年度报告"
            return pat.format(**ctx)
        return NON_REPORT_TITLES[kind].format(**ctx)

    def _make_items(self, col: Column, specs: list[dict]) -> list[Item]:
        if col.is_hub:
            return []
        prepared = []
        for n, s in enumerate(specs):
            s = dict(s)
            kind = s.get("kind", "report")
            if kind not in REPORT_KINDS | NON_REPORT_KINDS | {"broken"}:
                raise ValueError(f"{self.id}: unknown item kind {kind!r}")
            prepared.append((_parse_date(s["date"]), n, s))
        # ids grow with the date, as CMS ids do; an explicit id (or one in an explicit path) wins
        ids = {}
        current = col.id_base
        for d, n, s in sorted(prepared, key=lambda x: (x[0], x[1])):
            explicit = s.get("id")
            if explicit is None and s.get("path"):
                m = re.search(r"(\d+)(?:\.\w+)?$", s["path"].split("?")[-1])
                explicit = int(m.group(1)) if m else None
            if explicit is not None:
                current = int(explicit)
            else:
                current += col.id_step + rng_for(self.id, col.key, n).randint(0, max(1, col.id_step // 3))
            ids[n] = current
        items = [self._new_item(col, s, d, ids[n]) for d, n, s in prepared]
        items.sort(key=lambda it: it.date, reverse=True)
        return items

    def _rel_for(self, col: Column, date: dt.datetime, iid: int) -> str:
        return col.article.format(
            yyyymm=f"{date:%Y%m}", yyyymmdd=f"{date:%Y%m%d}", id=iid, yyyy=date.year,
            m=date.month, d=date.day, colid=col.spec.get("colid", ""), cat=col.spec.get("cat", ""),
            hex=hashlib.md5(f"{self.id}/{col.key}/{iid}".encode()).hexdigest(),
            id_m=iid // 10**6, id_k=iid // 10**3)

    def _new_item(self, col: Column, s: dict, date: dt.datetime, iid: int) -> Item:
        kind = s.get("kind", "report")
        year = s.get("year")
        rel = s["path"] if s.get("path") else self._rel_for(col, date, iid)
        path = self.family.article_path(col, rel)
        title = s.get("title") or (self._title(s, kind, year) if kind != "broken" else "")
        it = Item(kind=kind, column=col, spec=s, title=title, date=date, id=iid,
                  rel=self.family.article_href(col, rel), path=path, url=self.base + path,
                  status=int(s.get("status", 200)), year=year,
                  agency=s.get("agency", self.cfg["agency"]), modified=_epoch(date), key=s.get("key"))
        if kind != "broken":
            self._decorate(it)
        if kind in NON_REPORT_KINDS:
            it.body = generate.non_report_body(rng_for(self.id, it.path, kind), kind,
                                               self._ctx(s, year))
            it.assets = [self.family.asset_dir(it) + self.family.image_name(it, k + 1)
                         for k in range(it.body.get("images", 0))]
        return it

    def _decorate(self, it: Item):
        """Other addresses of the same page: twins, print views, aliases, attachments."""
        s, cfg = it.spec, self.cfg
        if cfg.get("app_twins") and s.get("twin", True):
            it.twin_path = self.family.twin(it.path)
            it.twin_url = self.base + it.twin_path
        if cfg.get("print_view"):
            it.print_path = self.family.print_path(it)
            it.print_url = self.base + it.print_path
        if cfg.get("portal_copy") and it.kind == "report":
            it.copy_path = self.family.copy_path(it)
            it.copy_url = self.base + it.copy_path
        if s.get("dir_index"):                 # a report published as a directory page
            p = it.path + f"index.{getattr(self.family, 'ext', 'html')}"
            it.aliases.append({"url": self.base + p, "path": p, "kind": "directory_index",
                               "linked": True})
        if s.get("list_query"):                # the list links it with a tracking query
            it.list_href = it.rel + "?" + s["list_query"]
            it.aliases.append({"url": it.url + "?" + s["list_query"], "path": it.path,
                               "kind": "tracking_query", "linked": True})
        if it.kind == "report":
            for sch in cfg.get("also_schemes", []):
                it.aliases.append({"url": f"{sch}://{self.host}{it.path}", "path": it.path,
                                   "kind": "scheme_twin", "linked": s.get("feature") == "scheme_twin"})
        for n, ext in enumerate(_as_list(s.get("attachment")), 1):
            p = self.family.attachment_path(it, n, ext)
            it.attachments.append({"path": p, "url": self.base + p, "ext": ext, "mime": MIME[ext],
                                   "name": s.get("attachment_name", it.title) + f".{ext}", "n": n})

    def all_items(self):
        for col in self.columns.values():
            yield from col.items

    def report_columns(self):
        return [c for c in self.columns.values() if not c.is_hub]

    # ---- report content ----
    def _fmt(self, s: dict, year: int) -> str:
        if s.get("format"):
            return str(s["format"])
        return "legacy" if year < 2019 else ("2019" if year < 2021 else "2021")

    def _generate_series(self):
        """Make every report's content; values chained year to year per agency."""
        by_agency: dict[str, list[Item]] = {}
        later = []
        for it in self.all_items():
            if it.kind != "report":
                continue
            if it.spec.get("revises") or it.spec.get("repost_of"):
                later.append(it)
            else:
                by_agency.setdefault(it.agency, []).append(it)
        for agency, items in by_agency.items():
            items.sort(key=lambda i: (i.year, i.date))
            by_year = {}
            for it in items:
                if it.spec.get("seed"):
                    it.report = self._seed_report(it)
                by_year.setdefault(it.year, it)
            for it in items:
                if it.report is None:
                    prev, nxt = by_year.get(it.year - 1), by_year.get(it.year + 1)
                    self._make_report(it, prev, nxt)
        for it in self.all_items():          # lazy copies: another report's prose, word for word
            if it.kind == "report" and it.spec.get("copies_prose") and it.report is not None:
                it.report["prose"] = copy.deepcopy(self.item_by_key(it.spec["copies_prose"]).report["prose"])
        for it in sorted(later, key=lambda i: i.date):
            if it.spec.get("repost_of"):
                self._copy_report(it)
            else:
                self._revise_report(it)

    def item_by_key(self, key: str) -> Item:
        for it in self.all_items():
            if it.key == key:
                return it
        raise KeyError(f"{self.id}: no item with key {key!r}")

    def _copy_report(self, it: Item):
        """A report re-posted from another portal: the same values and prose, this portal's chrome."""
        s = it.spec
        src = _source_portal(s["repost_site"]).find(s["repost_of"])
        if src is None or src.report is None:
            raise LookupError(f"{self.id}: {s['repost_of']} is no report of {s['repost_site']}")
        r = copy.deepcopy(src.report)
        r.pop("seed", None)
        r["render"] = dict(r.get("render") or {}, style=s.get("style", self.cfg.get("style", "official")))
        r["title"] = it.title if self._flag(s, "show_title") else r.get("title")
        it.agency = r["agency"]
        it.report = r

    def _revise_report(self, it: Item):
        """A corrected re-post: the original's report with a few cells changed."""
        orig = self.item_by_key(it.spec["revises"])
        r = copy.deepcopy(orig.report)
        for key, val in _flatten_changes(it.spec.get("changes", {})):
            _set_cell(r, key, val)
        r["title"] = it.title if self._flag(it.spec, "show_title") else r.get("title")
        if it.spec.get("style"):
            r.setdefault("render", {})["style"] = it.spec["style"]
        it.report = r

    def _seed_report(self, it: Item) -> dict:
        d = copy.deepcopy(_seed(it.spec["seed"]))
        d.pop("_about", None)
        d.pop("published_shown", None)
        if it.spec.get("style"):
            d.setdefault("render", {})["style"] = it.spec["style"]
        return d

    def _make_report(self, it: Item, prev: Item | None = None, nxt: Item | None = None,
                     values: dict | None = None):
        s = it.spec
        fmt = self._fmt(s, it.year)
        ctx = self._ctx(s, it.year)
        rng = rng_for(self.id, it.agency, it.year, it.path)
        faults = list(s.get("faults", []))
        co = cf = None
        if fmt != "legacy":
            if prev and prev.report and (prev.report.get("applications")):
                co = dict(prev.report["applications"]["carried_forward"])
                if "carried_chain" in faults:
                    co["natural_person"] = (co.get("natural_person") or 0) + 2
            if nxt and nxt.report and nxt.report.get("applications"):
                cf = dict(nxt.report["applications"]["carried_over"])
        if s.get("zero_values") and fmt != "legacy":    # a body with nothing to report: all 0
            vals = empty_values(fmt)
            for sect in vals.values():
                for k, v in sect.items():
                    if isinstance(v, dict):
                        sect[k] = {m: 0 for m in v}
                    else:
                        sect[k] = 0
        else:
            vals = values or generate.gen_values(rng, ctx["level"], fmt, co, cf, faults)
        for table in s.get("blank_tables", []):        # a table printed with every cell left blank
            sect = vals.get(table)
            if sect:
                vals[table] = {k: ({m: None for m in v} if isinstance(v, dict) else None) for k, v in sect.items()}
        for item in s.get("blank_items", []):          # cells printed "/" (not applicable)
            ad = vals.get("active_disclosure") or {}
            if item in ad:
                ad[item] = {m: None for m in ad[item]}
        show_title = self._flag(s, "show_title")
        ctx["no_title_in_text"] = not show_title
        prose_rng = rng_for("prose", s["prose_seed"]) if s.get("prose_seed") else rng
        prose = s.get("prose") or generate.gen_prose(prose_rng, ctx, fmt, vals)
        for sect, paras in (s.get("extra_paras") or {}).items():
            prose[sect] = [*prose.get(sect, []), *paras]
        render = {"style": s.get("style", self.cfg.get("style", "official"))}
        for k in ("number_format", "blank", "label_variants", "labels", "quirks", "omit_sections"):
            if k in s:
                render[k] = s[k]
        if "t3_image" in render.get("quirks", ()):
            render["t3_image_src"] = self.family.image_src(it, 99)
            it.assets.append(self.family.asset_dir(it) + self.family.image_name(it, 99))
        if "tables_as_images" in render.get("quirks", ()):   # found, but no table readable as text
            render["table_image_srcs"] = {t: self.family.image_src(it, n) for t, n in (("t2", 97), ("t3", 98), ("t4", 99))}
            it.assets += [self.family.asset_dir(it) + self.family.image_name(it, n) for n in (97, 98, 99)]
        it.report = {
            "title": it.title if show_title else None,
            "agency": ctx["agency"], "province": s.get("province", self.cfg["province"]),
            "year": it.year, "format": fmt, "render": render, "prose": prose,
            "active_disclosure": vals.get("active_disclosure"),
            "applications": vals.get("applications"),
            "reviews_litigation": vals.get("reviews_litigation"),
        }

    def _flag(self, s: dict, name: str) -> bool:
        return bool(s.get(name, self.cfg.get(name, True)))

    # ---- static files and routes ----
    def _load_static(self) -> dict:
        files = {}
        for t in reversed(self.templates):
            d = TEMPLATES_DIR / t / "static"
            if d.is_dir():
                for f in d.rglob("*"):
                    if f.is_file():
                        files["/" + f.relative_to(d).as_posix()] = f.read_bytes()
        return files

    def page_count(self, col: Column) -> int:
        return self.family.page_count(col)

    def _build_routes(self):
        routes: dict = {}
        for k in self.family.home_keys():
            routes[k] = ("home",)
        gk = self.cfg.get("gk") or {}
        if gk:
            self.family.register_stub(routes, gk["path"], gk["name"])
            key, _ = self.family.route_keys(*(gk["path"].split("?", 1) + [""])[:2])
            routes[key] = ("gk",)
            if key.endswith("/"):
                routes[key + f"index.{getattr(self.family, 'ext', 'shtml')}"] = ("gk",)
        for col in self.columns.values():
            self.family.register_lists(routes, col, self.page_count(col))
        for it in self.all_items():
            key, _ = self.family.route_keys(*(it.path.split("?", 1) + [""])[:2])
            if it.kind == "broken":
                if it.status != 404:
                    routes[key] = ("status", it)
                continue
            routes[key] = ("article", it)
            for a in it.aliases:
                akey, _ = self.family.route_keys(*(a["path"].split("?", 1) + [""])[:2])
                routes.setdefault(akey, ("article", it))
            if it.twin_path:
                routes[it.twin_path] = ("article_app", it)
            if it.print_path:
                pkey, _ = self.family.route_keys(*(it.print_path.split("?", 1) + [""])[:2])
                routes[pkey] = ("article_print", it)
            if it.copy_path:
                routes[it.copy_path] = ("article_copy", it)
            for a in it.assets:
                routes[a] = ("image", it)
            for att in it.attachments:
                akey, _ = self.family.route_keys(*(att["path"].split("?", 1) + [""])[:2])
                routes[akey] = ("attachment", it, att["n"])
        for name, path in [*(self.cfg.get("nav") or []), *((gk.get("links")) or [])]:
            if path.startswith("/"):
                self.family.register_stub(routes, path, name)
        for p in self.static:
            routes.setdefault(p, ("static", p))
        routes["/robots.txt"] = ("robots",)
        self.routes = routes

    # ---- URLs the truth and the tests need ----
    def gk_url(self):
        gk = self.cfg.get("gk")
        return self.base + gk["path"] if gk else None

    def column_urls(self):
        return [self.base + self.family.column_url(c) for c in self.columns.values() if c.parent is None]

    def list_page_urls(self):
        out = []
        for c in self.columns.values():
            if c.is_hub:
                out.append(self.base + self.family.column_entry(c))
                continue
            out += [self.base + p for p in self.family.list_page_paths(c)]
        return out

    # ---- request handling ----
    def handle(self, method: str, path: str, query: str, headers, body: bytes = b"") -> Response:
        with self.lock:
            if self.wall is not None:
                r = self.wall.check(method, path, query, headers)
                if r is not None:
                    return r
            r = self.family.special(method, path, query, headers, body)
            if r is not None:
                return r
            key, page = self.family.route_keys(path, query)
            route = self.routes.get(key)
            if route is None and self.family.name == "trs" and not key.endswith("/") \
                    and (key + "/") in self.routes:
                return self._redirect(self.base + key + "/")
            if route is None:
                r = self.family.fallback(key, path, query)
                if r is not None:
                    return r
                return self._error(404, path + (f"?{query}" if query else ""))
            kind = route[0]
            delay = 0.0
            if kind in (self.cfg.get("delay_on") or []):
                delay = float(self.cfg.get("delay", 0)) * self.delay_scale
            if kind == "status":
                return self._error(route[1].status, path)
            if kind == "robots":
                return self._ok(self._robots(), "text/plain")
            if kind == "static":
                return self._static(route[1], headers)
            if kind == "image":
                return self._image(route[1], key, headers)
            if kind == "attachment":
                return self._attachment(route[1], route[2], headers)
            if kind in ("article", "article_app", "article_print", "article_copy"):
                variant = {"article": "page", "article_app": "app", "article_print": "print",
                           "article_copy": "copy"}[kind]
                r = self._article(route[1], headers, variant)
            else:
                html = self._render_page(route, page)
                if html is None:
                    return self._error(404, path)
                r = self._ok(html)
            r.delay = delay
            return r

    def _headers(self, ctype: str, length: int, extra=()):
        h = [("Server", self.cfg.get("server", "nginx")), ("Date", http_date(time.time())),
             ("Content-Type", ctype), ("Content-Length", str(length))]
        if self.cfg.get("powered_by"):
            h.append(("X-Powered-By", self.cfg["powered_by"]))
        return h + list(extra)

    def _ok(self, body, ctype=None, extra=(), encoding=None):
        if isinstance(body, str):
            body = body.encode(encoding or self.encoding, "xmlcharrefreplace")
        ctype = ctype or self.cfg.get("content_type", "text/html")
        return Response(200, self._headers(ctype, len(body), extra), body)

    def _redirect(self, location: str, status=301):
        body = (f"<html>\r\n<head><title>{status} Moved Permanently</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} Moved Permanently</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n").encode()
        return Response(status, self._headers("text/html", len(body), [("Location", location)]), body)

    def _error(self, status: int, path: str):
        name = {404: "Not Found", 500: "Internal Server Error", 403: "Forbidden"}.get(status, "Error")
        tpl = self._template_or_none(f"{status}.html")
        if tpl is not None:
            html = tpl.render(portal=self.view(), status=status, path=path)
            body = html.encode(self.encoding, "xmlcharrefreplace")
            ctype = self.cfg.get("content_type", "text/html")
        elif self.family.name == "php" or self.cfg.get("error_style") == "apache":
            body = (f'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>{status} '
                    f'{name}</title>\n</head><body>\n<h1>{name}</h1>\n<p>The requested URL '
                    f'{escape(path.split("?")[0])} was not found on this server.</p>\n</body></html>\n').encode()
            ctype = "text/html; charset=iso-8859-1"
        else:
            body = (f"<html>\r\n<head><title>{status} {name}</title></head>\r\n<body>\r\n<center><h1>"
                    f"{status} {name}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()
            ctype = "text/html"
        return Response(status, self._headers(ctype, len(body)), body)

    def _conditional(self, body: bytes, ctype: str, modified: int, headers, extra=()):
        etag = f'"{modified:x}-{len(body):x}"'
        lm = http_date(modified)
        extra = [("Last-Modified", lm), ("ETag", etag), ("Accept-Ranges", "bytes"), *extra]
        inm = headers.get("If-None-Match")
        ims = headers.get("If-Modified-Since")
        not_modified = False
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            not_modified = "*" in tags or etag in tags
        elif ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
                not_modified = modified <= since
            except (TypeError, ValueError):
                pass
        if not_modified:
            h = [x for x in self._headers(ctype, 0, extra) if x[0] not in ("Content-Length", "Content-Type")]
            return Response(304, h, b"")
        return Response(200, self._headers(ctype, len(body), extra), body)

    def _static(self, path, headers):
        body = self.static[path]
        ext = posixpath.splitext(path)[1]
        ctype = {".css": "text/css", ".js": "application/javascript", ".png": "image/png",
                 ".ico": "image/x-icon", ".gif": "image/gif"}.get(ext, "application/octet-stream")
        return self._conditional(body, ctype, _epoch(dt.datetime(2019, 6, 1, 9, 0)), headers)

    def _image(self, item: Item, key: str, headers):
        n = int(hashlib.md5(key.encode()).hexdigest()[:6], 16)
        body = png_bytes(40 + n % 40, 30 + n % 20, (n % 256, (n >> 8) % 256, (n >> 16) % 256))
        return self._conditional(body, "image/png", item.modified, headers)

    def attachment_bytes(self, it: Item, n: int) -> tuple[bytes, dict]:
        att = next(a for a in it.attachments if a["n"] == n)
        ck = ("attachment", it.path, n, it.modified)
        body = self._cache.get(ck)
        if body is None:
            if it.report is not None:
                title = it.title
                body = (docs.report_pdf(it.report, title) if att["ext"] == "pdf"
                        else docs.report_docx(it.report, title))
            else:
                paras = [it.title, *((it.body or {}).get("paras") or [])]
                body = docs.text_pdf(paras) if att["ext"] == "pdf" else docs.text_docx(paras)
            self._cache[ck] = body
        return body, att

    def _attachment(self, it: Item, n: int, headers):
        body, att = self.attachment_bytes(it, n)
        extra = []
        if self.cfg.get("attachment_disposition"):
            from urllib.parse import quote
            extra.append(("Content-Disposition",
                          f"attachment; filename*=UTF-8''{quote(att['name'])}"))
        ctype = "application/octet-stream" if self.cfg.get("attachment_octet") else att["mime"]
        return self._conditional(body, ctype, it.modified, headers, extra)

    def page_charset(self, it: Item | None = None) -> dict:
        """How a page's bytes are encoded and what its header and meta tag say."""
        s = (it.spec if it is not None else {})
        enc = s.get("encoding", self.encoding)
        ctype = s.get("content_type", self.cfg.get("content_type", "text/html"))
        meta = self.cfg.get("meta_charset", enc)
        if it is not None and "article_meta_charset" in self.cfg:
            meta = self.cfg["article_meta_charset"]
        meta = s.get("meta_charset", meta)
        m = re.search(r"charset=([\w-]+)", ctype)
        return {"bytes": enc, "content_type": ctype, "header": m.group(1) if m else None,
                "meta": meta or None}

    def _article(self, it: Item, headers, variant: str):
        ck = ("article", it.path, variant)
        body = self._cache.get(ck)
        cs = self.page_charset(it)
        if body is None:
            html = self._render_article(it, variant)
            body = html.encode(cs["bytes"], "xmlcharrefreplace")
            self._cache[ck] = body
        ctype = cs["content_type"]
        if self.cfg.get("validators", True):
            return self._conditional(body, ctype, it.modified, headers)
        return Response(200, self._headers(ctype, len(body)), body)

    def _robots(self) -> str:
        lines = ["User-agent: *"]
        lines += [f"Disallow: {p}" for p in self.cfg.get("robots_disallow", ["/search/"])]
        return "\n".join(lines) + "\n"

    # ---- rendering ----
    def _template_or_none(self, name):
        env = jinja_env()
        for t in self.templates:
            try:
                return env.get_template(f"{t}/{name}")
            except TemplateNotFound:
                continue
        return None

    def template(self, name):
        tpl = self._template_or_none(name)
        if tpl is None:
            raise LookupError(f"{self.id}: no template {name} in {self.templates}")
        return tpl

    def view(self) -> dict:
        """What templates see of the portal."""
        c = self.cfg
        featured = []
        for it in self.all_items():
            f = it.spec.get("feature")
            if not f or it.kind == "broken":
                continue
            alias = next((a for a in it.aliases if a["kind"] == f), None)
            featured.append({"title": it.title, "href": alias["url"] if alias else it.url,
                             "date": f"{it.date:%Y-%m-%d}"})
        return {**c, "base": self.base, "home": self.base + "/", "gk": c.get("gk") or {},
                "nav": c.get("nav") or [], "links": c.get("links") or [],
                "meta_charset": self.page_charset()["meta"], "featured": featured,
                "report_column": self.report_columns()[0] if self.report_columns() else None}

    def crumbs(self, col: Column | None):
        out = [("首页", "/")]
        gk = self.cfg.get("gk")
        if gk:
            out.append((gk["name"], gk["path"]))
        chain = []
        while col is not None:
            chain.insert(0, col)
            col = col.parent
        out += [(c.name, self.family.column_entry(c)) for c in chain]
        return out

    def list_title(self, it: Item) -> str:
        n = self.cfg.get("list_title_max")
        return it.title if not n or len(it.title) <= n else it.title[:n] + "..."

    def entries(self, col: Column, items, from_col: Column | None = None, page: int = 0):
        """Items as the list shows them: href relative to the page, title, date."""
        out = []
        for it in items:
            e = self.family.entry_href(col, it, page, from_col)
            out.append({**e, "title": it.title, "short": self.list_title(it),
                        "date": f"{it.date:%Y-%m-%d}", "item": it})
        return out

    def _hub_blocks(self, col: Column):
        blocks = []
        for k in col.hub:
            child = self.columns[k]
            href = self.family.hub_href(col, child) if hasattr(self.family, "hub_href") \
                else "./" + child.path[len(col.path):]
            subs = [{"name": self.columns[g].name,
                     "href": self.family.hub_href(col, self.columns[g]) if hasattr(self.family, "hub_href")
                     else "./" + self.columns[g].path[len(col.path):]}
                    for g in child.hub]
            blocks.append({"col": child, "href": href, "subs": subs,
                           "entries": self.entries(child, child.items[: col.spec.get("hub_show", 5)], col)})
        return blocks

    def _render_page(self, route, page):
        kind = route[0]
        ck = (kind, getattr(route[1], "key", route[1]) if len(route) > 1 else None,
              route[2] if len(route) > 2 else None, page)
        if ck in self._cache:
            return self._cache[ck]
        v = self.view()
        if kind == "home":
            latest = [it for col in self.report_columns() for it in col.items if it.kind != "broken"]
            latest.sort(key=lambda i: i.date, reverse=True)
            html = self.template("home.html").render(portal=v, latest=latest[:6])
        elif kind == "gk":
            html = self.template("gk.html").render(portal=v, crumbs=self.crumbs(None))
        elif kind == "stub":
            html = self.template("stub.html").render(portal=v, name=route[1],
                                                     crumbs=[("首页", "/"), (route[1], "#")])
        elif kind == "hub":
            col = route[1]
            html = self.template("hub.html").render(portal=v, col=col, blocks=self._hub_blocks(col),
                                                    crumbs=self.crumbs(col), fam=self.family.list_context(col, 0, 1))
        elif kind == "list":
            col = route[1]
            i = route[2] if route[2] is not None else (page or 0)
            pages = self.page_count(col)
            if self.family.name == "trs" and i >= pages:
                return None
            shown = min(i, pages - 1) if self.cfg.get("clamp_pages") else i
            items = col.items[shown * col.page_size:(shown + 1) * col.page_size]
            last = pages - 1
            nxt = i + 1 if (i + 1 < pages or self.cfg.get("endless_next")) else None
            pager = {"pages": pages, "index": i, "total": len(col.items), "prefix": "index",
                     "ext": getattr(self.family, "ext", ""), "cls": col.spec.get("pager_class", ""),
                     "size": col.page_size,
                     "prev": self.family.list_href(col, i - 1) if i > 0 else None,
                     "next": self.family.list_href(col, nxt) if nxt is not None else None,
                     "first": self.family.list_href(col, 0), "last": self.family.list_href(col, last),
                     "links": [(k + 1, self.family.list_href(col, k)) for k in range(pages)]}
            if hasattr(self.family, "_prefix"):
                pager["prefix"] = self.family._prefix(col)
            siblings = ([(self.columns[k].name, self.family.column_entry(self.columns[k]))
                         for k in col.parent.hub] if col.parent else [])
            html = self.template("list.html").render(
                portal=v, col=col, entries=self.entries(col, items, page=i), pager=pager,
                crumbs=self.crumbs(col), siblings=siblings, fam=self.family.list_context(col, i, pages))
        else:
            r = self.family.render_page(route, page) if hasattr(self.family, "render_page") else None
            if r is None:
                return None
            html = r
        self._cache[ck] = html
        return html

    def date_shown(self, it: Item) -> str | None:
        if not self._flag(it.spec, "show_date"):
            return None
        return it.date.strftime(self.cfg.get("date_format", "%Y-%m-%d %H:%M"))

    def article_body(self, it: Item) -> str:
        if it.kind == "report":
            return render_report(it.report)
        return self.nonreport_html(it)

    def _render_article(self, it: Item, variant: str = "page") -> str:
        v = self.view()
        body = self.article_body(it)
        meta = None
        if self.cfg.get("meta", True):
            meta = {"ArticleTitle": it.title, "ColumnName": it.column.name,
                    "ContentSource": it.spec.get("source", self.cfg.get("source", it.agency)),
                    "Url": it.url}
            if self._flag(it.spec, "show_date"):
                meta["PubDate"] = f"{it.date:%Y-%m-%d %H:%M}"
        name = {"page": "article.html", "app": "article_app.html", "print": "article_print.html",
                "copy": "article_copy.html"}[variant]
        atts = [dict(a, href=self.family.attachment_href(it, a)) for a in it.attachments]
        extra = self.family.article_context(it, body) if hasattr(self.family, "article_context") else {}
        return self.template(name).render(
            portal=v, item=it, col=it.column, body=Markup(body), meta=meta,
            show_title=self._flag(it.spec, "show_title"), date_shown=self.date_shown(it),
            source=it.spec.get("source", self.cfg.get("source", it.agency)),
            crumbs=self.crumbs(it.column), attachments=atts, charset=self.page_charset(it),
            twin_rel="./" + posixpath.basename(it.twin_path) if it.twin_path else None,
            print_href=(it.print_path if it.print_path else None), fam=extra,
            index_no=f"{self.cfg.get('site_code', '000000')[:6]}-{it.date:%Y}-{it.id % 100000:05d}")

    def nonreport_html(self, it: Item) -> str:
        b = it.body or {}
        out = [f'<p style="text-indent:2em;">{escape(p)}</p>' for p in b.get("paras", [])]
        out += [f'<p style="text-indent:2em;">{escape(p)}</p>' for p in it.spec.get("extra_text", [])]
        for a in it.assets:
            src = "./" + posixpath.basename(a) if self.family.name == "trs" else a
            out.append(f'<p style="text-align:center;"><img src="{src}" border="0" alt=""/></p>')
        if b.get("table"):
            out.append('<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;">')
            for row in b["table"]:
                out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
        for p in b.get("sign", []):
            if p:
                out.append(f'<p style="text-align:right;">{escape(p)}</p>')
        return "\n".join(out)

    # ---- mutation ----
    def find(self, url: str) -> Item | None:
        for it in self.all_items():
            if url in (it.url, it.twin_url, it.print_url, it.copy_url) or \
                    any(url == a["url"] for a in it.aliases):
                return it
        return None

    def publish(self, spec: dict) -> Item:
        """Add an item (a report by default) on top of a column's list."""
        with self.lock:
            spec = dict(spec)
            spec.setdefault("kind", "report")
            cols = [c for c in self.report_columns() if c.items]
            col = self.columns[str(spec["column"])] if spec.get("column") else cols[0]
            latest = max((i.date for i in col.items), default=dt.datetime(2020, 1, 1))
            date = _parse_date(spec["date"]) if spec.get("date") else max(
                dt.datetime.now(CST).replace(tzinfo=None, microsecond=0), latest + dt.timedelta(minutes=1))
            spec["date"] = date
            iid = max((i.id for i in col.items), default=col.id_base) + col.id_step
            values = {k: spec.pop(k) for k in ("active_disclosure", "applications", "reviews_litigation")
                      if k in spec}
            it = self._new_item(col, spec, date, iid)
            if it.kind == "report":
                same = [i for i in self.all_items() if i.kind == "report" and i.agency == it.agency]
                prev = next((i for i in same if i.year == it.year - 1), None)
                if values:
                    fmt = self._fmt(spec, it.year)
                    base = empty_values(fmt) if fmt != "legacy" else {}
                    for k, v in values.items():
                        base[k] = v
                    values = base
                self._make_report(it, prev, None, values or None)
            col.items.insert(0, it)
            col.items.sort(key=lambda i: i.date, reverse=True)
            self._cache.clear()
            self._build_routes()
            return it

    def edit(self, url: str, changes: dict) -> Item:
        """Change values (or the title) of a report page; its Last-Modified and ETag change."""
        with self.lock:
            it = self.find(url)
            if it is None or it.kind != "report":
                raise KeyError(f"no report page at {url}")
            r = it.report
            for key, val in _flatten_changes(changes):
                if key == ("title",):
                    it.title = val
                    if r.get("title") is not None or self._flag(it.spec, "show_title"):
                        r["title"] = val
                    continue
                if key == ("date",):
                    it.date = _parse_date(val)
                    continue
                try:
                    _set_cell(r, key, val)
                except KeyError as e:
                    raise KeyError(f"{e.args[0]} in {url}") from None
            it.modified = max(int(time.time()), it.modified + 1)
            self._cache.clear()
            return it

    # ---- truth ----
    def site_flags(self) -> dict:
        c = self.cfg
        wall = c.get("wall")
        list_links = c.get("list_links", "anchors")
        return {"wall": wall, "list_links": list_links,
                "needs_browser": bool(wall) or list_links in ("js_array", "json_api"),
                "registered": c.get("registered", True)}

    def _versions(self, it: Item) -> list[Item]:
        """The item and every item that revises it (or that it revises), oldest first."""
        root = it
        while root.spec.get("revises"):
            root = self.item_by_key(root.spec["revises"])
        chain = [root]
        for other in self.all_items():
            o = other
            while o.spec.get("revises"):
                o = self.item_by_key(o.spec["revises"])
                if o is root:
                    chain.append(other)
                    break
        return sorted({id(i): i for i in chain}.values(), key=lambda i: i.date)

    def sources(self, it: Item) -> list[dict]:
        """Every address on this portal serving the report (or a file of it)."""
        out = [{"url": it.url, "kind": "canonical" if not it.spec.get("repost_of") else "repost",
                "site_id": self.id, "linked": True}]
        if it.twin_url:
            out.append({"url": it.twin_url, "kind": "mobile_twin", "site_id": self.id, "linked": True})
        if it.print_url:
            out.append({"url": it.print_url, "kind": "print_view", "site_id": self.id, "linked": True})
        if it.copy_url:
            out.append({"url": it.copy_url, "kind": "portal_copy", "site_id": self.id, "linked": True})
        for a in it.aliases:
            out.append({"url": a["url"], "kind": a["kind"], "site_id": self.id, "linked": a["linked"]})
        for a in it.attachments:
            out.append({"url": a["url"], "kind": "attachment", "site_id": self.id, "linked": True,
                        "mime": a["mime"]})
        return out

    def mirrors(self, it: Item) -> list[str]:
        """Other HTML pages of this portal, linked somewhere, that show the same report."""
        out = [u for u in (it.twin_url, it.print_url, it.copy_url) if u]
        out += [a["url"] for a in it.aliases if a["linked"]]
        return out

    def truth_entry(self, it: Item) -> dict:
        r = it.report
        fmt = r["format"]
        quirks = (r.get("render") or {}).get("quirks") or ()
        values = {k: copy.deepcopy(r.get(k)) for k in ("active_disclosure", "applications",
                                                       "reviews_litigation")}
        notes = []
        if "t3_image" in quirks:
            values["applications"] = None
            notes.append("table 3 only as an image")
        if "tables_as_images" in quirks:
            values = {k: None for k in values}
            notes.append("tables 2, 3 and 4 only as images")
        if it.spec.get("note"):
            notes.append(it.spec["note"])
        fails = report_failures(values, fmt) if fmt != "legacy" else []
        shown = self.date_shown(it)
        title = it.title if self._flag(it.spec, "show_title") else r.get("title")
        versions = self._versions(it) if it.kind == "report" else [it]
        vi = next(n for n, v in enumerate(versions) if v is it)
        lookalikes = []
        if it.spec.get("lookalike"):
            lookalikes.append(self.item_by_key(it.spec["lookalike"]).url)
        lookalikes += [o.url for o in self.all_items() if it.key and o.spec.get("lookalike") == it.key]
        return {
            "title": title, "agency": r["agency"], "province": r["province"], "year": r["year"],
            "published": it.date.strftime("%Y-%m-%d") if shown else None,
            "format": fmt, "mirrored_copy_in_page": bool(self.cfg.get("print_twice")),
            **values, "check_failures": fails, "balanced": not fails,
            "url": it.url, "site_id": self.id, "column_url": self.base + self.family.column_url(it.column),
            "list_title": it.title, "list_date": f"{it.date:%Y-%m-%d}", "published_shown": shown,
            "mirrors": self.mirrors(it), "seed": r.get("seed") if not it.spec.get("repost_of") else None,
            "style": (r.get("render") or {}).get("style", "official"), "notes": notes,
            # identity: one report (agency, year) may have several versions and many sources
            "report_key": f"{r['agency']}|{r['year']}",
            "canonical_url": it.spec.get("repost_of") or it.url,
            "repost_of": it.spec.get("repost_of"),
            "sources": self.sources(it),
            "version": vi + 1, "current": vi == len(versions) - 1,
            "versions": [{"url": v.url, "date": f"{v.date:%Y-%m-%d}", "title": v.title,
                          "current": n == len(versions) - 1} for n, v in enumerate(versions)],
            "supersedes": versions[vi - 1].url if vi > 0 else None,
            "superseded_by": versions[vi + 1].url if vi + 1 < len(versions) else None,
            "lookalikes": lookalikes,
            # planted for the indicators (issue 15): what a reader of the report would find wrong
            "omitted_sections": list((r.get("render") or {}).get("omit_sections") or ()),
            "blank_tables": list(it.spec.get("blank_tables", [])),
            "prose_copied_from": self.item_by_key(it.spec["copies_prose"]).url if it.spec.get("copies_prose") else None,
            "charset": self.page_charset(it),
            "needs_browser": self.site_flags()["needs_browser"],
        }

    def truth(self) -> dict:
        with self.lock:
            reports, non_reports, broken = [], [], []
            for it in self.all_items():
                if it.kind == "broken":
                    broken.append({"url": it.url, "status": it.status, "title": it.title,
                                   "site_id": self.id,
                                   "column_url": self.base + self.family.column_url(it.column)})
                elif it.kind == "report":
                    reports.append(self.truth_entry(it))
                else:
                    non_reports.append({"url": it.url, "title": it.title, "kind": it.kind,
                                        "site_id": self.id, "list_date": f"{it.date:%Y-%m-%d}",
                                        "column_url": self.base + self.family.column_url(it.column),
                                        "mirrors": self.mirrors(it),
                                        "sources": self.sources(it), "charset": self.page_charset(it)})
            agencies: dict[str, list] = {}
            for r in reports:
                if r["current"] and not r["repost_of"]:
                    agencies.setdefault(r["agency"], []).append(r)
            chain = [dict(f, agency=a) for a, rs in agencies.items() for f in chain_failures(rs)]
            c = self.cfg
            return {
                "site_id": self.id, "host": self.host, "scheme": self.scheme,
                "homepage": self.base + "/", "gk_page": self.gk_url(),
                "columns": self.column_urls(), "list_pages": self.list_page_urls(),
                "encoding": self.encoding, "reports": reports, "non_reports": non_reports,
                "broken": broken, "carried_chain": chain,
                # who the portal is and what is hard about it
                "agency": c["agency"], "province": c["province"], "level": c.get("level"),
                "family": self.family.name, "schemes": self.schemes,
                "ip_host": bool(re.fullmatch(r"[\d.]+", self.host)),
                **self.site_flags(),
                "charset": self.page_charset(),
                "traps": self.traps(),
            }

    def traps(self) -> list[dict]:
        """What is hard about this portal's lists, derived from the columns that serve them."""
        out = []
        if self.wall is not None:
            out.append({"kind": "wall", "wall": self.wall.kind,
                        "status": {"rs412": 412, "jsl521": 521}[self.wall.kind]})
        for c in self.report_columns():
            col_url = self.base + self.family.column_url(c)
            pages = self.page_count(c)
            if c.pager == "page_div":
                out.append({"kind": "one_based_pager", "column_url": col_url,
                             "first": self.base + self.family.list_path(c, 0),
                             "last": self.base + self.family.list_path(c, pages - 1),
                             "absent": self.base + c.path + f"{self.family._prefix(c)}_1.{self.family.ext}"})
            if c.spec.get("stub_after"):
                out.append({"kind": "stub_pages", "column_url": col_url,
                            "last": self.base + self.family.list_path(c, pages - 1),
                            "first_stub": self.base + self.family.list_path(c, pages)})
            if c.spec.get("repeat_boundary_at"):
                n = c.spec["repeat_boundary_at"]
                out.append({"kind": "repeated_record", "column_url": col_url, "group_start": n,
                            "repeated_url": c.items[n - 2].url if 1 < n <= len(c.items) else None})
            if self.cfg.get("endless_next"):
                out.append({"kind": "endless_pager", "column_url": col_url,
                            "param": getattr(self.family, "page_param", lambda: "page")(),
                            "last_page": pages,
                            "note": "pages past the last repeat the last page's items, and still "
                                    "link a next page"})
            if c.list_mode == "script" or self.cfg.get("list_links") in ("js_array", "json_api"):
                out.append({"kind": "script_list", "column_url": col_url,
                            "list_links": self.cfg.get("list_links", "inline_script")})
        return out


def _set_cell(r: dict, key: tuple, val):
    """Set one table cell of a report dict from its key parts (see _flatten_changes)."""
    sect = key[0]
    if sect not in ("active_disclosure", "applications", "reviews_litigation"):
        raise KeyError(f"cannot edit {'.'.join(key)}")
    if r.get(sect) is None:
        raise KeyError(f"no {sect} table")
    if sect == "reviews_litigation":
        target, cell = r[sect], ".".join(key[1:])
    elif sect == "applications":
        target, cell = r[sect][".".join(key[1:-1])], key[-1]
    else:
        target, cell = r[sect][key[1]], key[2]
    if cell not in target:
        raise KeyError(f"no cell {'.'.join(key)}")
    target[cell] = val


def _flatten_changes(changes: dict, prefix=()):
    """Yield (key parts, value) from nested or dotted changes.

    ``{"applications": {"new_received": {"natural_person": 3}}}``,
    ``{"applications.denied.state_secret.total": 1}`` or ``{"title": "..."}``. Table 3's row
    keys contain dots: edit() takes the first part as the section, the last as the column and
    the parts between as the row.
    """
    for k, v in changes.items():
        parts = (*prefix, *k.split("."))
        if isinstance(v, dict):
            yield from _flatten_changes(v, parts)
        else:
            yield parts, v


from . import families as _families  # noqa: E402  (the other CMS families register themselves)

FAMILIES.update(_families.FAMILIES)
