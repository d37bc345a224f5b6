"""Hand-written HTML pages (tests/report/fixtures): layouts, charsets and page kinds."""

from report_helpers import fixture_bytes

from harvester.report import parse


def test_rowspan_colspan_grid_with_units_and_null_cells():
    got = parse(fixture_bytes("spans_2021.html"))
    assert got["is_report"] and got["format"] == "2021" and got["parse_status"] == "ok"
    assert (got["title"], got["agency"], got["province"], got["year"], got["published"]) == (
        "宜昌市夷陵区人民政府2022年政府信息公开工作年度报告", "宜昌市夷陵区人民政府", "湖北省", 2022, "2023-01-20")
    ad = got["active_disclosure"]
    assert ad["rules"] == {"issued": 0, "repealed": None, "in_force": 0}
    assert ad["normative_documents"] == {"issued": 12, "repealed": 3, "in_force": 1234}
    assert ad["licensing"]["decisions"] == 5678          # full-width digits
    assert ad["penalty"]["decisions"] == 321              # "321件"
    assert ad["coercion"]["decisions"] is None            # "—"
    assert ad["fees"]["amount_10k_yuan"] == 12.5
    app = got["applications"]
    assert app["new_received"] == {"natural_person": 20, "commercial_enterprise": 3, "research_institution": 0,
                                   "social_welfare_org": 0, "legal_service_org": 1, "other_org": 0, "total": 24}
    assert app["unable.not_held"]["commercial_enterprise"] == 1
    assert set(app["other.unpaid_fee"].values()) == {None}  # a row of "/"
    assert app["carried_forward"]["total"] == 2
    rl = got["reviews_litigation"]
    assert (rl["review.total"], rl["suit_direct.corrected"], rl["suit_after_review.upheld"]) == (2, 1, None)
    raw = got["raw"]
    assert raw["active_disclosure/rules/repealed"] == "/"
    assert raw["active_disclosure/coercion/decisions"] == "—"
    assert raw["active_disclosure/normative_documents/in_force"] == "1,234"
    assert raw["active_disclosure/licensing/decisions"] == "５６７８"
    assert raw["applications/other.unpaid_fee/total"] == "/"
    assert raw["reviews_litigation/suit_after_review.upheld"] == "—"
    assert "active_disclosure/fees/amount_10k_yuan" not in raw
    assert got["units"] == {"active_disclosure/penalty/decisions": "件"}
    assert got["balanced"] is True and got["check_failures"] == []
    # results_sum cannot be evaluated where a result row is blank ("/"): the check is skipped
    assert not [c for c in got["checks"] if c["check"] == "results_sum"]
    assert got["sections"]["overview"].startswith("2022年，我区")
    assert got["sections"]["other_matters"].startswith("本年度未收取信息处理费。")


def test_word_markup_2019_template_split_table_gb18030_bytes():
    body = fixture_bytes("word_2019_gbk.html")
    assert b"charset=gb2312" in body
    got = parse(body)
    assert got["format"] == "2019" and got["parse_status"] == "ok"
    assert (got["title"], got["agency"], got["year"], got["published"]) == (
        "㘎江县2020年政府信息公开工作年度报告", "㘎江县人民政府", 2020, "2021-01-29")
    assert "𠮷祥乡" in got["sections"]["overview"]     # a GB18030-only character, page declares gb2312
    ad = got["active_disclosure"]
    assert list(ad) == ["rules", "normative_documents", "licensing", "other_services", "penalty", "coercion",
                        "fees", "procurement"]
    assert ad["rules"] == {"new_made": 0, "new_published": 0, "total_published": 3}
    assert ad["licensing"] == {"prior_year_items": 86, "change": -2, "decisions": 1530}
    assert ad["other_services"] == {"prior_year_items": 12, "change": 1, "decisions": 240}
    assert ad["coercion"]["decisions"] is None
    assert ad["fees"] == {"prior_year_items": 4, "change": 0}
    assert ad["procurement"] == {"projects": 6, "amount": 251000}
    assert got["units"]["active_disclosure/procurement/amount"] == "元"
    app = got["applications"]
    assert len(app) == 23 and "other" in app and "other.other" not in app
    assert app["other"]["total"] == 0
    # 上年结转 typed once in a cell spanning the seven columns: first column only
    assert app["carried_over"] == {"natural_person": 0, **dict.fromkeys(
        ["commercial_enterprise", "research_institution", "social_welfare_org", "legal_service_org", "other_org", "total"])}
    assert app["unable.not_held"]["natural_person"] == 1  # rows of the second <table>
    assert app["total"]["total"] == 6
    assert got["reviews_litigation"]["suit_after_review.total"] == 0
    assert got["balanced"] is True


def test_notice_about_reports_is_not_a_report():
    got = parse(fixture_bytes("notice.html"))
    assert got["is_report"] is False
    assert got["parse_status"] == "not_report"
    assert "通知" in got["parse_reason"]
    assert got["applications"] is None and got["active_disclosure"] is None


def test_tables_printed_as_images_are_null_with_the_reason():
    got = parse(fixture_bytes("image_tables.html"))
    assert got["is_report"] is True
    assert got["active_disclosure"] is None and got["applications"] is None and got["reviews_litigation"] is None
    assert got["parse_status"] == "no_tables"
    assert "image" in got["parse_reason"]
    assert got["balanced"] is None and got["check_failures"] == []
    assert got["sections"]["problems"] == "政策解读的形式还不够丰富。"


def test_legacy_report_has_no_template_tables():
    got = parse(fixture_bytes("legacy_2015.html"))
    assert got["is_report"] is True
    assert (got["format"], got["year"], got["agency"]) == ("legacy", 2015, "溆浦县人民政府")
    assert got["applications"] is None and got["reviews_litigation"] is None and got["active_disclosure"] is None
    assert got["parse_status"] == "no_tables" and "legacy" in got["parse_reason"]
    assert got["published"] == "2016-03-25"


def test_layout_table_around_the_report_is_read_as_text():
    got = parse(fixture_bytes("legacy_2015.html"))
    assert got["sections"]["overview"] == "2015年，我县进一步完善政府信息公开工作机制，全年主动公开政府信息3156条。"


def test_attachment_only_tables_point_at_the_attachment():
    html = ("<html><head><meta name='ArticleTitle' content='某某区2022年政府信息公开工作年度报告'></head><body>"
            "<p>一、总体情况</p><p>2022年，我区扎实推进政务公开工作，全年主动公开信息一千余条，依申请公开办理规范。</p>"
            "<p>二、主动公开政府信息情况</p><p>详见附件。</p><p>三、收到和处理政府信息公开申请情况</p><p>详见附件。</p>"
            "<p>四、政府信息公开行政复议、行政诉讼情况</p><p>详见附件。</p><p>五、存在的主要问题及改进情况</p><p>无。</p>"
            "<p>附件：<a href='/files/P020230131.xlsx'>统计表.xlsx</a></p></body></html>")
    got = parse(html, url="http://www.example.gov.cn/zfxxgk/202301/t20230131_1.html")
    assert got["parse_status"] == "no_tables"
    assert "http://www.example.gov.cn/files/P020230131.xlsx" in got["parse_reason"]


def test_broken_markup_never_raises():
    for page in ["<html><body><table><tr><td rowspan=abc colspan=999>一、总体情况",
                 "<table>" * 300 + "x", "<p>二〇二二年政府信息公开工作年度报告</p><td>1</td>", "   ", "<",
                 "\ufeff<html></html>"]:
        got = parse(page)
        assert got["parse_status"] in ("ok", "partial", "no_tables", "not_report", "failed")


def _rendered(fmt="2021"):
    from report_helpers import render
    rows = ["new_received", "carried_over", "granted", "partially_granted", "denied.state_secret"]
    report = {"format": fmt, "active_disclosure": {"rules": {"issued": 1, "repealed": 0, "in_force": 9}},
              "applications": {r: {"natural_person": i, "total": i} for i, r in enumerate(rows)},
              "reviews_litigation": {"review.upheld": 1, "review.total": 1}}
    return render.render_page(report)


def test_a_page_printing_the_report_twice_is_read_once():
    page = _rendered()
    body = page[page.index('<div class="TRS_Editor">'):page.index('<div class="footer">')]
    twice = page.replace(body, body + '<div class="print-copy"><p>政府信息公开年报</p>' + body + "</div>")
    once, both = parse(page), parse(twice)
    assert once["mirrored_copy_in_page"] is False and both["mirrored_copy_in_page"] is True
    for key in ("active_disclosure", "applications", "reviews_litigation", "sections", "check_failures"):
        assert both[key] == once[key], key


def test_a_table_of_contents_is_not_a_second_copy():
    page = _rendered()
    toc = "".join(f"<p>{h}</p>" for h in ["目录", "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                          "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"])
    with_toc = page.replace('<div class="TRS_Editor">', '<div class="TRS_Editor">' + toc)
    got, plain = parse(with_toc), parse(page)
    assert got["mirrored_copy_in_page"] is False
    assert got["applications"] == plain["applications"] and got["sections"] == plain["sections"]


def test_two_different_reports_on_one_page_are_not_mirrored():
    page = _rendered()
    body = page[page.index('<div class="TRS_Editor">'):page.index('<div class="footer">')]
    other = (body.replace("我单位认真贯彻落实《条例》，政务公开工作有序开展。", "下属单位加强制度建设，公开质量明显提升，群众满意度提高。")
             .replace("政策解读形式还不够丰富，下一步将加强解读。", "信息更新不够及时，将完善审核发布机制。")
             .replace("本年度未收取信息处理费。", "无其他需要报告的事项，特此报告。"))
    got = parse(page.replace(body, body + other))
    assert got["mirrored_copy_in_page"] is False
    assert got["applications"] == parse(page)["applications"]
