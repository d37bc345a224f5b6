"""The TRS pager scripts of spec/portals.md, as real pages print them."""

from spiders.families.trs import pager_pages


def test_zero_based_create_page_html():
    assert pager_pages('createPageHTML(3, 0, "index", "shtml");', "http://x/c/index.shtml") == [
        "index.shtml", "index_1.shtml", "index_2.shtml"]


def test_hubei_six_argument_form_and_page_control():
    assert pager_pages('createPageHTML(4, 1, "index", "shtml", "black2", 621);', "u") == [
        "index.shtml", "index_1.shtml", "index_2.shtml", "index_3.shtml"]
    assert pager_pages('pageControl(2, 0, "index", "html", 10, "pages-nav");', "u") == ["index.html", "index_1.html"]


def test_one_based_look_alike_is_not_off_by_one():
    assert pager_pages("createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89);", "u") == [
        "fg.shtml", "fg_2.shtml", "fg_3.shtml", "fg_4.shtml", "fg_5.shtml"]


def test_count_page_variables():
    script = "var countPage = 3;//共多少页\nvar currentPage = 0;"
    assert pager_pages(script, "http://x/c/index.shtml") == ["index.shtml", "index_1.shtml", "index_2.shtml"]
    assert pager_pages(script, "http://x/c/index_2.html") == ["index.html", "index_1.html", "index_2.html"]
    assert pager_pages(script, "http://x/c/") == ["index.html", "index_1.html", "index_2.html"]


def test_count_page_takes_the_extension_the_script_writes():
    """A directory URL says nothing; the pager's own document.write links do."""
    script = ('var currentPage = 0;\nvar countPage = 2;//共多少页\n'
              'document.write("<a href=\\"index.shtml\\">首页</a>");')
    assert pager_pages(script, "http://x/c/") == ["index.shtml", "index_1.shtml"]


def test_no_pager():
    assert pager_pages("var a = 1;", "u") == []
