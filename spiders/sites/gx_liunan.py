from spiders.families.trs import TRSSpider


class GxLiunanSpider(TRSSpider):
    """柳州市柳南区人民政府: Guangxi's TRS platform; its 2023 page prints the report twice."""

    name = "gx_liunan"
    site_id = "gx-liuzhou-liunan"
