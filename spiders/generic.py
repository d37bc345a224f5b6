"""Which spider crawls a registry site: its own, else its CMS family's, else the generic one.

Sites added with `harvester add-site` have no spider of their own and run on their family's.
"""

from __future__ import annotations

import functools

from spiders.base import ReportSpider
from spiders.families.gkmlpt import GkmlptSpider
from spiders.families.jcms import JCMSSpider
from spiders.families.scriptlist import ScriptListSpider
from spiders.families.trs import TRSSpider
from spiders.families.vsb import VSBSpider

# detect_family asks in this order: the families with unmistakable marks first, the script-written
# lists (which TRS pages also have) last.
FAMILIES: dict[str, type[ReportSpider]] = {
    "gkmlpt": GkmlptSpider,
    "jcms": JCMSSpider,
    "vsb": VSBSpider,
    "trs": TRSSpider,
    "scriptlist": ScriptListSpider,
}


def detect_family(url: str, html: str) -> str:
    """The CMS family whose base spider recognizes a column page, else "generic"."""
    for name, cls in FAMILIES.items():
        if cls.recognizes(url, html):
            return name
    return "generic"


@functools.cache
def _loader():
    """The project's spiders, found once per process (a run asks for thousands of sites)."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    return SpiderLoader.from_settings(get_project_settings())


def spider_for(site, loader=None) -> type[ReportSpider]:
    """The walker class of a registry site: its own spider, else its family's, else the generic one."""
    loader = loader or _loader()
    if site.spider and site.spider != "generic" and site.spider in loader.list():
        return loader.load(site.spider)
    return FAMILIES.get(site.family, ReportSpider)
