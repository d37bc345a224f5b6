"""Near-duplicate report matching (harvester/neardup.py, issue 4)."""

from __future__ import annotations

import copy
import random
import re

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from harvester import neardup
from harvester.dedupe import content_hash
from harvester.neardup import Candidate, ReportMatcher, agency_relation, normalize_text

ROWS = (
    "new_received carried_over granted partially_granted denied.state_secret denied.prohibited_by_law "
    "denied.endangers_safety_stability denied.third_party_rights denied.internal_affairs "
    "denied.process_information denied.enforcement_case_files denied.administrative_inquiry "
    "unable.not_held unable.needs_creation unable.unclear_after_correction "
    "not_processed.petition_complaint not_processed.repeated not_processed.publication "
    "not_processed.excessive not_processed.confirm_or_reissue other.no_correction other.unpaid_fee "
    "other.other total carried_forward"
).split()
COLS = "natural_person commercial_enterprise research_institution social_welfare_org legal_service_org other_org total".split()
GROUPS = ("review", "suit_direct", "suit_after_review")
RESULTS = ("upheld", "corrected", "other", "pending", "total")


def tables(received: int = 0, issued: int = 0, licensing: int = 0, penalty: int = 0) -> dict:
    """Parsed tables in the golden shape (2021 template); all zero unless told."""
    apps = {r: {c: 0 for c in COLS} for r in ROWS}
    apps["new_received"]["natural_person"] = apps["new_received"]["total"] = received
    apps["granted"]["natural_person"] = apps["granted"]["total"] = received
    apps["total"]["natural_person"] = apps["total"]["total"] = received
    return {
        "format": "2021",
        "active_disclosure": {
            "rules": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": issued, "repealed": 0, "in_force": issued + 3},
            "licensing": {"decisions": licensing},
            "penalty": {"decisions": penalty},
            "coercion": {"decisions": 0},
            "fees": {"amount_10k_yuan": 0},
        },
        "applications": apps,
        "reviews_litigation": {f"{g}.{r}": 0 for g in GROUPS for r in RESULTS},
    }


BOILERPLATE = [
    "本年度报告根据《中华人民共和国政府信息公开条例》(以下简称《条例》)要求,由{a}编制。",
    "报告全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况,以及其他需要报告的事项。",
    "本年度报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
    "一、总体情况",
    "(一)主动公开情况",
    "{y}年,{s}坚持以习近平新时代中国特色社会主义思想为指导,认真贯彻落实《条例》规定,按照公开为常态、不公开为例外的原则,通过门户网站主动公开政府信息{n1}条,政务动态信息{n2}条。",
    "(二)依申请公开情况",
    "{y}年,{s}共收到政府信息公开申请{n3}件,均在法定期限内予以答复。",
    "(三)政府信息管理情况",
    "{s}进一步规范政府信息公开审查流程,严格落实三审三校制度,确保公开信息的准确性和安全性,对已废止或失效的文件及时进行标识。",
    "(四)政府信息公开平台建设情况",
    "持续加强政府网站和政务新媒体建设管理,优化栏目设置,及时更新法定主动公开内容,全年通过政务新媒体发布信息{n4}条。",
    "(五)监督保障情况",
    "将政府信息公开工作纳入年度绩效考核,定期开展自查自纠,组织开展政务公开业务培训,不断提升工作人员业务能力。",
    "二、主动公开政府信息情况",
    "第二十条第(一)项",
    "信息内容",
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "规章",
    "0",
    "0",
    "0",
    "行政规范性文件",
    "{n5}",
    "0",
    "{n6}",
    "三、收到和处理政府信息公开申请情况",
    "申请人情况",
    "自然人",
    "{n3}",
    "四、政府信息公开行政复议、行政诉讼情况",
    "结果维持",
    "0",
    "五、存在的主要问题及改进情况",
    "{y}年,{s}政府信息公开工作取得了一定成效,但仍存在政策解读形式较为单一、信息更新不够及时等问题。下一步,{s}将进一步加强政策解读,丰富解读形式,提升政务公开质量。",
    "六、其他需要报告的事项",
    "依据《政府信息公开信息处理费管理办法》,{s}{y}年未收取任何政府信息公开信息处理费。",
]


def report(agency: str, year: int, self_name: str = "我局", nums=(266, 58, 3, 412, 2, 5), extra: str = "") -> str:
    n = dict(zip(("n1", "n2", "n3", "n4", "n5", "n6"), nums))
    body = [line.format(a=agency, y=year, s=self_name, **n) for line in BOILERPLATE]
    if extra:
        body.insert(9, extra)
    return "\n".join([f"{agency}{year}年政府信息公开工作年度报告", *body])


CHROME_A = "首页\n政府信息公开\n您现在的位置 : 首页 > 政府信息公开 > 政府信息公开年度报告\n来源:{a} 日期:2023-01-28 【字号:大 中 小】\n"
CHROME_A_END = "\n【打印本页】【关闭窗口】\n主办单位:咸宁市人民政府办公室 网站标识码:4212000001 鄂ICP备05003317号\n"
CHROME_B = "页面\n配色\n辅助线\n重置\n| 简体版|繁体版|智能问答 支持IPv6\n无障碍\n发布日期: 2023-01-31 16:10 浏览次数:1024\n"
CHROME_B_END = "\n扫一扫在手机打开当前页\n相关链接\n湖北省人民政府\n咸宁市人民政府\n武汉市人民政府\n黄石市人民政府\n"

XN = "咸宁市政务服务和大数据管理局"
XN_SHORT = "市政务服务和大数据管理局"


def cand(agency, year, text, values) -> Candidate:
    return Candidate(agency=agency, year=year, values_hash=content_hash(values, text) if values else None, values=values, text=text)


@pytest.fixture
def known() -> tuple[ReportMatcher, Candidate]:
    m = ReportMatcher()
    page = cand(XN, 2022, CHROME_A.format(a=XN_SHORT) + report(XN, 2022) + CHROME_A_END, tables(received=3, issued=2))
    m.add("xn-2022", page)
    return m, page


def test_mobile_twin_is_the_same_report(known):
    m, page = known
    twin = cand(XN, 2022, report(XN, 2022) + "\n./t20230128_2941559_app.shtml", copy.deepcopy(page.values))
    found = m.match(twin)
    assert found is not None and (found.report_id, found.relation) == ("xn-2022", "same")
    assert found.agency == "equal" and found.basis == "values"
    assert found.similarity >= 0.9


def test_parent_repost_with_other_chrome_and_place_dropped_agency_matches(known):
    m, page = known
    repost = cand(XN_SHORT, 2022, CHROME_B + report(XN, 2022) + CHROME_B_END, copy.deepcopy(page.values))
    found = m.match(repost)
    assert found is not None and (found.report_id, found.relation, found.agency) == ("xn-2022", "same", "prefix")
    # and the other way round: the city portal's full name against a known short name
    m2 = ReportMatcher()
    m2.add("short", repost)
    assert m2.match(page).report_id == "short"


def test_chrome_does_not_change_the_compared_text():
    body = report(XN, 2022)
    assert normalize_text(CHROME_A.format(a=XN_SHORT) + body + CHROME_A_END) == normalize_text(body)
    assert normalize_text(CHROME_B + body + CHROME_B_END) == normalize_text(body)


def test_revised_copy_with_two_numbers_changed_is_a_revision(known):
    m, page = known
    values = tables(received=4, issued=2)  # one more application: two cells (natural_person, total) x 3 rows...
    values["applications"]["granted"]["natural_person"] = 3  # ...keep it to exactly two cells changed:
    values["applications"]["granted"]["total"] = 3
    values["applications"]["total"]["natural_person"] = 3
    values["applications"]["total"]["total"] = 3
    text = CHROME_A.format(a=XN_SHORT) + report(XN, 2022, nums=(266, 58, 4, 412, 2, 5)) + CHROME_A_END
    found = m.match(cand(XN, 2022, text, values))
    assert found is not None and (found.report_id, found.relation, found.basis) == ("xn-2022", "revision", "cells")
    # once the revision is registered, its own twin is "same" again
    m.add("xn-2022", cand(XN, 2022, text, values))
    assert m.match(cand(XN, 2022, report(XN, 2022, nums=(266, 58, 4, 412, 2, 5)), copy.deepcopy(values))).relation == "same"


def test_many_changed_cells_are_not_a_revision(known):
    m, _ = known
    values = tables(received=3, issued=2)
    for row in values["applications"].values():
        for col in row:
            row[col] = 7
    assert m.match(cand(XN, 2022, report(XN, 2022), values)) is None


@pytest.mark.parametrize("second_values", [tables(received=9, issued=1, licensing=120), tables()])
def test_agencies_sharing_boilerplate_are_not_merged(second_values):
    """Same template prose, and even the very same all-zero tables: still two reports."""
    m = ReportMatcher()
    m.add("liunan", cand("柳州市柳南区人民政府", 2023, report("柳州市柳南区人民政府", 2023, "我区"), tables()))
    other = cand("柳州市柳北区人民政府", 2023, report("柳州市柳北区人民政府", 2023, "我区"), second_values)
    assert m.match(other) is None
    other_short = cand("柳北区人民政府", 2023, report("柳北区人民政府", 2023, "我区"), second_values)
    assert m.match(other_short) is None


def test_all_zero_tables_and_template_prose_need_the_agency():
    """A copy without agency whose only evidence is shared prose and all-zero tables is not
    merged into another agency's report, while a real copy of that report still matches."""
    m = ReportMatcher()
    zero = tables()
    m.add("liunan", cand("柳南区人民政府", 2023, report("柳南区人民政府", 2023, "我区", nums=(40, 5, 0, 12, 0, 0)), zero))
    stranger = cand(None, 2023, report("柳北区人民政府", 2023, "我区", nums=(41, 7, 0, 19, 0, 0)), tables())
    assert m.match(stranger) is None
    copy_ = cand(None, 2023, CHROME_B + report("柳南区人民政府", 2023, "我区", nums=(40, 5, 0, 12, 0, 0)), tables())
    found = m.match(copy_)
    assert found is not None and (found.report_id, found.agency) == ("liunan", "named")  # its text names it
    anonymous = "\n".join(line for line in copy_.text.splitlines() if "柳南区人民政府" not in line)
    found = m.match(cand(None, 2023, anonymous, tables()))
    assert found is not None and (found.report_id, found.agency) == ("liunan", "missing")


def test_small_equal_tables_are_weak_evidence_large_ones_strong():
    """Without an agency, identical tables vouch for a match only when they could hardly be equal
    by chance (several distinct values of 10 or more); one application and two documents could."""
    m = ReportMatcher(threshold=0.3, strict=0.95)
    small, large = tables(received=1, issued=2), tables(received=37, issued=25, licensing=1834, penalty=412)
    m.add("small", cand("柳南区人民政府", 2023, report("柳南区人民政府", 2023, "我区"), small))
    m.add("large", cand("柳南区人民政府", 2022, report("柳南区人民政府", 2022, "我区"), large))
    for year, values, expected in ((2023, small, None), (2022, large, "large")):
        lines = [x for x in report("柳南区人民政府", year, "我区").splitlines()[1:] if "编制" not in x]  # anonymous
        half = "\n".join(lines[: len(lines) // 2] + ["本单位另行发布的工作动态若干条,涉及多项工作安排与日常事务。" * 3])
        found = m.match(cand(None, year, half, copy.deepcopy(values)))
        assert (found.report_id if found else None) == expected


def test_missing_agency_falls_back_to_text_year_and_values(known):
    m, page = known
    anonymous = "\n".join(line for line in report(XN, 2022).splitlines() if XN not in line)
    found = m.match(cand(None, 2022, CHROME_B + anonymous, copy.deepcopy(page.values)))
    assert found is not None and (found.report_id, found.relation, found.agency) == ("xn-2022", "same", "missing")
    assert m.match(cand(None, 2021, report(XN, 2022), copy.deepcopy(page.values))) is None


def test_texts_that_name_the_same_agency_stand_in_for_a_missing_one():
    """A revision whose agency was not extracted, with a corrected sentence: its text still says
    who wrote it (title, 由…编制), which is as good as the agency for the lower bar."""
    m = ReportMatcher()
    m.add("xn-2022", Candidate(None, 2022, None, tables(received=3), report(XN, 2022)))
    text = report(XN, 2022, nums=(266, 58, 4, 412, 2, 5), extra="我局对照上级要求,对栏目设置进行了全面梳理和调整,进一步规范了公开内容。")
    found = m.match(cand(None, 2022, text, tables(received=4)))
    assert found is not None and (found.relation, found.agency) == ("revision", "named")
    # a name many agencies share (市政务服务和大数据管理局) is not specific enough to vouch
    other = cand(None, 2022, report(XN_SHORT, 2022), tables(received=4))
    assert m.match(other) is None or m.match(other).agency != "named"


def test_different_years_never_match(known):
    m, page = known
    for year in (2021, 2023):
        assert m.match(cand(XN, year, page.text, copy.deepcopy(page.values))) is None
    assert m.match(cand(XN, None, page.text, copy.deepcopy(page.values))) is None


def attachment_text(text: str, width: int = 38) -> str:
    """What a PDF/DOC beside the page gives: no chrome, lines wrapped, page footers, and no
    table the parser could read."""
    out, page = [], 1
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
        else:
            out.extend(line[i : i + width] for i in range(0, len(line), width))
        if len(out) % 30 == 0:
            out.append(f"第 {page} 页 共 4 页")
            page += 1
    return "\n".join(out)


def test_attachment_without_tables_matches_its_html_report(known):
    m, _ = known
    pdf = attachment_text(report(XN, 2022))
    found = m.match(Candidate(agency=XN, year=2022, values_hash=None, values=None, text=pdf))
    assert found is not None and (found.report_id, found.relation, found.basis) == ("xn-2022", "same", "text")
    # and an attachment of another agency's report built on the same template does not
    other = attachment_text(report("咸宁市生态环境局", 2022, nums=(120, 31, 0, 88, 1, 9)))
    assert m.match(Candidate(agency="咸宁市生态环境局", year=2022, values_hash=None, values=None, text=other)) is None


def test_page_printing_the_report_twice_is_the_same_report(known):
    m, page = known
    body = report(XN, 2022)
    found = m.match(cand(XN_SHORT, 2022, body + "\n" + body, copy.deepcopy(page.values)))
    assert found is not None and found.relation == "same" and found.similarity >= 0.9


def test_values_hash_alone_decides_when_values_are_not_given():
    m = ReportMatcher()
    text = report(XN, 2022)
    m.add("r", Candidate(XN, 2022, "h1", None, text))
    assert m.match(Candidate(XN, 2022, "h1", None, text)).relation == "same"
    assert m.match(Candidate(XN, 2022, "h2", None, text)) is None


def test_signature_is_compact_and_round_trips(known):
    m, page = known
    sig = m.signature(page.text)
    assert isinstance(sig, bytes) and len(sig) == 269  # LeanMinHash format, 64 x 4 bytes + header
    assert sig == ReportMatcher().signature(page.text)  # deterministic across instances
    m2 = ReportMatcher()
    m2.add("xn-2022", page, signature=sig)
    assert m2.match(cand(XN, 2022, report(XN, 2022), copy.deepcopy(page.values))).report_id == "xn-2022"
    with pytest.raises(ValueError):
        ReportMatcher(num_perm=32).add("x", page, signature=sig)


def test_empty_text_is_similar_to_nothing():
    m = ReportMatcher()
    m.add("a", Candidate("甲县人民政府", 2022, None, None, ""))
    assert m.match(Candidate("甲县人民政府", 2022, None, None, "")) is None
    assert m.match(Candidate(None, 2022, None, None, "首页\n12")) is None


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (XN, XN_SHORT, "prefix"),
        ("柳州市柳南区人民政府", "柳南区人民政府", "prefix"),
        ("柳州市柳南区 人民政府", "柳州市柳南区人民政府", "equal"),
        ("柳南区人民政府", "柳北区人民政府", None),
        ("柳州市柳南区人民政府", "柳州市柳北区人民政府", None),
        ("西城区人民政府", "城区人民政府", None),
        ("广西壮族自治区北部湾经济区规划建设管理办公室", "北部湾经济区规划建设管理办公室", "prefix"),
        ("西藏自治区民政厅", "自治区民政厅", "prefix"),
        ("西藏自治区民政厅", "民政厅", None),  # too short to say whose
        (None, XN, "missing"),
        ("", "", "missing"),
    ],
)
def test_agency_relation(a, b, expected):
    assert agency_relation(a, b) == expected
    assert agency_relation(b, a) == expected


def test_normalize_text_drops_tables_digits_and_chrome():
    text = "首页\n一、总体情况\n本机关认真落实条例。\n二、主动公开政府信息情况\n规章\n0\n12\n五、存在的主要问题及改进情况\n问题是解读不够。\n3 4\n"
    assert normalize_text(text) == "一总体情况本机关认真落实条例五存在的主要问题及改进情况问题是解读不够"


@settings(max_examples=40, deadline=None)
@given(
    year=st.integers(2019, 2024),
    other_year=st.integers(2019, 2024),
    nums=st.tuples(*[st.integers(0, 5000)] * 6),
    place=st.sampled_from(["柳南", "柳北", "城中", "鱼峰", "柳江"]),
    other_place=st.sampled_from(["柳南", "柳北", "城中", "鱼峰", "柳江"]),
)
def test_never_across_years_or_agencies(year, other_year, nums, place, other_place):
    """Whatever the prose and numbers, a match needs the same year and compatible agencies."""
    m = ReportMatcher()
    a, b = f"柳州市{place}区人民政府", f"柳州市{other_place}区人民政府"
    m.add("known", cand(a, year, report(a, year, "我区", nums), tables()))
    found = m.match(cand(b, other_year, report(b, other_year, "我区", nums), tables()))
    if year != other_year or a != b:
        assert found is None
    else:
        assert found is not None and found.relation == "same"


# --- the fast paths hold to their references (issue 13) -------------------------------------

def datasketch_hashvalues(norm: str, num_perm: int = 64) -> np.ndarray:
    """The MinHash as datasketch computes it: one shingle hash at a time through update_batch."""
    mh = MinHash(num_perm=num_perm, seed=neardup.SEED, hashfunc=int, scheme=neardup.SCHEME)
    shingles = neardup.shingle_hashes(norm)
    if len(shingles):
        mh.update_batch(shingles.tolist())
    return mh.hashvalues


def datasketch_signature(hv: np.ndarray) -> bytes:
    lean = LeanMinHash(seed=neardup.SEED, hashvalues=hv, scheme=neardup.SCHEME)
    buf = bytearray(lean.bytesize("<"))
    lean.serialize(buf, "<")
    return bytes(buf)


def test_shingle_hashes_are_the_polynomial_hash_of_each_5_gram():
    text = "政府信息公开工作"
    expected = set()
    for i in range(len(text) - 4):
        h = 0
        for ch in text[i : i + 5]:
            h = (h * 0x100000001B3 + ord(ch)) % 2**64
        expected.add((h ^ (h >> 32)) & 0xFFFFFFFF)
    assert sorted(expected) == neardup.shingle_hashes(text).tolist()


@settings(max_examples=60, deadline=None)
@given(norm=st.text(max_size=400), num_perm=st.sampled_from([16, 64, 128]))
def test_vectorized_minhash_equals_datasketch(norm, num_perm):
    assert neardup.minhash(norm, num_perm).tolist() == datasketch_hashvalues(norm, num_perm).tolist()


def test_vectorized_minhash_equals_datasketch_on_long_and_repetitive_texts():
    long = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(3 * neardup._CHUNK))  # several chunks
    for norm in ("", "短", "政府信息", long, report(XN, 2022) * 3):
        assert neardup.minhash(norm).tolist() == datasketch_hashvalues(norm).tolist()


def test_signature_bytes_are_datasketch_leanminhash_and_old_ones_still_read():
    m = ReportMatcher()
    text = CHROME_A.format(a=XN_SHORT) + report(XN, 2022) + CHROME_A_END
    reference = datasketch_signature(datasketch_hashvalues(normalize_text(text)))
    assert m.signature(text) == reference
    # a signature stored before (written by datasketch) reads back to the same hash values
    assert m._decode(reference).tolist() == LeanMinHash.deserialize(reference, "<").hashvalues.tolist()
    assert m.signature("") == datasketch_signature(np.full(64, 0xFFFFFFFF, dtype=np.uint32))


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x00" * 10,
        b"\x01" + b"\x00" * 268,  # right size, nothing right in it
        datasketch_signature(np.arange(64, dtype=np.uint32))[:-4],  # cut short
        datasketch_signature(np.arange(64, dtype=np.uint32)) + b"\x00",
    ],
)
def test_malformed_signatures_are_a_clear_error(bad):
    with pytest.raises(ValueError, match="signature is not"):
        ReportMatcher().add("x", Candidate(XN, 2022, None, None, ""), signature=bad)


def test_legacy_and_other_seed_signatures_are_refused():
    legacy = LeanMinHash(MinHash(num_perm=64, seed=neardup.SEED, scheme="legacy"))
    other_seed = LeanMinHash(MinHash(num_perm=64, seed=2, scheme=neardup.SCHEME))
    for lean in (legacy, other_seed):
        buf = bytearray(lean.bytesize("<"))
        lean.serialize(buf, "<")
        with pytest.raises(ValueError, match="signature is not"):
            ReportMatcher()._decode(bytes(buf))


def reference_normalize(text: str | None) -> str:
    """normalize_text as it was first written: one regex substitution and one regex test per line."""
    if not text:
        return ""
    chrome = re.compile(neardup.CHROME.pattern + r"|^第\d+页(共\d+页)?$|^http|s?html?$")
    kept: list[tuple[str, bool]] = []
    for line in neardup._cut_tables(neardup._fold(text)).splitlines():
        s = neardup.NOT_WORD.sub("", line)
        if not s or neardup.NUMERIC.fullmatch(s) or s in neardup.TEMPLATE_LINES or s in neardup.MENU:
            continue
        if len(s) <= neardup.CHROME_MAX and chrome.search(s):
            continue
        if len(s) <= neardup.WEAK_MAX and neardup.WEAK_CHROME.match(s) and not neardup.CLAUSE.search(line):
            continue
        if neardup.PAGE.fullmatch(s):
            continue
        kept.append((s, len(s) <= neardup.LINK_MAX and not neardup.SENTENCE.search(line)))
    out, i = [], 0
    while i < len(kept):
        j = i
        while j < len(kept) and kept[j][1]:
            j += 1
        if j - i >= neardup.LINK_RUN:
            i = j
            continue
        out.extend(s for s, _ in kept[i : max(j, i + 1)])
        i = max(j, i + 1)
    return "".join(out)


LINES = [
    *report(XN, 2022).splitlines(),
    *(CHROME_A.format(a=XN_SHORT) + CHROME_A_END + CHROME_B + CHROME_B_END).splitlines(),
    "第 3 页 共 5 页", "共5页", "12", "3.5", "http://www.xianning.gov.cn/a.html", "t20230128_2941559.shtml",
    "来源:本站", "打印", "打印:本报告已于1月印发。", "湖北省人民政府", "咸宁市", "ＩＣＰ备０５号", "２、主动公开", "__", "",
    "五、存在的主要问题及改进情况", "😀表情", "\u3000\u3000正文。",
]


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=30)), max_size=40),
    seps=st.lists(st.sampled_from(["\n", "\r\n", "\r", " \r\n", "\r \n", "\u2028", "\x0c", "\x85", "\n\n"]), min_size=1),
)
def test_fast_normalize_text_equals_the_per_line_reference(lines, seps):
    text = "".join(line + seps[i % len(seps)] for i, line in enumerate(lines))
    assert normalize_text(text) == reference_normalize(text)
    assert normalize_text(text.rstrip()) == reference_normalize(text.rstrip())


@settings(max_examples=100, deadline=None)
@given(text=st.text())
def test_table_strip_equals_the_regex(text):
    assert neardup._strip(text) == neardup.NOT_WORD_KEEP_LINES.sub("", text)


def test_band_index_gives_the_candidates_of_datasketch_minhashlsh():
    """Signatures made of a small pool of band values, so that many share a band or several."""
    rng = np.random.default_rng(13)
    m = ReportMatcher()
    bands, rows = m._lsh_params
    pool = rng.integers(0, 2**32, size=(6, bands, rows), dtype=np.uint32)

    def sig() -> np.ndarray:
        hv = rng.integers(0, 2**32, size=64, dtype=np.uint32)
        for b in range(bands):
            if rng.random() < 0.15:
                hv[b * rows : (b + 1) * rows] = pool[rng.integers(0, len(pool)), b]
        return hv

    ours, theirs = neardup._Bands(bands, rows), MinHashLSH(num_perm=64, params=(bands, rows))
    sigs = np.array([sig() for _ in range(400)])
    for i, hv in enumerate(sigs):
        ours.insert(2022, i, ours.keys(hv))
        theirs.insert(i, LeanMinHash(seed=neardup.SEED, hashvalues=hv, scheme=neardup.SCHEME))
    assert ours.query(2023, ours.keys(sigs[0])).size == 0  # another year: another table
    shared = 0
    for hv in [*sigs[:50], *(sig() for _ in range(50))]:
        idx = ours.query(2022, ours.keys(hv))
        assert sorted(set(idx.tolist())) == sorted(theirs.query(LeanMinHash(seed=neardup.SEED, hashvalues=hv, scheme=neardup.SCHEME)))
        shared += len(idx) > 1
    assert shared > 20  # the test did exercise shared buckets


def test_a_band_hash_collision_is_no_candidate():
    bands = neardup._Bands(12, 5)
    a = np.arange(64, dtype=np.uint32)
    b = a.copy()
    b[7] += 1  # band 1 differs, the others do not
    assert [x == y for x, y in zip(bands.keys(a), bands.keys(b))] == [True, False] + [True] * 10
    bands.insert(2022, 0, bands.keys(a))
    assert sorted(bands.query(2022, bands.keys(b)).tolist()) == [0] * 11
    bands.insert(2022, 70000, bands.keys(b))
    assert sorted(bands.query(2022, bands.keys(b)).tolist()) == [0] * 11 + [70000] * 12
    other = a + 1000
    assert bands.query(2022, bands.keys(other)).size == 0
    idx = bands.query(2022, bands.keys(a))  # as if other's bands had hashed like a's
    assert not bands.share_band(np.array([a]) == other)[0] and bands.share_band(np.array([a]) == b)[0]
    assert set(idx.tolist()) == {0, 70000}


def test_band_hash_collisions_change_no_decision():
    """Every band of every signature hashed alike, so that every entry of the year is in the
    buckets: the decisions are those of the index without collisions (half-similar copies that
    share no band stay apart)."""
    rng = random.Random(5)
    lines = report(XN, 2022).splitlines()
    texts = ["\n".join([lines[0], *rng.sample(lines[1:], rng.randint(3, 12))]) for _ in range(40)]
    plain, collided = ReportMatcher(threshold=0.3), ReportMatcher(threshold=0.3)
    collided._bands.keys = lambda hv: [7] * collided._bands.bands
    decisions = []
    for k, text in enumerate(texts):
        c = cand(None, 2022, text, tables(received=3))
        a, b = plain.match(c), collided.match(c)
        assert a == b
        decisions.append(a is not None)
        plain.add(f"r{k}", c)
        collided.add(f"r{k}", c)
    assert any(decisions) and not all(decisions)
    # and the corpus holds pairs above the bar that share no band, which the collisions bring in
    sigs = plain._sigs[: len(plain)]
    assert any(
        np.count_nonzero(sigs[j] == sigs[i]) / 64 >= 0.3 and not plain._bands.share_band(sigs[j : j + 1] == sigs[i])[0]
        for i in range(len(sigs))
        for j in range(i)
    )


def test_quick_table_packing_equals_packing_by_shape():
    """The plan last used for the same row names fits, or the table is packed by its own shape:
    either way the very cells and layout of the shape-keyed plan (or of the generic walk)."""
    base = tables(received=12, issued=3, licensing=140)
    reordered = {k: dict(reversed(list(v.items()))) if isinstance(v, dict) else v for k, v in base.items()}
    reordered["applications"] = {r: dict(reversed(list(c.items()))) for r, c in reversed(list(base["applications"].items()))}
    fewer_cols = copy.deepcopy(base)
    del fewer_cols["applications"]["total"]["other_org"]
    other_col = copy.deepcopy(base)
    other_col["applications"]["total"]["someone"] = other_col["applications"]["total"].pop("other_org")
    scalar_row = copy.deepcopy(base)
    scalar_row["applications"]["total"] = 5
    nested = copy.deepcopy(base)
    nested["active_disclosure"]["fees"] = {"amount_10k_yuan": {"a": 1}}
    text_cell = copy.deepcopy(base)
    text_cell["applications"]["granted"]["total"] = "/"
    nulls = copy.deepcopy(base)
    nulls["applications"]["granted"]["total"] = None
    for values in (base, reordered, fewer_cols, base, other_col, scalar_row, base, nested, text_cell, nulls, base):
        t = neardup._tables(values)
        assert neardup._cells(t, quick=True) == neardup._cells(t, quick=False)
        layout, cells = neardup._cells(t, quick=False)
        generic_paths: list = []
        generic_cells: list = []
        for name in sorted(t):
            paths: list = []
            neardup._flatten(t[name], "", paths, generic_cells)
            generic_paths.append((name, tuple(paths)))
        if values is not nested:  # a nested cell is hashed whole by the plan, walked by the generic path
            assert (layout, cells) == (generic_paths, generic_cells)
    m = ReportMatcher()
    m.add("base", cand(XN, 2022, report(XN, 2022), base))
    assert m.match(cand(XN, 2022, report(XN, 2022), reordered)).basis == "values"
    assert m.match(cand(XN, 2022, report(XN, 2022), nulls)).basis == "cells"


def test_ties_go_to_the_earliest_entry():
    m = ReportMatcher()
    page = cand(None, 2022, report(XN, 2022), tables(received=3))
    m.add("first", page)
    m.add("second", copy.deepcopy(page))
    assert m.match(copy.deepcopy(page)).report_id == "first"
