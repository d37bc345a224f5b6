"""A walker that breaks on one site's list pages (tests/e2e/test_site_errors.py), plugged in by
the HARVESTER_WALKER_FOR setting: every other site is walked by its usual spider."""

from spiders.generic import spider_for

BROKEN_SITE = "hb-xianning-zwsjj"


def walker_for(site):
    cls = spider_for(site)
    if site.id != BROKEN_SITE:
        return cls

    class Broken(cls):
        def parse_column(self, response):
            yield from ()
            raise RuntimeError("a bug in this site's list reading")

    return Broken
