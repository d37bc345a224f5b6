"""Helpers of the family spider tests: a spider bound to a made-up registry site, without a crawl."""

from scrapy.utils.test import get_crawler

from harvester.registry import Site


def make_spider(cls, homepage: str, agency: str = "某某市人民政府", province: str = "某某省", level: str = "市",
                **kwargs):
    """A family spider for one site, as ReportSpider.from_crawler would set it up."""
    site_id = f"{cls.name}-test"
    spider = cls(site=site_id, **kwargs)
    spider.site = Site(id=site_id, agency=agency, province=province, level=level, homepage=homepage)
    spider.years = set()
    spider._set_crawler(get_crawler(cls))
    return spider
