from spiders.base import ReportSpider


class QhXiningJkqSpider(ReportSpider):
    """西宁经济技术开发区: a hand-made PHP site (index.php?c=category&id=N&page=K), GBK pages."""

    name = "qh_xining_jkq"
    site_id = "qh-xining-jkq"
