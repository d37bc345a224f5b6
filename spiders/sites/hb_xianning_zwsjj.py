from spiders.families.trs import TRSSpider


class HbXianningZwsjjSpider(TRSSpider):
    """咸宁市政务服务和大数据管理局: Hubei's TRS (6-argument createPageHTML, _app.shtml twins)."""

    name = "hb_xianning_zwsjj"
    site_id = "hb-xianning-zwsjj"
