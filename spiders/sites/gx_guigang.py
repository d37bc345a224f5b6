from spiders.families.trs import TRSSpider


class GxGuigangSpider(TRSSpider):
    """贵港市人民政府: the column is split by body (市政府 / 市直部门 / 县市区)."""

    name = "gx_guigang"
    site_id = "gx-guigang"
