"""What the sandbox knows it serves: the answer key for crawler and end-to-end tests.

``load()`` builds the portals from their data files (no server) and returns a ``Truth``;
``Sandbox().truth`` returns the same for a running sandbox, including what ``publish`` and
``edit`` changed. Both are derived from the objects that render the pages (portal.py):
there is no hand-typed second copy of any value.

Shape (``Truth.to_dict()``)::

    {"sites": {
       "gx-liuzhou-liunan": {
         "site_id", "host", "scheme", "homepage", "gk_page", "columns": [url, ...],
         "list_pages": [url, ...], "encoding",
         "reports": [ {golden-shape keys: title, agency, province, year, published, format,
                       mirrored_copy_in_page, active_disclosure, applications,
                       reviews_litigation, check_failures, balanced;
                       then url, site_id, column_url, list_title, list_date,
                       published_shown, mirrors, seed, style, notes} ],
         "non_reports": [ {url, title, kind, site_id, list_date, column_url, mirrors} ],
         "broken": [ {url, status, title, site_id, column_url} ],
         "carried_chain": [ {check, column, year, expected, actual, agency} ]
       }, ...}}

``published`` is the date the page shows (null where it shows none), ``list_date`` the date
the column list shows beside the link, ``list_title`` the link's (full) title; ``title`` is
the page's title line, else the name the text gives the report, else null. ``mirrors``: other
URLs serving the same report (the _app twin). ``seed``: the shared/seeds file the report
reproduces, if any.
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
        """The report, non-report or broken-link entry for ``url`` (mirror URLs included)."""
        for s in self.sites.values():
            for group in ("reports", "non_reports", "broken"):
                for e in s[group]:
                    if e["url"] == url or url in e.get("mirrors", ()):
                        return e
        return None

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
    return Truth({p.id: p.truth() for p in portals})


def load(sites=None) -> Truth:
    """The truth of a fresh sandbox (all portals, or those whose id is in ``sites``)."""
    from .portal import Portal, load_configs
    return from_portals(Portal(cfg) for cfg in load_configs(sites))


if __name__ == "__main__":   # python -m harvester.sandbox.truth > truth.json
    print(load().to_json())
