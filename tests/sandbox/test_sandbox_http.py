"""The sandbox as a crawler meets it: through the proxy, with a real HTTP client."""

from __future__ import annotations

import re
import socket
import ssl
import time
import urllib.robotparser

import pytest

from harvester.sandbox import Sandbox
from sandbox_helpers import decode, fetch, registry, sb  # noqa: F401  (sb is a fixture)


# --- the registry's portals ---------------------------------------------------------------------
def test_every_registry_site_has_a_portal(sb):
    for site in registry():
        assert site["id"] in sb.portals, site["id"]
        p = sb.portals[site["id"]]
        assert site["homepage"] == p.base + "/"
        assert site["columns"] == p.truth()["columns"]


@pytest.mark.parametrize("site", registry(), ids=lambda s: s["id"])
def test_homepage_and_columns_answer(sb, site):
    st, h, body = fetch(sb, site["homepage"])
    assert st == 200 and len(body) > 500
    for col in site["columns"]:
        st, h, body = fetch(sb, col)
        assert st == 200, col
        assert "text/html" in h["Content-Type"]


def test_gk_page_links_the_column(sb):
    for site in registry():
        t = sb.truth.site(site["id"])
        st, h, body = fetch(sb, t["gk_page"])
        assert st == 200
        html = decode(h, body)
        col_path = site["columns"][0].split(site["homepage"].rstrip("/"))[1]
        assert col_path.replace("&", "&amp;") in html or col_path in html


# --- pagination ---------------------------------------------------------------------------------
def test_list_pages_exist(sb):
    for sid, t in sb.truth.sites.items():
        for u in t["list_pages"]:
            st, _, body = fetch(sb, u)
            assert st == 200, u


def _html(sb, url):
    st, h, body = fetch(sb, url)
    assert st == 200, url
    return decode(h, body)


def test_trs_create_page_html_zero_based(sb):
    for base in ("http://www.liunan.gov.cn/xxgk/zfxxgknb/", "http://bbwb.gxzf.gov.cn/zfxxgk/zfxxgknb/"):
        assert 'createPageHTML(3, 0, "index", "shtml")' in _html(sb, base)
        assert 'createPageHTML(3, 1, "index", "shtml")' in _html(sb, base + "index_1.shtml")
        assert 'createPageHTML(3, 2, "index", "shtml")' in _html(sb, base + "index_2.shtml")
        assert fetch(sb, base + "index_3.shtml")[0] == 404


def test_guigang_split_column_and_count_page(sb):
    hub = _html(sb, "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/")
    for sub, name in (("ggsrmzf/", "市政府"), ("szbm/", "市直部门"), ("xsq/", "县（市、区）")):
        assert f'href="./{sub}"' in hub and name in hub
    base = "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/ggsrmzf/"
    for i, page in enumerate(("", "index_1.shtml", "index_2.shtml")):
        html = _html(sb, base + page)
        assert "var countPage = 3;" in html and f"var currentPage = {i};" in html
    assert fetch(sb, base + "index_3.shtml")[0] == 404
    xsq = _html(sb, "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/xsq/")
    assert "document.writeln" in xsq and 'var url = "./t' in xsq


def test_hubei_six_argument_pager(sb):
    base = "http://zwsjj.xianning.gov.cn/zwgk/xxgknb/"
    total = len(sb.truth.site("hb-xianning-zwsjj")["reports"]) + len(
        sb.truth.site("hb-xianning-zwsjj")["non_reports"])
    assert total == 27
    assert 'createPageHTML(3, 0, "index", "shtml", "black2", 27)' in _html(sb, base)
    assert 'createPageHTML(3, 2, "index", "shtml", "black2", 27)' in _html(sb, base + "index_2.shtml")


def test_php_pager(sb):
    base = "https://jkq.xining.gov.cn/index.php?c=category&id=22"
    p1 = _html(sb, base)
    assert "上一页" in p1 and "下一页" in p1 and "page=2" in p1 and "page=3" in p1
    p3 = _html(sb, base + "&page=3")
    assert "page=2" in p3 and "c=show" in p3
    past = _html(sb, base + "&page=4")         # PHP lists answer 200, empty, past the end
    assert "c=show" not in past


# --- encodings ----------------------------------------------------------------------------------
def test_gbk_portal(sb):
    st, h, body = fetch(sb, "https://jkq.xining.gov.cn/index.php?c=show&id=115")
    assert st == 200
    assert h["Content-Type"].lower().endswith("charset=gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("gbk")
    assert '<meta charset="gbk">' in text
    assert "行政规范性文件" in text and "西宁经济技术开发区" in text


def test_charset_header_as_the_portal_sends_it(sb):
    _, h, _ = fetch(sb, "http://www.liunan.gov.cn/xxgk/zfxxgknb/")
    assert h["Content-Type"] == "text/html"                      # only the meta tag says utf-8
    _, h, _ = fetch(sb, "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/")
    assert h["Content-Type"] == "text/html; charset=utf-8"


# --- errors -------------------------------------------------------------------------------------
def test_404_and_500_links(sb):
    broken = sb.truth.broken
    assert {b["status"] for b in broken} == {404, 500}
    for b in broken:
        assert fetch(sb, b["url"])[0] == b["status"]
        list_html = "".join(_html(sb, u) for u in sb.truth.site(b["site_id"])["list_pages"])
        assert b["url"].rsplit("/", 1)[1] in list_html          # linked from the column
    assert fetch(sb, "http://www.liunan.gov.cn/no/such/page.shtml")[0] == 404
    assert fetch(sb, "https://jkq.xining.gov.cn/no-such.html")[0] == 404


def test_unknown_host_is_502_quickly(sb):
    t0 = time.time()
    assert fetch(sb, "http://www.nosuchportal.gov.cn/")[0] == 502
    assert time.time() - t0 < 0.5


def test_directory_without_slash_redirects(sb):
    st, h, _ = fetch(sb, "http://www.liunan.gov.cn/xxgk/zfxxgknb", follow=False)
    assert st == 301 and h["Location"] == "http://www.liunan.gov.cn/xxgk/zfxxgknb/"


def test_http_to_https_redirect(sb):
    st, h, _ = fetch(sb, "http://jkq.xining.gov.cn/index.php?c=show&id=115", follow=False)
    assert st == 301 and h["Location"] == "https://jkq.xining.gov.cn/index.php?c=show&id=115"


# --- CONNECT and TLS ----------------------------------------------------------------------------
def _connect(sb, target: str) -> tuple[socket.socket, bytes]:
    s = socket.create_connection(("127.0.0.1", sb.port), timeout=5)
    s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return s, buf


def test_connect_tunnel_and_tls(sb):
    s, head = _connect(sb, "jkq.xining.gov.cn:443")
    assert head.startswith(b"HTTP/1.1 200")
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with ctx.wrap_socket(s, server_hostname="jkq.xining.gov.cn") as tls:
        der = tls.getpeercert(binary_form=True)
        from cryptography import x509
        cert = x509.load_der_x509_certificate(der)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.DNSName) == ["jkq.xining.gov.cn"]  # its own host only, as real portals
        tls.sendall(b"GET /index.php?c=show&id=115 HTTP/1.1\r\nHost: jkq.xining.gov.cn\r\n"
                    b"Connection: close\r\n\r\n")
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 200")
    assert "政府信息公开".encode("gbk") in data
    log = sb.request_log.snapshot()
    assert any(r["method"] == "CONNECT" and r["host"] == "jkq.xining.gov.cn" for r in log)
    assert any(r["url"] == "https://jkq.xining.gov.cn/index.php?c=show&id=115" for r in log)


def test_connect_refused_for_unknown_or_http_only_hosts(sb):
    for target in ("www.nosuchportal.gov.cn:443", "www.liunan.gov.cn:443"):
        s, head = _connect(sb, target)
        s.close()
        assert head.startswith(b"HTTP/1.1 502"), target


def test_https_through_urllib(sb):
    st, h, body = fetch(sb, "https://jkq.xining.gov.cn/")
    assert st == 200 and "gbk" in h["Content-Type"]


# --- conditional requests -------------------------------------------------------------------------
def test_etag_last_modified_and_304(sb):
    url = sb.truth.by_seed("002_3a633730e86d03e4.txt")["url"]
    st, h, body = fetch(sb, url)
    assert st == 200 and h["ETag"] and h["Last-Modified"]
    assert h["Last-Modified"] == "Tue, 30 Jan 2024 09:05:00 GMT"      # 2024-01-30 17:05 +08:00
    assert fetch(sb, url, {"If-None-Match": h["ETag"]})[0] == 304
    assert fetch(sb, url, {"If-Modified-Since": h["Last-Modified"]})[0] == 304
    assert fetch(sb, url, {"If-None-Match": '"0-0"'})[0] == 200
    assert fetch(sb, url, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    st, h, _ = fetch(sb, "http://www.liunan.gov.cn/xxgk/zfxxgknb/")
    assert "ETag" not in h                                            # SSI list pages: none
    st, h, _ = fetch(sb, "https://jkq.xining.gov.cn/index.php?c=show&id=115")
    assert "ETag" not in h and "Last-Modified" not in h               # PHP sends none


# --- robots.txt ---------------------------------------------------------------------------------
def test_robots_allow_the_columns(sb):
    for sid, t in sb.truth.sites.items():
        st, h, body = fetch(sb, f"{t['scheme']}://{t['host']}/robots.txt")
        assert st == 200 and h["Content-Type"].startswith("text/plain")
        rp = urllib.robotparser.RobotFileParser()
        rp.parse(body.decode().splitlines())
        assert "Disallow:" in body.decode()
        for u in t["columns"] + t["list_pages"] + [r["url"] for r in t["reports"]]:
            assert rp.can_fetch("gov-report-harvester", u), u
        for line in body.decode().splitlines():
            if line.startswith("Disallow:"):
                path = line.split(":", 1)[1].strip()
                assert not rp.can_fetch("gov-report-harvester", f"{t['scheme']}://{t['host']}{path}x")


# --- other ways in ------------------------------------------------------------------------------
def test_plain_request_with_host_header(sb):
    s = socket.create_connection(("127.0.0.1", sb.port), timeout=5)
    s.sendall(b"GET /xxgk/zfxxgknb/index_1.shtml HTTP/1.1\r\nHost: www.liunan.gov.cn\r\n"
              b"Connection: close\r\n\r\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.1 200") and b"createPageHTML(3, 1" in data
    import urllib.request
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(f"http://127.0.0.1:{sb.port}/", timeout=5) as r:
        assert b"www.liunan.gov.cn" in r.read()


def test_keep_alive_serves_several_requests(sb):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    for u in ("http://www.liunan.gov.cn/", "http://www.liunan.gov.cn/xxgk/",
              "http://www.gxgg.gov.cn/zfxxgk/"):
        c.request("GET", u)
        r = c.getresponse()
        assert r.status == 200 and r.read()
    c.close()


def test_head(sb):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    c.request("HEAD", "http://www.liunan.gov.cn/")
    r = c.getresponse()
    assert r.status == 200 and int(r.getheader("Content-Length")) > 0 and r.read() == b""
    c.close()


# --- start-up and the slow host -------------------------------------------------------------------
def test_starts_fast_and_stops():
    t0 = time.time()
    with Sandbox() as s:
        assert time.time() - t0 < 1.0
        assert s.proxy_url == f"http://127.0.0.1:{s.port}"
        assert fetch(s, "http://bbwb.gxzf.gov.cn/")[0] == 200
    assert time.time() - t0 < 3.0


def test_slow_host():
    with Sandbox(sites=["qh-xining-jkq"]) as s:
        t0 = time.time()
        assert fetch(s, "https://jkq.xining.gov.cn/index.php?c=category&id=22")[0] == 200
        assert 1.3 < time.time() - t0 < 5
        t0 = time.time()
        assert fetch(s, "https://jkq.xining.gov.cn/index.php?c=show&id=115")[0] == 200
        assert time.time() - t0 < 1.0


def test_request_log_records(sb):
    fetch(sb, "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/szbm/")
    rec = [r for r in sb.request_log.snapshot()
           if r["url"] == "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/szbm/"][-1]
    assert set(rec) >= {"method", "url", "host", "status", "time"}
    assert rec["method"] == "GET" and rec["host"] == "www.gxgg.gov.cn" and rec["status"] == 200
    assert re.match(r"^\d+\.\d+$", str(rec["time"]))


def test_php_soft_missing_page(sb):
    st, h, body = fetch(sb, "https://jkq.xining.gov.cn/index.php?c=show&id=99999")
    assert st == 200 and "不存在" in decode(h, body)          # a soft 404, as PHP sites answer
