"""Adding a portal to the registry by its column URL or its homepage (`harvester add-site`).

The column page is read by a Scrapy crawl that walks the path a crawl's discovery walks
(spiders/column.py); what the page tells (agency, province, level, CMS family) comes from the
pure functions of harvester/discover.py; the row is written through harvester/registry.py.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from harvester import agencies, registry
from harvester.discover import guess_agency, guess_level, guess_province


class AddSiteError(ValueError):
    """A portal could not be added; the message says why."""


def site_id_for(url: str, existing: set[str]) -> str:
    host = (urlsplit(url).hostname or "site").removeprefix("www.")
    base = re.sub(r"\.gov\.cn$|\.com$|\.cn$", "", host).replace(".", "-")
    candidate, n = base, 2
    while candidate in existing:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def add_site(url: str, *, province: str | None = None, agency: str | None = None, homepage: bool = False,
             registry_path=registry.DEFAULT_PATH, proxy: str | None = None, parent: str | None = None) -> registry.Site:
    """Add a portal by its column URL (or by its homepage with `homepage=True`).

    Fetches the page, detects the CMS family, fills what the page tells (agency, level,
    province). A portal the registry has already (same host, or a government of the same
    name) gets the column recorded on its row; another body's portal (a department, a zone)
    is appended as a new row under its government (`parent`, else found from its name),
    marked unverified. Every government is in the registry with its division code, so a
    government that is not is an error rather than a row without a code.
    """
    from spiders.column import ColumnNotFound, find_column
    from spiders.generic import detect_family

    try:
        column, final, html = find_column(url, homepage=homepage, proxy=proxy)
    except ColumnNotFound as e:
        raise AddSiteError(str(e)) from None
    agency = agency or guess_agency(html)
    if not agency:
        raise AddSiteError(f"cannot tell the agency from {column}: pass --agency")
    full = registry.province_name(province) if province else guess_province(agency)
    if not full:
        raise AddSiteError(f"cannot tell the province of {agency}: pass --province")
    parts = urlsplit(final)
    sites = registry.load(registry_path)
    family = detect_family(final, html)
    how = f"added with harvester add-site from {url} on {date.today().isoformat()}" + (
        " (column found from the homepage)" if homepage else "")
    known = known_agency(sites, agency, full) or known_site(sites, parts.hostname or "", agency)
    if known is not None:  # the portal is in the registry already: record its column there
        if column in known.columns:
            raise AddSiteError(f"{agency} is registry site {known.id} with that column already")
        if known.columns:
            raise AddSiteError(f"{agency} is registry site {known.id} with column {known.columns[0]} already; "
                               f"edit {registry_path} to change it")
        registry.set_columns(known.id, [column], registry_path, source=how, family=family)
        return registry.get(known.id, registry_path)
    parent = parent or parent_of(agency, full, sites)
    site = registry.Site(
        id=site_id_for(final, {s.id for s in sites}), agency=agency, province=full,
        level=guess_level(agency, sites), homepage=f"{parts.scheme}://{parts.netloc}/", columns=[column],
        parent=parent, family=family, spider="generic", verified=False, source=how,
    )
    if site.level in registry.GOVERNMENT_LEVELS:
        # a government the registry does not list has no division code the page could tell us
        raise AddSiteError(f"{agency} looks like a {site.level} government, but the registry has no such row; "
                           "add it with its division code (harvester registry import) and run add-site again")
    if not parent:
        raise AddSiteError(f"cannot tell which government {agency} belongs to: pass --parent CODE "
                           "(the division code of its government, see harvester registry list)")
    if not any(s.code == parent for s in sites):
        raise AddSiteError(f"--parent {parent} is not the code of any registry government")
    registry.add(site, registry_path)
    return site


def known_site(sites, host: str, agency: str):
    """The registry row of this agency whose homepage, other address or column is on `host`
    (www. or not); a department's column on its government's host is not the government's."""
    bare, text = host.removeprefix("www."), agencies.normalize(agency)
    for site in sites:
        if agencies.normalize(site.agency) != text:
            continue
        for url in [site.homepage, *site.alt_homepage, *site.columns]:
            if url and (urlsplit(url).hostname or "").removeprefix("www.") == bare:
                return site
    return None


def known_agency(sites, agency: str, province: str):
    """The registry government of that very name in that province (its portal may have moved)."""
    text = agencies.normalize(agency)
    return next((s for s in sites if s.code and s.province == province and agencies.normalize(s.agency) == text), None)


def parent_of(agency: str, province: str, sites) -> str:
    """The code of the government an agency's name places it under: the longest registry
    government whose name (without 人民政府) begins the agency's (西宁市城中区教育局 → 630103);
    the province's own code when only the province is named."""
    text = agencies.normalize(agency)
    best, best_len = "", 0
    for site in sites:
        if not site.code or site.province != province:
            continue
        for form in agencies.government_forms(site.agency)[:1]:
            if text.startswith(form) and len(form) > best_len and len(text) > len(form):
                best, best_len = site.code, len(form)
    return best
