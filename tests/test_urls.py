"""harvester.urls: the one home of URL knowledge (canonical form, tracking, twins, attachments)."""

import pathlib

import pytest

from harvester import dedupe, urls
from harvester.urls import canonical_url, is_attachment, is_twin, source_kind, strip_tracking, twin_addresses

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_twins_and_spellings_share_one_canonical_url():
    page = "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml"
    same = [
        "https://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559_app.shtml",
        "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml?utm_source=wx&spm=1.2",
        "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml#top",
        "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559_print.shtml",
    ]
    assert {canonical_url(u) for u in same} == {canonical_url(page)}
    assert canonical_url("http://www.liunan.gov.cn/xxgk/zfxxgknb/index.shtml") == canonical_url("https://liunan.gov.cn/xxgk/zfxxgknb/")
    assert canonical_url("http://m.liunan.gov.cn/a/t1.html") == canonical_url("http://liunan.gov.cn/a/t1.html")
    # a real query string (a PHP article id) is kept
    assert canonical_url("https://jkq.xining.gov.cn/index.php?c=show&id=115") != canonical_url("https://jkq.xining.gov.cn/index.php?c=show&id=116")


@pytest.mark.parametrize("url, kind", [
    ("http://a.gov.cn/x/t20230128_1_app.shtml", "mobile_twin"),
    ("http://a.gov.cn/x/t20230128_1_wap.html", "mobile_twin"),
    ("http://a.gov.cn/gkmlpt/content/4/4312/mpost_4312345.html", "mobile_twin"),
    ("http://a.gov.cn/x/t20230128_1_print.shtml", "print_view"),
    ("http://a.gov.cn/cms/Print.asp?id=3", "print_view"),
    ("http://a.gov.cn/x/t20230128_1.shtml", "page"),
    ("http://a.gov.cn/gkmlpt/content/4/4312/post_4312345.html", "page"),
])
def test_source_kind(url, kind):
    assert source_kind(url) == kind


def test_strip_tracking_keeps_real_parameters():
    assert strip_tracking("https://a.gov.cn/x/t1.shtml?from=singlemessage&isappinstalled=0") == "https://a.gov.cn/x/t1.shtml"
    assert strip_tracking("https://a.gov.cn/index.php?c=show&id=115&utm_source=wx") == "https://a.gov.cn/index.php?c=show&id=115"
    assert strip_tracking("https://a.gov.cn/x/t1.shtml") == "https://a.gov.cn/x/t1.shtml"
    # unlike canonical_url, the scheme, host and path are the served ones
    assert strip_tracking("https://www.a.gov.cn/x/index.html?spm=1") == "https://www.a.gov.cn/x/index.html"


def test_twins_the_spiders_follow():
    assert is_twin("http://a.gov.cn/x/t1_app.shtml")
    assert is_twin("http://a.gov.cn/gkmlpt/content/4/4312/mpost_4312345.html")
    assert is_twin("http://a.gov.cn/cms/print.jsp?id=3")
    assert is_twin("http://a.gov.cn/x/t1_print.html")
    assert not is_twin("http://a.gov.cn/x/t1.shtml")
    assert not is_twin("http://a.gov.cn/x/t1_m.shtml")  # canonical_url folds it; no spider follows it
    assert twin_addresses("手机版：./t20230128_2941559_app.shtml 扫码") == ["./t20230128_2941559_app.shtml"]


def test_attachments():
    for href in ("/P020240125.pdf", "a.DOCX", "x.xls?v=1", "/download.jsp?id=1", "/u/P020240125123456.x", "a.ofd"):
        assert is_attachment(href), href
    for href in ("t1.shtml", "pdf.html", "/docs/index.html"):
        assert not is_attachment(href), href


def test_one_home():
    """URL knowledge is harvester.urls' alone: report identity (dedupe) does not hold it, spiders
    take it from harvester.urls only."""
    assert not hasattr(dedupe, "canonical_url") and not hasattr(dedupe, "source_kind")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "spiders").rglob("*.py")
                 if "harvester.dedupe" in p.read_text(encoding="utf-8")
                 or "from harvester import dedupe" in p.read_text(encoding="utf-8")]
    assert offenders == []
