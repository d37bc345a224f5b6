"""Issue 7: the portals beyond the seeds, each behaving as its CMS family does on real portals
(shared/spec/portals.md), seen through the proxy with a plain HTTP client."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from harvester.sandbox import Sandbox
from harvester.sandbox.portal import load_configs
from sandbox_helpers import cell_numbers, decode, expected_numbers, fetch, registry, report_html, sb  # noqa: F401

SEED_SITES = {"gx-bbwb", "gx-guigang", "gx-liuzhou-liunan", "hb-xianning-zwsjj", "qh-xining-jkq"}


def _html(sb, url, **kw):
    st, h, body = fetch(sb, url, **kw)
    assert st == 200, (url, st)
    return decode(h, body)


def _anchors(html: str, base: str) -> list[tuple[str, str]]:
    doc = lxml.html.fromstring(html)
    return [(urljoin(base, a.get("href")), (a.get("title") or a.text_content()).strip())
            for a in doc.iter("a") if a.get("href") and not a.get("href").startswith(("javascript:", "#"))]


# --- the set of portals ----------------------------------------------------------------------------
def test_twelve_more_portals_in_six_more_provinces(sb):
    new = {sid: s for sid, s in sb.truth.sites.items() if sid not in SEED_SITES}
    assert len(new) >= 12
    assert len({s["province"] for s in new.values()}) >= 6
    assert {"trs", "jcms", "vsb", "gkmlpt", "query"} <= {s["family"] for s in new.values()}
    assert {s["wall"] for s in new.values()} >= {"rs412", "jsl521"}
    assert any(s["ip_host"] for s in new.values())
    for s in new.values():              # every one: reports of several years, both templates, non-reports
        assert {2019, 2020, 2021, 2022, 2023} <= {r["year"] for r in s["reports"]}, s["site_id"]
        assert {"2019", "2021"} <= {r["format"] for r in s["reports"]}, s["site_id"]
        assert s["non_reports"], s["site_id"]
        assert len({r["style"] for r in s["reports"]}) >= 2, s["site_id"]


def test_registry_and_the_unregistered_portals(sb):
    t = sb.truth
    registered = {s["id"] for s in registry()}
    # gx-liuzhou-czj publishes its reports as files: crawled by tests/e2e/test_attachments_crawl.py
    # with a registry row of its own, kept out of the hand-made crawl (LibreOffice and OCR time)
    assert set(t.unregistered_sites) == {"qh-xining-xncz", "sd-jinan", "gx-liuzhou-czj"}
    assert not registered & set(t.unregistered_sites)
    xncz, jinan = t.site("qh-xining-xncz"), t.site("sd-jinan")
    assert xncz["family"] == "vsb" and xncz["columns"] == ["http://www.xncz.gov.cn/zfxxgk/zfxxgknb.htm"]
    assert jinan["homepage"] == "http://www.jinan.gov.cn/"


@pytest.mark.parametrize("site_id", sorted({c["id"] for c in load_configs()} - SEED_SITES))
def test_discovery_from_the_homepage(sb, site_id):
    """首页 → a link named 政府信息公开 → a link named …年报 / 年度报告 → the column."""
    site = sb.truth.site(site_id)
    home = _html(sb, site["homepage"])
    gk = [u for u, t in _anchors(home, site["homepage"]) if t == "政府信息公开"]
    assert site["gk_page"] in gk, gk
    gk_html = _html(sb, site["gk_page"])
    cols = [u for u, t in _anchors(gk_html, site["gk_page"]) if re.search(r"年报|年度报告", t)]
    assert site["columns"][0] in cols, (cols, site["columns"])


# --- TRS -----------------------------------------------------------------------------------------
def test_trs_one_based_look_alike_pager(sb):
    base = "http://www.km.gov.cn/zfxxgk/zfxxgknb/"
    t = sb.truth.site("yn-kunming")
    n = len(t["reports"]) + len(t["non_reports"]) + len(t["broken"])
    pages = -(-n // 5)
    assert f"createPageHTML('page_div', {pages}, 1, 'fg', 'shtml', {n})" in _html(sb, base + "fg.shtml")
    assert f"createPageHTML('page_div', {pages}, 2, 'fg', 'shtml', {n})" in _html(sb, base + "fg_2.shtml")
    assert f"createPageHTML('page_div', {pages}, {pages}, 'fg', 'shtml', {n})" in _html(sb, base + f"fg_{pages}.shtml")
    for absent in ("fg_1.shtml", f"fg_{pages + 1}.shtml", "", "index.shtml"):
        assert fetch(sb, base + absent)[0] == 404, absent
    trap = next(x for x in t["traps"] if x["kind"] == "one_based_pager")
    assert trap["absent"] == base + "fg_1.shtml" and trap["last"] == base + f"fg_{pages}.shtml"


def test_trs_stub_pages_past_the_end(sb):
    t = sb.truth.site("hb-xianan")
    trap = next(x for x in t["traps"] if x["kind"] == "stub_pages")
    assert fetch(sb, trap["last"])[0] == 200
    for u in (trap["first_stub"], trap["first_stub"].replace(".shtml", "9.shtml")):
        st, h, body = fetch(sb, u)
        assert st == 200 and 200 < len(body) < 400
        assert "shtml" not in decode(h, body).replace("index_", "")      # no article links


def test_trs_list_written_by_inline_script(sb):
    html = _html(sb, "https://www.sc.gov.cn/10462/zfxxgknb/")
    box = html.split('<ul class="list">')[1].split("</ul>")[0]
    assert "<a " not in box.replace("<a href='", "")                   # anchors only inside strings
    urls = re.findall(r'var url = "(\./\d{6}/t\d{8}_\d+\.shtml)";', box)
    assert len(urls) == 6 and 'url = "https://www.sc.gov.cn/10462/zfxxgknb/" + url.substring(2)' in box
    assert 'createPageHTML(' in html


def test_hubei_page_control_pager(sb):
    html = _html(sb, "http://www.xianning.gov.cn/xxgk/xxgknb/2022/szbm/")
    assert 'pageControl(2, 0, "index", "shtml", 4, "pages-nav")' in html
    assert 'pageControl(2, 1, "index", "shtml", 4, "pages-nav")' in _html(
        sb, "http://www.xianning.gov.cn/xxgk/xxgknb/2022/szbm/index_1.shtml")


def test_columns_split_by_year_and_by_body(sb):
    hub = _html(sb, "http://www.xianning.gov.cn/xxgk/xxgknb/")
    for y in (2024, 2023, 2022, 2021):
        for body, name in (("sz", "市政府"), ("szbm", "市直部门"), ("xsq", "县市区")):
            assert f'href="./{y}/{body}/"' in hub and f"{y}年度{name}" in hub
    assert 'href="./2020/"' in hub and 'href="./2019/"' in hub
    xianan = _html(sb, "https://www.xianan.gov.cn/zfxxgk/zfxxgknb/")
    for body, name in (("bj", "本级"), ("bm", "部门"), ("xzjd", "乡镇街道")):
        assert f'href="./{body}/"' in xianan and name in xianan
    js = _html(sb, "http://www.jiangsu.gov.cn/col/col76556/index.html")
    years = re.findall(r'<a href="/col/col(\d+)/index.html" target="_blank">(\d{4})年度</a>', js)
    assert [y for _, y in years] == ["2024", "2023", "2022", "2021", "2020", "2019"]
    agencies = {r["agency"] for r in sb.truth.site("hb-xianan")["reports"]}
    assert {"咸宁市咸安区人民政府", "咸宁市咸安区教育局", "咸宁市咸安区汀泗桥镇人民政府"} <= agencies


# --- 大汉 JCMS -------------------------------------------------------------------------------------
JX = "http://www.jiaxing.gov.cn"
JX_FORM = ("col=1&appid=1&webid=3109&path=/&columnid=1229566832&sourceContentType=1&unitid=7011385"
           "&webname=%E5%98%89%E5%85%B4%E5%B8%82%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0")


def _records(xml: str) -> list[str]:
    return re.findall(r'<record><!\[CDATA\[\s*<li><a href="([^"]+)"', xml)


def test_jcms_column_embeds_the_first_group_as_xml(sb):
    t = sb.truth.site("zj-jiaxing")
    n = len(t["reports"]) + len(t["non_reports"]) + len(t["broken"])
    html = _html(sb, JX + "/col/col1229566832/index.html")
    assert '<div id="7011385"><script type="text/xml"><datastore>' in html
    assert not [a for a in _anchors(html, JX) if "/art/" in a[0]]         # no anchors a parser sees
    assert len(_records(html)) == 15
    assert (f"$('#7011385').jpage({{totalRecord:{n}, perPage:5, groupSize:3, proxyUrl:'/module/web/jpage/"
            f"dataproxy.jsp', ajaxParam:{{col:1, appid:'1', webid:3109, path:'/', columnid:1229566832, "
            f"unitid:'7011385', webname:'嘉兴市人民政府', permissiontype:0}}}})") in html
    assert re.search(r"<nextgroup><!\[CDATA\[<a href=\"/module/web/jpage/dataproxy\.jsp\?page=4&", html)
    assert all(re.fullmatch(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_1229566832_\d+\.html", u) for u in _records(html))


def test_jcms_dataproxy_post_and_get(sb):
    t = sb.truth.site("zj-jiaxing")
    n = len(t["reports"]) + len(t["non_reports"]) + len(t["broken"])
    proxy = JX + "/module/web/jpage/dataproxy.jsp"
    first = _records(_html(sb, JX + "/col/col1229566832/index.html"))
    st, h, body = fetch(sb, proxy + "?startrecord=16&endrecord=30&perpage=5", data=JX_FORM.encode(),
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "X-Requested-With": "XMLHttpRequest"})
    xml = decode(h, body)
    assert st == 200 and "text/xml" in h["Content-Type"]
    assert f"<totalrecord>{n}</totalrecord>" in xml and f"<totalpage>{-(-n // 5)}</totalpage>" in xml
    second = _records(xml)
    assert second[0] == first[-1] and len(second) == 16     # the boundary record, once more
    trap = next(x for x in t["traps"] if x["kind"] == "repeated_record")
    assert trap["repeated_url"] == JX + first[-1]
    st, h, body = fetch(sb, proxy + "?startrecord=31&endrecord=45&perpage=5", data=JX_FORM.encode())
    third = _records(decode(h, body))
    assert len(third) == n - 30 and "<nextgroup><![CDATA[]]></nextgroup>" in decode(h, body)
    every = first + second[1:] + third
    linked = {r["url"] for r in t["reports"] + t["non_reports"] + t["broken"]}
    assert {JX + u for u in every} == linked and len(every) == n
    got = _records(_html(sb, t["list_pages"][1]))               # the GET form: ?page=4&...
    assert got == second                                     # the same group, the same repeat
    empty = decode(*fetch(sb, proxy + "?startrecord=1&endrecord=15&perpage=5", data=b"columnid=1")[1:])
    assert "<totalrecord>0</totalrecord>" in empty and not _records(empty)


def test_jcms_onclick_records_and_new_article_urls(sb):
    html = _html(sb, "http://www.jiangsu.gov.cn/col/col80541/index.html")
    opens = re.findall(r"<a href=\"javascript:void\(0\)\" onclick=\"window\.open\('(\.\./\.\./art/[^']+)'\)\"", html)
    assert len(opens) == 15
    target = urljoin("http://www.jiangsu.gov.cn/col/col80541/index.html", opens[0])
    assert re.fullmatch(r"http://www\.jiangsu\.gov\.cn/art/\d{4}/\d{1,2}/\d{1,2}/art_80541_\d+\.html", target)
    assert fetch(sb, target)[0] == 200
    new = [r["url"] for r in sb.truth.reports if "/col/col84582/" in r["column_url"]]
    assert new and all(re.fullmatch(r"http://www\.jiangsu\.gov\.cn/art/\d{4}/art_[0-9a-f]{32}\.html", u) for u in new)
    full = _html(sb, "http://www.jiangsu.gov.cn/col/col77130/index.html")
    assert '<li><a href="http://www.jiangsu.gov.cn/art/' in full


# --- 博达 VSB -------------------------------------------------------------------------------------
def test_vsb_pages_count_down(sb):
    t = sb.truth.site("qh-xining-xncz")
    n = len(t["reports"]) + len(t["non_reports"]) + len(t["broken"])
    m = -(-n // 5)
    base = "http://www.xncz.gov.cn/zfxxgk/"
    assert t["list_pages"] == [base + "zfxxgknb.htm"] + [base + f"zfxxgknb/{m - p + 1}.htm" for p in range(2, m + 1)]
    p1 = _html(sb, base + "zfxxgknb.htm")
    assert f"共{n}条&nbsp;&nbsp;1/{m}&nbsp;" in p1
    assert f'<a href="zfxxgknb/{m - 1}.htm" class="Next">下页</a>' in p1
    assert f'<a href="zfxxgknb/1.htm" class="Next">尾页</a>' in p1
    assert re.search(r'<a href="\.\./info/1103/\d+\.htm"', p1)
    last = _html(sb, base + "zfxxgknb/1.htm")
    assert f"共{n}条&nbsp;&nbsp;{m}/{m}&nbsp;" in last and re.search(r'<a href="\.\./\.\./info/1103/\d+\.htm"', last)
    assert '<a href="../zfxxgknb.htm" class="Next">首页</a>' in last
    assert fetch(sb, base + f"zfxxgknb/{m}.htm")[0] == 404        # page 1 has no numbered twin


def test_vsb_article_body_and_counters(sb):
    e = next(r for r in sb.truth.site("qh-xining-xncz")["reports"] if r["format"] == "2021")
    doc = lxml.html.fromstring(_html(sb, e["url"]))
    body = doc.cssselect("form[name=_newscontent_fromname] #vsb_content .v_news_content")
    assert len(body) == 1 and len(body[0].xpath(".//table")) >= 1
    assert cell_numbers(lxml.html.tostring(body[0], encoding="unicode")) == expected_numbers(e)
    assert '_showDynClicks("wbnews", 1457235611,' in _html(sb, e["url"])
    st, h, n = fetch(sb, "http://www.xncz.gov.cn/system/resource/code/news/click/dynclicks.jsp"
                         "?clickid=7931&owner=1457235611&clicktype=wbnews")
    assert st == 200 and n.decode().isdigit()


# --- gkmlpt ---------------------------------------------------------------------------------------
GD = "http://www.gd.gov.cn"


def test_gkmlpt_app_and_json_api(sb):
    t = sb.truth.site("gd-guangdong")
    index = _html(sb, GD + "/gkmlpt/index")
    assert "window._CONFIG = {\n  SID: '2',\n  TREE: [" in index
    tree = json.loads(re.search(r"TREE: (\[.*\])\n", index).group(1))
    assert {"id": 2806, "name": "政府信息公开年报", "parent": 0, "children": [], "jump_url": "",
            "post_count": len(t["reports"]) + len(t["non_reports"])} in tree
    assert not [a for a in _anchors(index, GD) if "/gkmlpt/content/" in a[0]]
    api = GD + "/gkmlpt/api/all/2806?page={}&sid=2"
    p0, p1 = fetch(sb, api.format(0)), fetch(sb, api.format(1))
    assert p0[0] == 200 and p0[2] == p1[2] and "json" in p0[1]["Content-Type"]
    d = json.loads(p1[2])
    assert d["total"] == d["classify"]["post_count"] == len(t["reports"]) + len(t["non_reports"])
    a = d["articles"][0]
    assert set(a) >= {"id", "title", "url", "post_url", "date", "publisher", "attachment",
                      "document_number", "identifier", "created_at", "display_publish_time",
                      "classify_main_name"}
    assert isinstance(a["date"], int)
    assert a["url"] == f"{GD}/gkmlpt/content/{a['id'] // 10**6}/{a['id'] // 10**3}/post_{a['id']}.html"
    every = [x["url"] for p in range(1, 4) for x in json.loads(fetch(sb, api.format(p))[2])["articles"]]
    assert set(every) == {r["url"] for r in t["reports"] + t["non_reports"]}
    assert json.loads(fetch(sb, api.format(9))[2])["articles"] == []
    assert json.loads(fetch(sb, GD + "/gkmlpt/api/all/2806?page=1&sid=755041")[2])["articles"] == []


def test_gkmlpt_article_body_only_in_the_script(sb):
    e = next(r for r in sb.truth.site("gd-guangdong")["reports"] if r["format"] == "2021")
    html = _html(sb, e["url"])
    doc = lxml.html.fromstring(html)
    for s in doc.iter("script"):
        s.drop_tree()
    visible = doc.text_content()
    assert "主动公开" not in visible and not cell_numbers(lxml.html.tostring(doc, encoding="unicode"))
    assert "\\u4e3b\\u52a8\\u516c\\u5f00" in html          # 主动公开, JSON-escaped
    assert cell_numbers(report_html(html)) == expected_numbers(e)


# --- a list only JavaScript renders ---------------------------------------------------------------
def test_js_array_list(sb):
    t = sb.truth.site("hi-haikou")
    assert t["needs_browser"] and t["list_links"] == "js_array"
    html = _html(sb, "http://www.haikou.gov.cn/info/iList.jsp?cat_id=10043")
    assert not [u for u, _ in _anchors(html, "http://www.haikou.gov.cn/") if "iInfo.jsp" in u]
    items = json.loads(re.search(r"var itemObj = (\[.*\]);", html).group(1))
    assert set(items[0]) == {"aT", "aPd", "aU"} and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", items[0]["aPd"])
    assert len(items) == 6
    past = _html(sb, "http://www.haikou.gov.cn/info/iList.jsp?cat_id=10043&cur_page=9")
    assert "var itemObj = [];" in past


# --- the pager that never ends, onclick links, the bare IP ----------------------------------------
YS = "http://61.166.150.123"


def test_endless_pager_repeats_the_last_page(sb):
    t = sb.truth.site("yn-yongsheng")
    trap = next(x for x in t["traps"] if x["kind"] == "endless_pager")
    last = trap["last_page"]
    col = trap["column_url"]
    def opens(u):
        return re.findall(r"window\.open\('([^']+)'\)", _html(sb, u))
    assert opens(f"{col}&page={last}") == opens(f"{col}&page={last + 3}") == opens(f"{col}&page=999")
    html = _html(sb, f"{col}&page={last + 3}")
    assert f'href="ShowClass.asp?ClassID=15&amp;page={last + 4}">下一页</a>' in html


def test_onclick_links_and_relative_paths(sb):
    html = _html(sb, YS + "/Article/ShowClass.asp?ClassID=15")
    opens = re.findall(r"<a href=\"javascript:void\(0\)\" onclick=\"window\.open\('(\.\./Article/ShowArticle\.asp\?ArticleID=\d+)'\)\"", html)
    assert len(opens) == 6
    assert fetch(sb, urljoin(YS + "/Article/ShowClass.asp?ClassID=15", opens[0]))[0] == 200
    st, h, body = fetch(sb, YS + "/Article/ShowArticle.asp?ArticleID=99999")
    assert st == 200 and "找不到指定的文章" in decode(h, body)           # soft not-found, as ASP answers


def test_bare_ip_host(sb):
    t = sb.truth.site("yn-yongsheng")
    assert t["ip_host"] and t["host"] == "61.166.150.123" and t["homepage"] == YS + "/"
    st, h, body = fetch(sb, YS + "/")
    assert st == 200 and h["Server"] == "Microsoft-IIS/6.0"
    import socket
    s = socket.create_connection(("127.0.0.1", sb.port), timeout=5)
    s.sendall(b"CONNECT 61.166.150.123:443 HTTP/1.1\r\nHost: 61.166.150.123:443\r\n\r\n")
    assert s.recv(100).startswith(b"HTTP/1.1 502")                   # http only
    s.close()


# --- encodings ------------------------------------------------------------------------------------
def test_gb2312_declared_gb18030_bytes(sb):
    t = sb.truth.site("ha-dengfeng")
    assert t["charset"] == {"bytes": "gb18030", "content_type": "text/html;charset=gb2312",
                            "header": "gb2312", "meta": "gb2312"}
    for ch in "䶮𠇔镕喆昇":
        with pytest.raises(UnicodeEncodeError):
            ch.encode("gb2312")
    texts = {}
    for e in t["reports"] + t["non_reports"]:
        st, h, body = fetch(sb, e["url"])
        assert h["Content-Type"] == "text/html;charset=gb2312"
        assert b'<META http-equiv="Content-Type" content="text/html; charset=gb2312">' in body
        texts[e["url"]] = body
    found = "".join(b.decode("gb18030") for b in texts.values())
    assert all(ch in found for ch in "䶮𠇔镕喆昇")
    bad = [u for u, b in texts.items() if not _decodes(b, "gb2312")]
    assert len(bad) >= 4 and [u for u in bad if not _decodes(texts[u], "gbk")]   # 䶮, 𠇔: not even GBK


def _decodes(b: bytes, enc: str) -> bool:
    try:
        b.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def test_header_charset_against_meta_tag(sb):
    t = sb.truth.site("yn-kunming")
    assert t["charset"] == {"bytes": "gbk", "content_type": "text/html; charset=GBK", "header": "GBK",
                            "meta": "utf-8"}
    st, h, body = fetch(sb, "http://www.km.gov.cn/zfxxgk/zfxxgknb/fg.shtml")
    assert h["Content-Type"] == "text/html; charset=GBK"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">' in body
    assert not _decodes(body, "utf-8") and "政府信息公开年报" in body.decode("gbk")   # the header is right


def test_no_charset_at_all(sb):
    t = sb.truth.site("yn-yongsheng")
    assert t["charset"]["header"] is None and t["charset"]["meta"] is None and t["charset"]["bytes"] == "gbk"
    for u in (YS + "/", YS + "/Article/ShowClass.asp?ClassID=15", t["reports"][0]["url"]):
        st, h, body = fetch(sb, u)
        assert h["Content-Type"] == "text/html" and b"charset" not in body.lower()
        assert not _decodes(body, "utf-8") and "永胜县" in body.decode("gbk")


def test_declares_gb2312_sends_utf8(sb):
    e = sb.truth.site("hi-haikou")["reports"][0]
    assert e["charset"] == {"bytes": "utf-8", "content_type": "text/html", "header": None, "meta": "gb2312"}
    st, h, body = fetch(sb, e["url"])
    assert h["Content-Type"] == "text/html"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in body
    assert e["title"] in body.decode("utf-8")
    assert e["title"] not in body.decode("gb18030", "replace")       # read as declared: garbage
    st, h, body = fetch(sb, "http://www.haikou.gov.cn/info/iList.jsp?cat_id=10043")
    assert b"charset=utf-8" in body                                   # the lists are right


# --- the walls (plain client side; the browser side is in test_sandbox_browser.py) -----------------
def test_walls_stop_a_plain_client(sb):
    import http.cookiejar
    import ssl
    import urllib.request
    for url, status, cookie_re in (("https://www.sc.gov.cn/10462/zfxxgknb/", 412, r"^\w{16}80S="),
                                   ("http://www.dengfeng.gov.cn/xxgk/zfxxgknb.htm", 521, r"^__jsluid_h=")):
        jar = http.cookiejar.CookieJar()
        op = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": sb.proxy_url, "https": sb.proxy_url}),
            urllib.request.HTTPSHandler(context=ssl._create_unverified_context()),
            urllib.request.HTTPCookieProcessor(jar))
        for _ in range(3):                   # keeping the cookies it is given does not help
            try:
                op.open(url, timeout=10)
                raise AssertionError(f"{url} answered a plain client")
            except urllib.error.HTTPError as e:
                assert e.code == status
                body = e.read().decode()
        assert any(re.match(cookie_re, f"{c.name}={c.value}") for c in jar)
        assert "<script" in body and "政府信息公开" not in body
        assert fetch(sb, url)[0] == 200                                  # with the earned cookie
    rs = sb.portal("sc-sichuan").wall
    assert re.search(r"\$_ts\.nsd=\d+;\$_ts\.cd=\"[0-9a-f]{16}\"", fetch(sb, "https://www.sc.gov.cn/", raw=True)[2].decode())
    assert fetch(sb, "https://www.sc.gov.cn" + rs.script, raw=True)[0] == 200          # its script
    # a cookie is worth nothing on another host, nor a made-up one
    assert fetch(sb, "http://www.dengfeng.gov.cn/", raw=True,
                 headers={"Cookie": rs.pass_cookie()})[0] == 521
    assert fetch(sb, "https://www.sc.gov.cn/", raw=True,
                 headers={"Cookie": f"{rs.prefix}S=abc; {rs.prefix}T=" + "0" * 32})[0] == 412


def test_walls_are_scoped_per_host():
    from harvester.sandbox.walls import RS412
    with Sandbox(sites=["sc-sichuan"]) as s:
        w = s.portal("sc-sichuan").wall

        class Other:
            host, cfg, scheme = "www.example.gov.cn", {}, "https"
        o = RS412(Other)
        o.secret = w.secret
        assert o.expected("same")[3] != w.expected("same")[3]


def test_truth_flags_the_browser_portals(sb):
    t = sb.truth
    assert set(t.browser_sites) == {"sc-sichuan", "ha-dengfeng", "hi-haikou", "gd-guangdong"}
    assert t.site("sc-sichuan")["wall"] == "rs412" and t.site("ha-dengfeng")["wall"] == "jsl521"
    assert all(r["needs_browser"] for sid in t.browser_sites for r in t.site(sid)["reports"])
    assert not t.site("zj-jiaxing")["needs_browser"] and not t.site("yn-yongsheng")["needs_browser"]


def test_every_source_answers(sb):
    """Every address the truth names for a report (linked or not) serves it."""
    for e in sb.truth.reports:
        f = e.get("file")  # a report published as a file (gx-liuzhou-czj)
        for s in e["sources"]:
            st, h, body = fetch(sb, s["url"])
            assert st == 200, s
            if s["kind"] == "attachment" or (f and s["url"] == f["url"]):
                assert body[:4] in (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0"), s
            elif f:  # a page saying 详见附件: its tables are in its file
                assert "详见附件" in decode(h, body), s
            elif urlsplit(s["url"]).hostname == urlsplit(e["url"]).hostname:
                assert cell_numbers(report_html(decode(h, body))) == expected_numbers(e) * (
                    2 if e["mirrored_copy_in_page"] and s["site_id"] == e["site_id"] else 1), s
