"""Issue 4: one report, many addresses. The truth names every copy of a report (its canonical
URL and all its sources with their kind); the pages behind them are served and agree."""

from __future__ import annotations

import difflib
import io
import re
import zipfile

import lxml.html

from sandbox_helpers import cell_numbers, decode, expected_numbers, fetch, report_html, sb  # noqa: F401

ZWSJJ = "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/202301/t20230128_2941559.shtml"
CITY_COPY = "http://www.xianning.gov.cn/xxgk/xxgknb/2022/szbm/202301/t20230128_2941538.shtml"


def _kinds(e) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in e["sources"]:
        out.setdefault(s["kind"], []).append(s["url"])
    return out


def _nums(sb, url):
    st, h, body = fetch(sb, url)
    assert st == 200, url
    return cell_numbers(report_html(decode(h, body)))


def pdf_text(data: bytes) -> str:
    """The text of a sandbox PDF (its strings are UCS-2 hex under a CID font)."""
    return "\n".join(bytes.fromhex(h).decode("utf-16-be") for h in re.findall(rb"<([0-9A-F]+)> Tj", data)
                     for h in [h.decode()])


def check_pdf(data: bytes):
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)", data).group(1))
    assert data[xref:xref + 4] == b"xref"
    offsets = [int(x) for x in re.findall(rb"(\d{10}) 00000 n ", data)]
    for n, off in enumerate(offsets, 1):
        assert data[off:].startswith(b"%d 0 obj" % n)


def docx_xml(data: bytes) -> str:
    z = zipfile.ZipFile(io.BytesIO(data))
    assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= set(z.namelist())
    return z.read("word/document.xml").decode("utf-8")


def docx_cells(xml: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<w:tc>(.*?)</w:tc>", xml)]


# --- in-page copy, mobile twin, print view ----------------------------------------------------------
def test_in_page_copy_and_mobile_twin(sb):
    e = sb.truth.by_seed("002_3a633730e86d03e4.txt")
    assert e["mirrored_copy_in_page"] and _kinds(e) == {"canonical": [e["url"]]}
    e = sb.truth.by_url(ZWSJJ)
    assert _kinds(e)["mobile_twin"] == [ZWSJJ.replace(".shtml", "_app.shtml")]


def test_print_view(sb):
    for e in sb.truth.site("yn-yongsheng")["reports"]:
        pv = _kinds(e)["print_view"]
        assert pv == [e["url"].replace("ShowArticle.asp", "Print.asp")] and pv[0] in e["mirrors"]
        page = decode(*fetch(sb, e["url"])[1:])
        assert 'href="' + pv[0].split("61.166.150.123")[1] + '" target="_blank">打印此文</a>' in page
        assert _nums(sb, pv[0]) == _nums(sb, e["url"]) == expected_numbers(e)
        assert "onload=\"window.print()\"" in decode(*fetch(sb, pv[0])[1:])


# --- http and https ----------------------------------------------------------------------------------
def test_one_host_both_schemes(sb):
    t = sb.truth.site("hb-xianan")
    assert t["schemes"] == ["https", "http"]
    for e in t["reports"]:
        twin = _kinds(e)["scheme_twin"]
        assert twin == [e["url"].replace("https://", "http://")]
        st1, h1, b1 = fetch(sb, e["url"])
        st2, h2, b2 = fetch(sb, twin[0], follow=False)
        assert st1 == st2 == 200 and b1 == b2                               # no redirect either way
    linked = [e for e in t["reports"] if any(s["kind"] == "scheme_twin" and s["linked"] for s in e["sources"])]
    assert len(linked) == 1
    home = decode(*fetch(sb, "https://www.xianan.gov.cn/")[1:])
    assert f'href="{linked[0]["url"].replace("https://", "http://")}"' in home
    assert linked[0]["mirrors"] == [linked[0]["url"].replace("https://", "http://")]


# --- directory page vs index.shtml -------------------------------------------------------------------
def test_directory_and_its_index_file(sb):
    e = next(r for r in sb.truth.site("yn-kunming")["reports"] if r["url"].endswith("/2023ndbg/"))
    alias = e["url"] + "index.shtml"
    assert _kinds(e)["directory_index"] == [alias] and e["canonical_url"] == e["url"]
    assert fetch(sb, e["url"])[2] == fetch(sb, alias)[2]
    st, h, _ = fetch(sb, e["url"].rstrip("/"), follow=False)
    assert st == 301 and h["Location"] == e["url"]
    lst = decode(*fetch(sb, "http://www.km.gov.cn/zfxxgk/zfxxgknb/fg.shtml")[1:])
    home = decode(*fetch(sb, "http://www.km.gov.cn/")[1:])
    assert 'href="./2023ndbg/"' in lst and f'href="{alias}"' in home


# --- a tracking query string ------------------------------------------------------------------------
def test_tracking_query_in_the_list(sb):
    e = next(r for r in sb.truth.site("hb-xianan")["reports"]
             if any(s["kind"] == "tracking_query" for s in r["sources"]))
    tracked = _kinds(e)["tracking_query"][0]
    assert tracked == e["url"] + "?from=singlemessage&isappinstalled=0"
    assert e["canonical_url"] == e["url"] and "?" not in e["url"]
    lst = decode(*fetch(sb, e["column_url"])[1:])
    rel = "./" + e["url"].split("/bj/")[1]
    assert f'href="{rel}?from=singlemessage&amp;isappinstalled=0"' in lst and f'href="{rel}"' not in lst
    assert fetch(sb, tracked)[2] == fetch(sb, e["url"])[2]
    assert sb.truth.by_url(tracked)["url"] == e["url"]


# --- the same report re-posted on the parent portal ----------------------------------------------------
def test_bureau_report_reposted_on_the_city_portal(sb):
    orig, copy = sb.truth.by_url(ZWSJJ), sb.truth.by_url(CITY_COPY)
    assert copy["url"] == CITY_COPY and copy["site_id"] == "hb-xianning"
    assert copy["repost_of"] == ZWSJJ and copy["canonical_url"] == orig["canonical_url"] == ZWSJJ
    assert copy["report_key"] == orig["report_key"] == "咸宁市政务服务和大数据管理局|2022"
    for k in ("active_disclosure", "applications", "reviews_litigation", "year", "agency", "format"):
        assert copy[k] == orig[k], k
    assert orig["seed"] == "003_5ddfc993aefd2777.txt" and copy["seed"] is None
    assert orig["sources"] == copy["sources"]
    assert {(s["url"], s["kind"]) for s in orig["sources"]} == {
        (ZWSJJ, "canonical"), (ZWSJJ.replace(".shtml", "_app.shtml"), "mobile_twin"), (CITY_COPY, "repost")}
    a, b = decode(*fetch(sb, ZWSJJ)[1:]), decode(*fetch(sb, CITY_COPY)[1:])
    assert _nums(sb, ZWSJJ) == _nums(sb, CITY_COPY) == expected_numbers(orig)
    assert "/css/xianning.css" in a and "/css/main.css" in b and "相关文档" not in b  # other chrome
    assert 'class="MsoNormalTable"' in b and 'class="MsoNormalTable"' not in a     # other table markup
    hub = decode(*fetch(sb, "http://www.xianning.gov.cn/xxgk/xxgknb/2022/szbm/")[1:])
    assert 'href="./202301/t20230128_2941538.shtml"' in hub
    assert {r["url"] for r in sb.truth.same_report(CITY_COPY)} == {ZWSJJ, CITY_COPY}


def test_district_report_reposted_on_the_city_portal(sb):
    copy = next(r for r in sb.truth.site("hb-xianning")["reports"] if r["agency"] == "咸宁市咸安区人民政府")
    orig = sb.truth.by_url(copy["repost_of"])
    assert orig["site_id"] == "hb-xianan" and "/2023/xsq/" in copy["url"]
    assert copy["canonical_url"] == orig["url"] and orig["sources"] == copy["sources"]
    assert {s["kind"] for s in orig["sources"]} == {"canonical", "scheme_twin", "repost"}
    assert _nums(sb, orig["url"]) == _nums(sb, copy["url"]) == expected_numbers(orig)


# --- a file of the same report beside its page --------------------------------------------------------
def test_pdf_attachment_beside_the_page(sb):
    for site, ext in (("gd-guangdong", "pdf"), ("yn-kunming", "pdf")):
        e = next(r for r in sb.truth.site(site)["reports"] if "attachment" in _kinds(r))
        (src,) = [s for s in e["sources"] if s["kind"] == "attachment"]
        assert src["mime"] == "application/pdf" and src["url"].endswith(".pdf")
        st, h, data = fetch(sb, src["url"])
        assert st == 200 and h["Content-Type"] == "application/pdf"
        check_pdf(data)
        text = pdf_text(data)
        assert e["title"] in text or e["list_title"] in text
        nums = [int(v) for v in expected_numbers(e) if float(v).is_integer() and v > 99]
        assert nums and all(str(n) in text for n in nums)
        page = report_html(decode(*fetch(sb, e["url"])[1:]))
        assert src["url"].rsplit("/", 1)[1] in page                          # linked as 附件
    api = fetch(sb, "http://www.gd.gov.cn/gkmlpt/api/all/2806?page=1&sid=2")[2].decode()
    assert '"mime":"application\\/pdf"' in api                                  # and in the list API


def test_word_attachment_beside_the_page(sb):
    for site in ("qh-xining-xncz", "zj-jiaxing"):
        e = next(r for r in sb.truth.site(site)["reports"] if "attachment" in _kinds(r))
        (src,) = [s for s in e["sources"] if s["kind"] == "attachment"]
        assert src["mime"].endswith("wordprocessingml.document")
        st, h, data = fetch(sb, src["url"])
        assert st == 200 and data.startswith(b"PK\x03\x04")
        xml = docx_xml(data)
        assert xml.count("<w:tbl>") == 3 and "w:gridSpan" in xml and 'w:vMerge w:val="restart"' in xml
        cells = docx_cells(xml)
        nums = [float(c) for c in cells if re.fullmatch(r"-?\d+(\.\d+)?", c)]
        assert nums == expected_numbers(e)
        page = decode(*fetch(sb, e["url"])[1:])
        assert src["url"].split("/", 3)[3].replace("&", "&amp;") in page and "附件" in page
    st, h, _ = fetch(sb, _kinds(next(r for r in sb.truth.site("qh-xining-xncz")["reports"]
                                    if "attachment" in _kinds(r)))["attachment"][0])
    assert h["Content-Type"] == "application/octet-stream" and "attachment;" in h["Content-Disposition"]


# --- a corrected re-post: a new version -------------------------------------------------------------
def test_corrected_repost_is_a_new_version(sb):
    t = sb.truth.site("zj-jiaxing")
    vs = [r for r in t["reports"] if r["report_key"] == "嘉兴市发展和改革委员会|2023"]
    old, new = sorted(vs, key=lambda r: r["version"])
    assert (old["version"], new["version"]) == (1, 2)
    assert not old["current"] and new["current"]
    assert old["superseded_by"] == new["url"] and new["supersedes"] == old["url"]
    assert old["versions"] == new["versions"] == [
        {"url": old["url"], "date": "2024-01-22", "title": old["list_title"], "current": False},
        {"url": new["url"], "date": "2024-02-06", "title": new["list_title"], "current": True}]
    assert new["list_title"].endswith("（更正）")
    diff = [(k, m) for k in old["active_disclosure"] for m in old["active_disclosure"][k]
            if old["active_disclosure"][k][m] != new["active_disclosure"][k][m]]
    assert diff == [("licensing", "decisions"), ("penalty", "decisions")]
    assert old["applications"] == new["applications"] and old["reviews_litigation"] == new["reviews_litigation"]
    assert _nums(sb, old["url"]) == expected_numbers(old) and _nums(sb, new["url"]) == expected_numbers(new)
    chain = [r for r in t["reports"] if r["agency"] == "嘉兴市发展和改革委员会" and r["year"] == 2024]
    assert chain[0]["applications"]["carried_over"] == new["applications"]["carried_forward"]


# --- look-alikes: the same words, different reports --------------------------------------------------
def test_shared_boilerplate_is_not_the_same_report(sb):
    t = sb.truth.site("hb-xianan")
    a, b = [r for r in t["reports"] if r["lookalikes"]]
    assert a["lookalikes"] == [b["url"]] and b["lookalikes"] == [a["url"]]
    assert a["report_key"] != b["report_key"] and a["agency"] != b["agency"] and a["year"] == b["year"]
    for k in ("active_disclosure", "applications", "reviews_litigation"):
        assert a[k] == b[k]
    assert set(expected_numbers(a)) == {0.0}
    texts = []
    for r in (a, b):
        doc = lxml.html.fromstring(decode(*fetch(sb, r["url"])[1:]))
        body = doc.cssselect(".trs_editor_view")[0].text_content()
        texts.append(re.sub(r"\s+", "", body))
    ratio = difflib.SequenceMatcher(None, *texts, autojunk=False).ratio()
    assert 0.9 < ratio < 1.0
    assert "汀泗桥镇" in texts[0] + texts[1] and "向阳湖镇" in texts[0] + texts[1]
    assert not set(s["url"] for s in a["sources"]) & set(s["url"] for s in b["sources"])
