"""Discovery's pure parts: which column paths are worth a guess, and what a column page looks like."""

from harvester import discover

HOME = "http://www.example.gov.cn/"


def test_guesses_follow_the_sections_the_homepage_links():
    html = ('<a href="/zfxxgk/index.shtml">政府信息公开</a><a href="/zwgk.htm">政务公开</a>'
            '<a href="http://other.gov.cn/xxgk/">信息公开</a><a href="/news/">新闻</a>')
    guesses = discover.guessed_columns(html, HOME)
    # each linked section's likeliest column first; another host's section is never guessed
    assert guesses == [HOME + "zfxxgk/zfxxgknb/", HOME + "zwgk/zfxxgknb.htm", HOME + "zfxxgk/xxgknb/"]


def test_without_a_section_link_the_common_sections_are_guessed():
    guesses = discover.guessed_columns('<a href="/news/">新闻</a>', "https://www.example.gov.cn/index.html")
    assert guesses[0] == "https://www.example.gov.cn/zfxxgk/zfxxgknb/"
    assert "https://www.example.gov.cn/xxgk/zfxxgknb/" in guesses
    assert len(guesses) == discover.MAX_GUESSES


def test_a_column_page_lists_reports_or_names_itself_with_a_list_script():
    listed = '<ul><li><a href="t1.shtml">某某区人民政府2023年政府信息公开工作年度报告</a></li></ul>'
    assert discover.looks_like_column(listed, HOME)
    scripted = '<title>政府信息公开年报</title><div id="list"></div><script src="list.js"></script>'
    assert discover.looks_like_column(scripted, HOME)
    # a soft 404 or a news page is not a column
    assert not discover.looks_like_column("<title>页面不存在</title><p>您访问的页面不存在</p>", HOME)
    assert not discover.looks_like_column('<title>新闻</title><a href="a.html">召开常务会议</a>', HOME)


def test_discovery_knowledge_fetches_nothing():
    """One home each: discover.py scores and guesses (pure); the fetching is ReportSpider's
    discovery, which `harvester add-site` runs through spiders/column.py."""
    import inspect

    from spiders.column import ColumnSpider
    from spiders.base import ReportSpider

    source = inspect.getsource(discover)
    assert "urllib.request" not in source and "urlopen" not in source
    assert not hasattr(discover, "find_column") and not hasattr(discover, "fetch")
    assert issubclass(ColumnSpider, ReportSpider) and ColumnSpider.discover is ReportSpider.discover
