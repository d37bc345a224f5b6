"""Titles, years, agencies, provinces and dates: the rules, on wording real pages use."""

import pytest

from harvester.report import looks_like_report_title, parse, year_from_title
from harvester.report import meta, places


@pytest.mark.parametrize("title", [
    "柳州市柳南区人民政府2023年政府信息公开工作年度报告",
    "咸宁市政务服务和大数据管理局2022年政府信息公开工作年度报告",
    "2022年度政府信息公开工作年度报告",
    "某某县2021年政府信息公开年度报告",
    "市统计局2020年度信息公开年报",
    "某某区2023年政务公开年度报告",
    "国家税务总局某某市税务局2022年政府信息公开工作年度报告",
    "政府信息公开工作年度报告",
    "二〇二三年某某镇政府信息公开工作年度报告",
])
def test_report_titles(title):
    assert looks_like_report_title(title)


@pytest.mark.parametrize("title", [
    "关于做好2023年政府信息公开工作年度报告编制发布工作的通知",
    "某某市2022年政府信息公开工作年度报告（图解）",
    "图解：某某区2022年政府信息公开工作年度报告",
    "一图读懂某某县2023年政府信息公开工作年度报告",
    "《某某市2022年政府信息公开工作年度报告》解读",
    "某某市2024年政务公开工作要点",
    "某某局2023年财政预决算公开",
    "某某县2022年政府信息公开工作总结",
    "关于报送2023年政府信息公开工作年度报告的函",
    "某某市人民政府门户网站",
    "",
])
def test_titles_that_are_not_reports(title):
    assert not looks_like_report_title(title)


@pytest.mark.parametrize("title,year", [
    ("柳州市柳南区人民政府2023年政府信息公开工作年度报告", 2023),
    ("2021年度政府信息公开工作年度报告", 2021),
    ("二〇二三年政府信息公开工作年度报告", 2023),
    ("某某县二○一九年政府信息公开年报", 2019),
    ("２０２２年政府信息公开工作年度报告", 2022),
    ("某某局政府信息公开工作年度报告", None),
    (None, None),
])
def test_year_from_title(title, year):
    assert year_from_title(title) == year


@pytest.mark.parametrize("title,text,agency", [
    ("柳州市柳南区人民政府2023年政府信息公开工作年度报告", "由柳南区人民政府编制。", "柳州市柳南区人民政府"),
    ("自治区北部湾办2022年政府信息公开工作年度报告",
     "由广西壮族自治区北部湾经济区规划建设管理办公室(以下简称自治区北部湾办)编制。",
     "广西壮族自治区北部湾经济区规划建设管理办公室"),
    ("贵港市2021年政府信息公开工作年度报告", "", "贵港市人民政府"),
    ("某某街道2022年政府信息公开工作年度报告", "", "某某街道办事处"),
    (None, "修订完善《西宁经济技术开发区政府信息公开指南》。", "西宁经济技术开发区"),
    (None, "本报告由某某市交通运输局编制。", "某某市交通运输局"),
    (None, "本报告由我局编制。", None),
])
def test_agency_rules(title, text, agency):
    assert meta.find_agency(title, text) == agency


@pytest.mark.parametrize("name,province", [
    ("柳州市柳南区人民政府", "广西壮族自治区"), ("咸宁市政务服务和大数据管理局", "湖北省"),
    ("西宁经济技术开发区", "青海省"), ("海南藏族自治州人民政府", "青海省"), ("海口市人民政府", "海南省"),
    ("延边州人民政府", "吉林省"), ("北京市朝阳区人民政府", "北京市"), ("内蒙古自治区发展和改革委员会", "内蒙古自治区"),
    ("阿拉善盟行政公署", "内蒙古自治区"), ("某某办公室", None),
])
def test_gazetteer(name, province):
    assert places.province_of(name) == province


def test_publish_date_is_the_portal_date_not_the_signature():
    text = ("某某市2022年政府信息公开工作年度报告\n成文日期：2023-01-10 发布日期：2023年1月31日\n"
            "一、总体情况\n2022年，我市认真落实条例，政务公开工作取得新进展，主动公开信息三千余条，答复申请一百余件。\n"
            "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n某某市人民政府办公室\n2023年1月20日\n")
    got = parse(text)
    assert got["published"] == "2023-01-31"
    assert parse(text.replace("发布日期：2023年1月31日", ""))["published"] is None


def test_year_from_the_statistics_period_then_from_the_text():
    assert meta.find_year(None, "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。") == 2021
    assert meta.find_year(None, "统计时间为202211日至20221231日") == 2022
    assert meta.find_year(None, "2022年,开发区坚持……2022年,开发区门户网站……2023年开发区将……《2021年工作要点》") == 2022


def test_a_title_short_name_takes_the_full_name_the_page_gives():
    from harvester.report.meta import find_agency

    text = "本年度报告由广西壮族自治区北部湾经济区规划建设管理办公室编制。"
    assert find_agency("自治区北部湾办2021年政府信息公开工作年度报告", text) == "广西壮族自治区北部湾经济区规划建设管理办公室"
    assert find_agency("柳南区人民政府2019年政府信息公开工作年度报告", "正文", source="柳州市柳南区人民政府") == "柳州市柳南区人民政府"
    # the office that compiles a government's report is not that government's full name
    assert find_agency("宜昌市夷陵区人民政府2022年政府信息公开工作年度报告", "由宜昌市夷陵区人民政府办公室编制") == "宜昌市夷陵区人民政府"
    # a source that does not spell out the short name is ignored
    assert find_agency("贵港市财政局2023年政府信息公开工作年度报告", "正文", source="贵港市人民政府") == "贵港市财政局"
