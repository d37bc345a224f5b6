"""What the sandbox knows it serves: the answer key for crawler and end-to-end tests.

``load()`` builds the portals from their data files (no server) and returns a ``Truth``;
``Sandbox().truth`` returns the same for a running sandbox, including what ``publish`` and
``edit`` changed. Both are derived from the objects that render the pages (portal.py):
there is no hand-typed second copy of any value.

Shape (``Truth.to_dict()``)::

    {"sites": {
       "gx-liuzhou-liunan": {
         "site_id", "host", "scheme", "schemes", "homepage", "gk_page", "columns": [url, ...],
         "list_pages": [url, ...], "encoding",
         "agency", "province", "level", "family", "registered", "ip_host",
         "wall" (null | "rs412" | "jsl521"), "list_links" ("anchors" | "inline_script" |
         "js_array" | "json_api"), "needs_browser",
         "charset": {"bytes", "content_type", "header", "meta"},
         "traps": [ {kind: wall | one_based_pager | stub_pages | repeated_record |
                     endless_pager | script_list, column_url, ...} ],
         "reports": [ {golden-shape keys: title, agency, province, year, published, format,
                       mirrored_copy_in_page, active_disclosure, applications,
                       reviews_litigation, check_failures, balanced;
                       then url, site_id, column_url, list_title, list_date,
                       published_shown, mirrors, seed, style, notes;
                       identity: report_key, canonical_url, repost_of, sources, version,
                       current, versions, supersedes, superseded_by, lookalikes;
                       charset, needs_browser} ],
         "non_reports": [ {url, title, kind, site_id, list_date, column_url, mirrors, sources,
                           charset} ],
         "broken": [ {url, status, title, site_id, column_url} ],
         "carried_chain": [ {check, column, year, expected, actual, agency} ]
       }, ...}}

``published`` is the date the page shows (null where it shows none), ``list_date`` the date
the column list shows beside the link, ``list_title`` the link's (full) title; ``title`` is
the page's title line, else the name the text gives the report, else null. ``mirrors``: other
HTML pages of the same portal, linked somewhere, that show the same report (the _app twin, a
print view, the directory's index.shtml, the URL with a tracking query, the http:// twin the
homepage links, the NFCMS copy of a gkmlpt article). ``seed``: the shared/seeds file the report
reproduces, if any (its re-posts on other portals carry none).

One report, many addresses: ``report_key`` ("agency|year") names the report; ``sources`` lists
every address serving this version of it, each ``{url, kind, site_id, linked}`` (``mime`` for
files) with kind ``canonical``, ``mobile_twin``, ``print_view``, ``portal_copy``,
``directory_index``, ``tracking_query``, ``scheme_twin``, ``attachment`` or ``repost`` (the same
report on another portal: sources are merged across portals, so the original and its re-posts
list the same set); ``linked`` is false for an address that answers but no page links (the
http:// twin of every page of a host that serves both schemes). ``canonical_url`` is the
original's page (a re-post points to the original). A corrected re-post is a new ``version``:
``versions`` lists them oldest first with their dates, ``current`` is true for the latest only,
``supersedes``/``superseded_by`` link neighbours. ``lookalikes``: other reports whose text is
nearly the same (shared boilerplate, all-zero tables) but which are different reports.
``needs_browser``: the portal sits behind a JavaScript wall or lists its reports only through
script (a JS array or a JSON API).
"""

from __future__ import annotations

import json


class Truth:
    def __init__(self, sites: dict[str, dict]):
        self.sites = sites

    # --- views ---
    @property
    def reports(self) -> list[dict]:
        return [r for s in self.sites.values() for r in s["reports"]]

    @property
    def non_reports(self) -> list[dict]:
        return [r for s in self.sites.values() for r in s["non_reports"]]

    @property
    def broken(self) -> list[dict]:
        return [r for s in self.sites.values() for r in s["broken"]]

    def site(self, site_id: str) -> dict:
        return self.sites[site_id]

    def by_url(self, url: str) -> dict | None:
        """The report, non-report or broken-link entry for ``url`` (mirrors and every other
        source included; a re-post's URL gives the re-post's own entry)."""
        for s in self.sites.values():
            for group in ("reports", "non_reports", "broken"):
                for e in s[group]:
                    if e["url"] == url or url in e.get("mirrors", ()):
                        return e
        for s in self.sites.values():
            for group in ("reports", "non_reports"):
                for e in s[group]:
                    if any(x["url"] == url and x["site_id"] == s["site_id"] for x in e.get("sources", ())):
                        return e
        return None

    def same_report(self, url: str) -> list[dict]:
        """Every entry (on any portal, any version) of the report served at ``url``."""
        e = self.by_url(url)
        if e is None or "report_key" not in e:
            return []
        return [r for r in self.reports if r["report_key"] == e["report_key"]]

    @property
    def browser_sites(self) -> list[str]:
        """Portals a plain HTTP client cannot list: a JavaScript wall or a script-only list."""
        return [sid for sid, s in self.sites.items() if s.get("needs_browser")]

    @property
    def unregistered_sites(self) -> list[str]:
        """Portals whose column data/sites.csv does not have, on purpose (the add-site tests add it)."""
        return [sid for sid, s in self.sites.items() if not s.get("registered", True)]

    def by_seed(self, seed_name: str) -> dict | None:
        return next((r for r in self.reports if r.get("seed") == seed_name), None)

    def to_dict(self) -> dict:
        return {"sites": self.sites}

    def to_json(self, **kw) -> str:
        kw.setdefault("ensure_ascii", False)
        kw.setdefault("indent", 1)
        return json.dumps(self.to_dict(), **kw)

    def __repr__(self):
        return (f"Truth({len(self.sites)} sites, {len(self.reports)} reports, "
                f"{len(self.non_reports)} non-reports, {len(self.broken)} broken links)")


def from_portals(portals) -> Truth:
    sites = {p.id: p.truth() for p in portals}
    _merge_reposts(sites)
    return Truth(sites)


def _merge_reposts(sites: dict):
    """A report re-posted on another portal: the original and every re-post list all sources."""
    by_url = {e["url"]: e for s in sites.values() for e in s["reports"]}
    groups: dict[str, list[dict]] = {}
    for s in sites.values():
        for e in s["reports"]:
            if e.get("repost_of"):
                groups.setdefault(e["repost_of"], []).append(e)
    for orig_url, reposts in groups.items():
        members = ([by_url[orig_url]] if orig_url in by_url else []) + reposts
        merged, seen = [], set()
        for m in members:
            for src in m["sources"]:
                if src["url"] not in seen:
                    seen.add(src["url"])
                    merged.append(src)
        for m in members:
            m["sources"] = [dict(x) for x in merged]


def load(sites=None) -> Truth:
    """The truth of a fresh sandbox (all portals, or those whose id is in ``sites``)."""
    from .portal import Portal, load_configs
    return from_portals(Portal(cfg) for cfg in load_configs(sites))


if __name__ == "__main__":   # python -m harvester.sandbox.truth > truth.json
    print(load().to_json())
