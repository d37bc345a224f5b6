from spiders.families.trs import TRSSpider


class GxBbwbSpider(TRSSpider):
    """广西壮族自治区北部湾经济区规划建设管理办公室: Guangxi's TRS platform."""

    name = "gx_bbwb"
    site_id = "gx-bbwb"
