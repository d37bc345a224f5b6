from harvester.dedupe import agency_from_title, content_hash, report_id


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
