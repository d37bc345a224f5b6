"""Stage 3: which agency a report is from, as an id that stays the same across years.

The page names its agency (parsed, else the title's words before the year, else the portal's
own government); harvester/agencies.py turns that name and the portal it was found on into
the agency id: the division code of a government, or the code of the portal's government plus
a key of the body's name for a department or town. The registry gives every government's
name and parent, loaded once per run.
"""

from __future__ import annotations

from harvester import agencies, dedupe, registry
from harvester.items import ReportPage


class IdentifyPipeline:
    def __init__(self, registry_path: str):
        self.registry_path = registry_path
        self.sites: dict = {}
        self.by_code: dict = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("HARVESTER_REGISTRY"))

    def open_spider(self):
        sites = registry.load(self.registry_path)
        self.sites = {s.id: s for s in sites}
        self.by_code = {s.code: s for s in sites if s.code}

    def process_item(self, item):
        if not isinstance(item, ReportPage) or item.kind != "report":
            return item
        parsed = item.parsed or {}
        name = parsed.get("agency") or dedupe.agency_from_title(item.title) or item.agency
        site = self.sites.get(item.site_id)
        if site is None or not (site.code or site.parent):  # a site outside the registry
            return item
        try:
            agency = agencies.identify(name, site, self.by_code)
        except ValueError:  # a name with nothing of a body in it
            return item
        item.agency_id, item.agency_kind, item.agency_parent = agency.id, agency.kind, agency.parent
        return item
