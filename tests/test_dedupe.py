from harvester.dedupe import agency_from_title, canonical_url, content_hash, report_id, source_kind


def test_twins_and_spellings_share_one_canonical_url():
    page = "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml"
    same = [
        "https://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559_app.shtml",
        "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml?utm_source=wx&spm=1.2",
        "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml#top",
    ]
    assert {canonical_url(u) for u in same} == {canonical_url(page)}
    assert canonical_url("http://www.liunan.gov.cn/xxgk/zfxxgknb/index.shtml") == canonical_url("https://liunan.gov.cn/xxgk/zfxxgknb/")
    # a real query string (a PHP article id) is kept
    assert canonical_url("https://jkq.xining.gov.cn/index.php?c=show&id=115") != canonical_url("https://jkq.xining.gov.cn/index.php?c=show&id=116")


def test_source_kind():
    assert source_kind("http://a.gov.cn/x/t20230128_1_app.shtml") == "mobile_twin"
    assert source_kind("http://a.gov.cn/x/t20230128_1.shtml") == "page"


def test_report_id_is_agency_and_year():
    assert report_id("柳州市柳南区人民政府", 2023, "u1") == report_id("柳州市柳南区 人民政府", 2023, "u2")
    assert report_id("柳州市柳南区人民政府", 2023, "u") != report_id("柳州市柳南区人民政府", 2022, "u")
    assert report_id(None, 2023, "u1") != report_id(None, 2023, "u2")


def test_agency_from_title():
    assert agency_from_title("柳州市柳南区人民政府2023年政府信息公开工作年度报告") == "柳州市柳南区人民政府"
    assert agency_from_title("政府信息公开工作年度报告") is None


def test_content_hash_follows_values_not_chrome():
    a = {"format": "2021", "applications": {"total": {"total": 9}}}
    b = {"format": "2021", "applications": {"total": {"total": 10}}}
    assert content_hash(a, "chrome one") == content_hash(a, "chrome two")
    assert content_hash(a, "") != content_hash(b, "")
    assert content_hash({}, "some  text") == content_hash({}, "some text")


def test_strip_tracking_keeps_real_parameters():
    from harvester.dedupe import strip_tracking

    assert strip_tracking("https://a.gov.cn/x/t1.shtml?from=singlemessage&isappinstalled=0") == "https://a.gov.cn/x/t1.shtml"
    assert strip_tracking("https://a.gov.cn/index.php?c=show&id=115&utm_source=wx") == "https://a.gov.cn/index.php?c=show&id=115"
    assert strip_tracking("https://a.gov.cn/x/t1.shtml") == "https://a.gov.cn/x/t1.shtml"
