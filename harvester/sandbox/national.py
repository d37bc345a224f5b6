"""The national sandbox: a portal for every host of the registry (data/sites.csv), made on request.

``NationalWeb`` answers for the 3,205 people's governments' homepage hosts (hosts of the
hand-made portals excluded: those stay as they are). Nothing is written to disk and nothing is
built up front: a host's portal is derived from its registry row when a request first needs it
(national_plan.plan → a config in the portals/*.toml shape → ``NationalPortal``, a portal.Portal
rendered with the hand-made portals' family classes and templates) and kept in a bounded LRU;
rendered pages go to a second LRU bounded in bytes. The same row gives the same bytes in every
process: every draw is seeded by the row's code.

    web = NationalWeb(latency=False, walls=True)
    web.lookup("www.fanshi.gov.cn")        # NationalPortal | MovedHost | DeadHost | None
    web.truth(province="广西壮族自治区")      # NationalTruth: reports, columns, faults, reasons
    web.stats()                            # cache sizes

``python -m harvester.sandbox.national truth [--province P] [--site ID]... [--values]`` prints the
truth as JSON; ``... stats`` prints the mix of families, discovery paths and faults.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from . import national_plan as NP
from .generate import rng_for
from .lru import LRU
from .portal import TEMPLATES_DIR, Portal, Response, http_date
from .truth import Truth

REGISTRY = Path(__file__).resolve().parents[2] / "data" / "sites.csv"
COLUMNS = ("id", "code", "agency", "level", "parent", "province", "homepage")
_STATIC: dict[tuple, dict] = {}
_STATIC_LOCK = threading.Lock()


class RegistryError(ValueError):
    """The registry file cannot be used; the message says why (one line)."""


def load_rows(path=None) -> list[dict]:
    """The registry rows (data/sites.csv by default) as dicts, in file order."""
    path = Path(path or REGISTRY)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RegistryError(f"{path}: missing column(s) {', '.join(missing)}")
            return [dict(r) for r in reader]
    except OSError as e:
        raise RegistryError(f"cannot read the registry {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise RegistryError(f"{path}: not UTF-8 text") from None


def _static_for(templates: tuple) -> dict:
    """Static files of a template set, read once per process (portals share them)."""
    with _STATIC_LOCK:
        if templates not in _STATIC:
            files = {}
            for t in reversed(templates):
                d = TEMPLATES_DIR / t / "static"
                if d.is_dir():
                    for f in d.rglob("*"):
                        if f.is_file():
                            files["/" + f.relative_to(d).as_posix()] = f.read_bytes()
            _STATIC[templates] = files
        return _STATIC[templates]


_MISSING = object()


class _HostCache:
    """One portal's view of the shared body LRU (Portal uses ``_cache`` like a dict).

    ``ck in cache`` keeps the value it found, so the ``cache[ck]`` that follows cannot miss
    when another host's page evicts it in between (calls come under the portal's lock)."""

    __slots__ = ("lru", "host", "_last")

    def __init__(self, lru: LRU, host: str):
        self.lru, self.host, self._last = lru, host, None

    def get(self, key, default=None):
        return self.lru.get((self.host, key), default)

    def __contains__(self, key):
        v = self.lru.get((self.host, key), _MISSING)
        if v is _MISSING:
            return False
        self._last = (key, v)
        return True

    def __getitem__(self, key):
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        v = self.lru.get((self.host, key), _MISSING)
        if v is _MISSING:
            raise KeyError(key)
        return v

    def __setitem__(self, key, value):
        self.lru.put((self.host, key), value)

    def clear(self):
        self._last = None
        self.lru.drop(lambda k: k[0] == self.host)


class NationalPortal(Portal):
    """A generated portal: reports' content made on the first page that shows one; pages cached
    in the national web's shared LRU; faults (flaky pages) and latency applied per host."""

    def __init__(self, cfg: dict, web: "NationalWeb"):
        self.web = web
        self.nat = cfg["national"]
        self._series_done = False
        super().__init__(cfg, delay_scale=0)
        self._cache = _HostCache(web.bodies, self.host)
        if self.wall is not None:
            self.wall.secret = web.secret      # a cookie stays good when the portal is rebuilt

    # content on demand
    def _generate_series(self):
        """Deferred: homepages, lists and the truth need no report values."""

    def ensure_reports(self):
        with self.lock:
            if not self._series_done:
                Portal._generate_series(self)
                self._series_done = True

    def _load_static(self):
        return _static_for(tuple(self.templates))

    def _article(self, it, headers, variant):
        self.ensure_reports()
        return super()._article(it, headers, variant)

    def attachment_bytes(self, it, n):
        self.ensure_reports()
        return super().attachment_bytes(it, n)

    def truth_entry(self, it):
        self.ensure_reports()
        return super().truth_entry(it)

    # serving
    def delay(self) -> float:
        return self.nat["delay"] if self.web.latency else 0.0

    def handle(self, method, path, query, headers, body=b""):
        if self.nat["fault"] == "flaky" and path != "/robots.txt" and \
                self.web.first_try(self.host, method, path, query):
            r = self._error(500, path)
        else:
            r = super().handle(method, path, query, headers, body)
        r.delay = self.delay()
        return r

    def _robots(self) -> str:
        lines = ["User-agent: *"] + [f"Disallow: {p}" for p in self.cfg.get("robots_disallow", [])]
        if self.nat.get("crawl_delay"):
            lines.append(f"Crawl-delay: {self.nat['crawl_delay']}")
        return "\n".join(lines) + "\n"

    def view(self) -> dict:
        v = super().view()
        v["home_links"] = self.cfg.get("home_links") or []
        return v


class MovedHost:
    """A registry host whose portal moved: every path answers 301 to the same path on the new host."""

    wall = None
    dead = None
    schemes = ["http", "https"]
    scheme = "http"

    def __init__(self, host: str, target_base: str, web: "NationalWeb", delay: float):
        self.host, self.target, self.web, self._delay = host, target_base, web, delay

    def handle(self, method, path, query, headers, body=b""):
        r = self._redirect(self.target + path + (f"?{query}" if query else ""))
        r.delay = self._delay if self.web.latency else 0.0
        return r

    def _redirect(self, location: str, status=301):
        body = (f"<html>\r\n<head><title>{status} Moved Permanently</title></head>\r\n<body>\r\n"
                f"<center><h1>{status} Moved Permanently</h1></center>\r\n<hr><center>nginx</center>\r\n"
                "</body>\r\n</html>\r\n").encode()
        return Response(status, [("Server", "nginx"), ("Date", http_date(time.time())),
                                  ("Content-Type", "text/html"), ("Content-Length", str(len(body))),
                                  ("Location", location)], body)


class DeadHost:
    """A registry host that does not answer: ``dead`` is "dns" (the proxy's 502 at once, as for a
    name that does not resolve) or "reset" (the connection is reset without an answer)."""

    wall = None
    schemes = ["http", "https"]
    scheme = "http"

    def __init__(self, host: str, kind: str):
        self.host, self.dead = host, kind


class NationalTruth(Truth):
    """The national truth: ``sites`` by registry id (see ``NationalWeb.site_truth``)."""

    def expected(self, browser: bool = True) -> list[dict]:
        """Reports a crawler should find: reachable ones, and with a browser the walled ones."""
        return [r for r in self.reports
                if r["reachable"] or (browser and r["why"] == "wall")]

    def summary(self) -> dict:
        sites = [s for s in self.sites.values() if s.get("served")]
        return {
            "sites": len(self.sites), "served": len(sites),
            "reports": len(self.reports), "reachable": sum(r["reachable"] for r in self.reports),
            "non_reports": len(self.non_reports), "broken": len(self.broken),
            "families": dict(Counter(s["family"] for s in sites)),
            "found_via": dict(Counter(s["found_via"] or s["no_column"] for s in sites)),
            "faults": dict(Counter(s["fault"] for s in sites if s["fault"])),
            "walls": dict(Counter(s["wall"] for s in sites if s["wall"])),
            "not_served": dict(Counter(s["why"] for s in self.sites.values() if not s.get("served"))),
        }


class NationalWeb:
    """Every registry homepage host, served on demand (see the module docstring).

    ``NationalWeb(registry=None, *, exclude_hosts=(), latency=False, walls=True,
    max_portals=256, max_bytes=64 MiB)``: ``exclude_hosts`` {host: hand-made portal id} are left
    to the hand-made portals; ``latency`` turns the per-host response delays on (benchmarks);
    ``walls=False`` serves no JavaScript wall; the two LRU bounds cap memory.
    """

    def __init__(self, registry=None, *, exclude_hosts=None, latency: bool = False, walls: bool = True,
                 max_portals: int = 256, max_bytes: int = 64 << 20):
        self.latency, self.walls = latency, walls
        self.secret = os.urandom(16)
        self.rows: dict[str, dict] = {}
        self.by_code: dict[str, dict] = {}
        self.skipped: dict[str, str] = {}         # row id -> why it is not served by the generator
        self._entries: dict[str, tuple] = {}      # host -> ("portal"|"moved"|"dead", row id, ...)
        self._served_host: dict[str, str] = {}    # row id -> host its portal answers on
        exclude = dict(exclude_hosts or {})
        for row in load_rows(registry):
            rid = row["id"]
            if not rid or rid in self.rows:
                continue
            self.rows[rid] = row
            if row.get("code"):
                self.by_code.setdefault(row["code"], row)
        registry_hosts = {(urlsplit(r["homepage"] or "").hostname or "").lower() for r in self.rows.values()}
        for rid, row in self.rows.items():
            u = urlsplit(row["homepage"] or "")
            host = (u.hostname or "").lower()
            if not host:
                self.skipped[rid] = "no_homepage"
                continue
            if host in exclude:
                self.skipped[rid] = f"hand_made:{exclude[host]}"
                continue
            if host in self._entries:
                self.skipped[rid] = f"shared_host:{self._entries[host][1]}"
                continue
            code = row["code"] or rid
            fault = NP.host_fault(code, host)
            if fault in ("dead_dns", "dead_reset"):
                self._entries[host] = ("dead", rid, fault.removeprefix("dead_"))
                self._served_host[rid] = host
            elif fault == "moved":
                new = NP.moved_host(host)
                if new in registry_hosts or new in exclude:
                    self._entries[host] = ("portal", rid)
                    self._served_host[rid] = host
                else:
                    self._entries[host] = ("moved", rid, new)
                    self._entries[new] = ("portal", rid)
                    self._served_host[rid] = new
            else:
                self._entries[host] = ("portal", rid)
                self._served_host[rid] = host
        self.portals = LRU(max_items=max_portals)
        self.bodies = LRU(max_bytes=max_bytes)
        self._build_lock = threading.Lock()
        self._tries: set = set()
        self._tries_lock = threading.Lock()

    # --- hosts ---------------------------------------------------------------------------------
    @property
    def hosts(self) -> list[str]:
        """Every host the generator answers for (registry hosts and moved portals' new hosts)."""
        return sorted(self._entries)

    def site_for_host(self, host: str) -> str | None:
        """The registry id whose portal answers on ``host`` (a registry host or a moved portal's)."""
        e = self._entries.get(host.lower())
        return e[1] if e else None

    def site_ids(self, province=None, sites=None, hosts=None) -> list[str]:
        if hosts:
            unknown = [h for h in hosts if self.site_for_host(h) is None]
            if unknown:
                raise KeyError(f"not a national sandbox host: {', '.join(unknown[:5])}")
            sites = [*(sites or []), *dict.fromkeys(self.site_for_host(h) for h in hosts)]
        ids = list(sites) if sites else list(self.rows)
        unknown = [s for s in ids if s not in self.rows]
        if unknown:
            raise KeyError(f"not in the registry: {', '.join(unknown[:5])}")
        if province:
            from harvester.provinces import resolve_province
            full = resolve_province(province)
            if full is None:
                raise KeyError(f"no province {province!r} (full or short name, abbreviation or code)")
            ids = [i for i in ids if self.rows[i]["province"] == full]
        return ids

    def lookup(self, host: str):
        """What answers for ``host``: a NationalPortal, MovedHost, DeadHost, or None (not ours)."""
        e = self._entries.get(host)
        if e is None:
            return None
        if e[0] == "dead":
            return DeadHost(host, e[2])
        if e[0] == "moved":
            p = self.portal(e[1])
            return MovedHost(host, p.base, self, p.nat["delay"])
        return self.portal(e[1])

    def portal(self, site_id: str) -> NationalPortal:
        """The portal of a registry row (from the LRU, else built now)."""
        p = self.portals.get(site_id)
        if p is None:
            with self._build_lock:
                p = self.portals.get(site_id)
                if p is None:
                    p = self.build(site_id)
                    self.portals.put(site_id, p)
        return p

    def config(self, site_id: str) -> dict:
        """The portal config (portals/*.toml shape plus ``national``) of a served row."""
        if site_id in self.skipped:
            raise KeyError(f"{site_id} is not served by the national sandbox ({self.skipped[site_id]})")
        row = self.rows[site_id]
        parent = self.by_code.get(row.get("parent") or "")
        u = urlsplit(row["homepage"])
        code = row["code"] or site_id
        host = self._served_host[site_id]
        r = rng_for("national", code, "scheme").random()
        scheme, also, redirect = u.scheme or "http", [], False
        if host != (u.hostname or "").lower():          # moved: the new host, often on https
            scheme = "https" if r < 0.5 else scheme
        elif scheme == "http" and r < 0.12:
            scheme, redirect = "https", True             # http:// answers 301 to https://
        elif scheme == "https" and r < 0.2:
            also = ["http"]                              # both schemes serve every page
        cfg = NP.plan(row, parent, host=host, scheme=scheme, walls=self.walls,
                      parent_home=parent["homepage"] if parent else None)
        if also:
            cfg["also_schemes"] = also
        nat = cfg["national"]
        nat.update(registry_host=(u.hostname or "").lower(), https_redirect=redirect,
                   moved_to=f"{scheme}://{host}/" if host != (u.hostname or "").lower() else None)
        if self._entries.get(nat["registry_host"], ("",))[0] == "dead":
            nat["dead"] = self._entries[nat["registry_host"]][2]
        else:
            nat["dead"] = None
        return cfg

    def build(self, site_id: str) -> NationalPortal:
        return NationalPortal(self.config(site_id), self)

    def first_try(self, host, method, path, query) -> bool:
        """True the first time a flaky host is asked for this page (it answers 500 then)."""
        key = (host, method, path, query)
        with self._tries_lock:
            if key in self._tries:
                return False
            self._tries.add(key)
            return True

    def stats(self) -> dict:
        return {"hosts": len(self._entries), "portals": self.portals.stats(), "bodies": self.bodies.stats(),
                "flaky_pages_seen": len(self._tries)}

    # --- truth ---------------------------------------------------------------------------------
    def truth(self, sites=None, province=None, hosts=None, values: bool = False) -> NationalTruth:
        """The truth for the registry rows in ``sites`` (ids), ``hosts`` and/or ``province``
        (every row by default; a full national truth takes a few seconds)."""
        ids = self.site_ids(province, sites, hosts)
        return NationalTruth({rid: self.site_truth(rid, values) for rid in ids})

    def site_truth(self, site_id: str, values: bool = False) -> dict:
        """What one registry row's portal holds and how a crawler can reach it.

        Site keys: site_id, code, agency, level, province, homepage (registry), served (false:
        ``why`` is no_homepage, hand_made:<id> or shared_host:<id>), host and base (where the
        portal answers: a moved portal's new host), family (trs, jcms, vsb, gkmlpt, scriptlist,
        generic), column_url, columns (every list column, sub-columns included), list_pages
        (every list page, JCMS proxy groups and gkmlpt API pages as GET URLs), found_via
        (homepage | disclosure_page | common_path | null), no_column (null | unlinked | absent),
        gk_page, fault (null | slow | flaky | server_error | moved | dead_dns | dead_reset),
        wall, moved_to, https_redirect, delay (seconds, when latency is on), crawl_delay,
        reachable, why (dead_host | no_column | wall | null), reports, non_reports, broken.

        Report keys: site_id, url, title, agency, level (government | department | town), year,
        format, list_date, column_url, reachable, why (null | dead_host | no_column | wall |
        server_error), needs_browser, mirrors, sources; with ``values`` also the three tables,
        check_failures and balanced.
        """
        row = self.rows[site_id]
        base = {"site_id": site_id, "code": row["code"], "agency": row["agency"], "level": row["level"],
                "province": row["province"], "homepage": row["homepage"]}
        if site_id in self.skipped:
            return {**base, "served": False, "why": self.skipped[site_id], "reachable": False,
                    "reports": [], "non_reports": [], "broken": []}
        p = self.portals.get(site_id) or self.build(site_id)
        nat = p.nat
        no_column = nat["found_via"] if nat["found_via"] in ("unlinked", "absent") else None
        why = ("dead_host" if nat["dead"] else "no_column" if no_column else
               "wall" if nat["wall"] else None)
        site = {**base, "served": True, "host": p.host, "base": p.base, "family": nat["family"],
                "column_url": p.base + nat["column_path"] if nat["column_path"] else None,
                "columns": [p.base + p.family.column_url(c) for c in p.columns.values()],
                "list_pages": p.list_page_urls(),
                "found_via": None if no_column else nat["found_via"], "no_column": no_column,
                "split": bool(nat.get("split")), "gk_page": p.gk_url(), "fault": nat["fault"],
                "wall": nat["wall"], "moved_to": nat["moved_to"], "https_redirect": nat["https_redirect"],
                "delay": nat["delay"], "crawl_delay": nat["crawl_delay"],
                "reachable": why is None, "why": why, "reports": [], "non_reports": [], "broken": []}
        for it in p.all_items():
            col_url = p.base + p.family.column_url(it.column)
            unreachable = it.kind == "broken" and it.spec.get("unreachable")
            if it.kind == "report" or unreachable:
                r_why = why or ("server_error" if unreachable else None)
                e = {"site_id": site_id, "url": it.url, "title": it.title, "agency": it.spec["agency"],
                     "level": it.spec["who"], "year": it.year, "format": p._fmt(it.spec, it.year),
                     "list_date": f"{it.date:%Y-%m-%d}", "column_url": col_url,
                     "reachable": r_why is None, "why": r_why, "needs_browser": bool(nat["wall"]),
                     "mirrors": p.mirrors(it) if not unreachable else [],
                     "sources": p.sources(it) if not unreachable else []}
                if values and not unreachable:
                    full = p.truth_entry(it)
                    for k in ("active_disclosure", "applications", "reviews_litigation",
                              "check_failures", "balanced"):
                        e[k] = full[k]
                site["reports"].append(e)
            elif it.kind == "broken":
                site["broken"].append({"site_id": site_id, "url": it.url, "status": it.status,
                                       "title": it.title, "column_url": col_url})
            else:
                site["non_reports"].append({"site_id": site_id, "url": it.url, "title": it.title,
                                            "kind": it.kind, "list_date": f"{it.date:%Y-%m-%d}",
                                            "column_url": col_url, "mirrors": p.mirrors(it)})
        return site


# --- command line ---------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m harvester.sandbox.national",
                                 description="The national sandbox's truth, without a server.")
    ap.add_argument("what", choices=["truth", "stats"], help="truth: JSON of the sites; stats: the mix")
    ap.add_argument("--province", help="one province (full or leading part of its name)")
    ap.add_argument("--site", action="append", default=[], help="a registry id (repeatable)")
    ap.add_argument("--host", action="append", default=[], help="a host it serves (repeatable)")
    ap.add_argument("--values", action="store_true", help="include every report's tables (slower)")
    ap.add_argument("--no-walls", action="store_true", help="as served with walls=False")
    ap.add_argument("--registry", help="a sites.csv other than data/sites.csv")
    args = ap.parse_args(argv)
    try:
        from .portal import load_configs
        hand = {c["host"]: c["id"] for c in load_configs()}
        web = NationalWeb(args.registry, exclude_hosts=hand, walls=not args.no_walls)
        truth = web.truth(sites=args.site or None, province=args.province, hosts=args.host or None,
                          values=args.values)
    except (KeyError, RegistryError) as e:
        print(f"error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    try:
        if args.what == "stats":
            print(json.dumps(truth.summary(), ensure_ascii=False, indent=1))
        else:
            print(truth.to_json())
        sys.stdout.flush()
    except BrokenPipeError:                     # `| head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
