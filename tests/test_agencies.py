"""Agency identity: names as real report titles and portals write them (the seeds, the sandbox
portals), across years and spellings, keyed under the government whose portal they are on."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from harvester import agencies, registry
from harvester.agencies import agency_id, body_key, classify_body, government_level, identify, is_same_government
from harvester.crawl import DEFAULT_REGISTRY


@pytest.fixture(scope="module")
def sites():
    return registry.load(DEFAULT_REGISTRY)


@pytest.fixture(scope="module")
def by_code(sites):
    return {s.code: s for s in sites if s.code}


@pytest.fixture(scope="module")
def liunan(sites):
    return next(s for s in sites if s.id == "gx-liuzhou-liunan")


# --- one body, many spellings -------------------------------------------------------------------
@pytest.mark.parametrize("variants", [
    ["柳州市柳南区教育局", "柳南区教育局", "区教育局", "柳州市柳南区 教育局", "柳州市柳南区\u3000教育局",
     "广西柳州市柳南区教育局", "柳州市柳南区教育局（更正）", "柳州市柳南区教育局(更正)", "柳南区教育局2023年度"],
    ["柳州市柳南区太阳村镇人民政府", "太阳村镇人民政府", "太阳村镇", "太阳村镇2021年", "太阳村镇2024年", "柳南区太阳村镇"],
    ["柳州市柳南区南环街道办事处", "柳南区南环街道办事处", "南环街道办事处", "南环街道", "南环街道办"],
    ["柳州市柳南区人民政府办公室", "柳南区政府办公室", "柳南区政府办", "区人民政府办公室"],
])
def test_spellings_of_one_body_get_one_id(liunan, by_code, variants):
    ids = {identify(name, liunan, by_code).id for name in variants}
    assert len(ids) == 1, {name: identify(name, liunan, by_code).id for name in variants}
    (only,) = ids
    assert re.fullmatch(r"450204-[0-9a-f]{8}", only)


def test_different_bodies_get_different_ids(liunan, by_code):
    names = ["柳州市柳南区教育局", "柳州市柳南区卫生健康局", "柳州市柳南区太阳村镇人民政府", "柳州市柳南区南环街道办事处",
             "柳州市柳南区人民政府办公室", "柳州市教育局", "市教育局", "柳南区卫生局"]
    ids = [identify(n, liunan, by_code).id for n in names]
    assert len(set(ids)) == len(names)
    # the city's 教育局 re-posted on the district's portal is not the district's 教育局
    assert identify("柳州市教育局", liunan, by_code).id != identify("区教育局", liunan, by_code).id


def test_the_id_does_not_depend_on_the_page_or_the_call():
    assert agency_id("柳南区教育局", "450204", "柳州市柳南区人民政府") == agency_id("柳州市柳南区教育局", "450204", "柳州市柳南区人民政府")
    assert agency_id("教育局", "450204") != agency_id("教育局", "450205")
    assert agency_id("教育局", "450204") == agency_id("教育局", "450204")


@pytest.mark.parametrize("name", ["柳州市柳南区人民政府", "柳南区人民政府", "柳南区", "柳南区2015年", "柳南区人民政府2019年度",
                                  "区人民政府", "广西柳州市柳南区人民政府", " 柳州市柳南区人民政府 "])
def test_the_portals_own_government_is_its_code(liunan, by_code, name):
    assert is_same_government(name, liunan, [by_code["450200"].agency])
    assert identify(name, liunan, by_code) == agencies.Agency("450204", name, "government", "")


@pytest.mark.parametrize("name", ["柳州市人民政府", "柳州市柳北区人民政府", "柳州市柳南区教育局", "太阳村镇人民政府",
                                  "柳南", "区", "", "柳州市柳南区人民政府办公室"])
def test_other_names_are_not_the_portals_government(liunan, by_code, name):
    assert not is_same_government(name, liunan, [by_code["450200"].agency])


def test_a_report_of_a_government_above_keeps_that_governments_code(liunan, by_code):
    assert identify("柳州市人民政府", liunan, by_code).id == "450200"
    assert identify("广西壮族自治区人民政府", liunan, by_code).id == "450000"


def test_short_forms_come_from_the_registry_when_the_name_is_tricky(by_code):
    shashi = next(s for s in by_code.values() if s.agency == "荆州市沙市区人民政府")
    assert agencies.government_forms(shashi.agency, [by_code[shashi.parent].agency]) == ["荆州市沙市区", "沙市区"]
    assert identify("沙市区人民政府", shashi, by_code).id == shashi.code
    assert identify("沙市区教育局", shashi, by_code).id == identify("荆州市沙市区教育局", shashi, by_code).id
    dengfeng = next(s for s in by_code.values() if s.agency == "登封市人民政府")  # a county-level city
    assert identify("郑州市登封市人民政府", dengfeng, by_code).id == dengfeng.code
    assert identify("郑州市登封市教育局", dengfeng, by_code).id == identify("登封市教育局", dengfeng, by_code).id
    assert identify("郑州市人民政府", dengfeng, by_code).id == dengfeng.parent
    guangxi = by_code["450000"]
    assert identify("广西2023年", guangxi, by_code).id == identify("自治区人民政府", guangxi, by_code).id == "450000"
    shizhong = by_code["370103"]  # 济南市市中区: a district whose name holds 市
    assert identify("市中区人民政府", shizhong, by_code).id == "370103"


def test_each_government_of_the_registry_is_named_by_its_own_agency(sites, by_code):
    """Every row's full agency name identifies it on its own portal (3,205 governments)."""
    wrong = [s.id for s in sites if s.code and identify(s.agency, s, by_code).id != s.code]
    assert wrong == []


def test_a_department_site_keys_its_agency_under_its_government(sites, by_code):
    bbwb = next(s for s in sites if s.id == "gx-bbwb")
    on_own_site = identify(bbwb.agency, bbwb, by_code)
    on_province_portal = identify(bbwb.agency, by_code["450000"], by_code)
    assert on_own_site.id == on_province_portal.id and on_own_site.id.startswith("450000-")
    assert (on_own_site.kind, on_own_site.parent) == ("department", "450000")
    jkq = next(s for s in sites if s.id == "qh-xining-jkq")
    assert identify("西宁经济技术开发区", jkq, by_code).parent == "630100"


def test_bad_parent_code_and_empty_name_are_errors():
    with pytest.raises(ValueError, match="6-digit"):
        agency_id("教育局", "4502")
    with pytest.raises(ValueError, match="no agency name"):
        agency_id("  2023年度 ", "450204")


def test_normalize_absorbs_width_spacing_and_year_words():
    assert agencies.normalize("柳南区（ 教育局 ）２０２３年度") == "柳南区(教育局)"
    assert agencies.normalize("咸安区民政局2023年政府信息公开工作年度报告") == "咸安区民政局"
    assert agencies.normalize("【柳南区】教育局") == "(柳南区)教育局"
    assert body_key("咸宁市咸安区向阳湖镇人民政府", "咸宁市咸安区人民政府") == "向阳湖镇"


# --- what kind of body --------------------------------------------------------------------------
@pytest.mark.parametrize("name, kind", [
    ("柳州市柳南区人民政府", "government"), ("贵港市人民政府", "government"), ("永胜县", "government"),
    ("广西壮族自治区人民政府", "government"), ("阿里地区行政公署", "government"), ("上海市浦东新区人民政府", "government"),
    ("镇江市人民政府", "government"), ("恩施土家族苗族自治州", "government"),
    ("咸宁市政务服务和大数据管理局", "department"), ("江苏省人力资源和社会保障厅", "department"),
    ("贵港市卫生健康委员会", "department"), ("自治区北部湾办", "department"), ("柳州市柳南区人民政府办公室", "department"),
    ("广西壮族自治区北部湾经济区规划建设管理办公室", "department"), ("昆明市教育体育局", "department"),
    ("柳州市柳南区太阳村镇人民政府", "town"), ("咸宁市咸安区永安街道办事处", "town"), ("西宁市城中区南滩街道办事处", "town"),
    ("永胜县永北镇人民政府", "town"), ("总寨镇", "town"), ("某某乡人民政府", "town"), ("某某苏木", "town"),
    ("西宁经济技术开发区", "zone"), ("西宁经济技术开发区管理委员会", "zone"), ("苏州工业园区", "zone"),
    ("某某高新区管委会", "zone"), ("张家口市下花园区人民政府", "government"), ("长春市绿园区", "government"),
    ("", "other"), ("政府信息公开工作年度报告", "other"),
])
def test_classify_body(name, kind):
    assert classify_body(name) == kind


# --- the registry level of a name (add-site) ----------------------------------------------------
def test_government_level_from_the_name_and_the_registry(sites):
    known = {s.agency: s.level for s in sites}
    assert government_level("临川县人民政府") == "county"  # the bug: was a prefecture
    assert government_level("登封市人民政府") == "prefecture"  # a 市 alone, nothing known
    assert government_level("登封市人民政府", known) == "county"  # the registry knows it is county-level
    assert government_level("郑州市登封市人民政府") == "county"
    assert government_level("阿里地区行政公署") == "prefecture"
    assert government_level("恩施土家族苗族自治州人民政府") == "prefecture"
    assert government_level("北京市人民政府") == "province"
    assert government_level("广西壮族自治区人民政府") == "province"
    assert government_level("柳州市柳南区人民政府") == "county"
    assert government_level("额济纳旗人民政府") == "county"
    assert government_level("西宁经济技术开发区") == "zone"
    assert government_level("咸宁市教育局") == "department"
    wrong = {s.agency: (s.level, government_level(s.agency, known)) for s in sites if s.code
             and government_level(s.agency, known) != s.level}
    assert wrong == {}
    # from the name alone, the one thing it cannot tell is a county-level 市 (登封市, 桂平市)
    by_name_only = Counter((s.level, government_level(s.agency)) for s in sites if s.code
                           if government_level(s.agency) != s.level)
    assert set(by_name_only) == {("county", "prefecture")}
    assert all(s.agency.endswith("市人民政府") for s in sites if s.code and government_level(s.agency) != s.level)


def test_discover_guess_level_uses_the_registry(sites):
    from harvester.discover import guess_level

    assert guess_level("临川县人民政府") == "county"
    assert guess_level("登封市人民政府", sites) == "county"
    assert guess_level("贵港市人民政府", sites) == "prefecture"
    assert guess_level("广西壮族自治区北部湾经济区规划建设管理办公室", sites) == "department"
