"""The national sandbox (harvester/sandbox/national.py): a generated portal for every registry host.

Held to its truth the way a crawler would meet it: column pages read with the family spiders'
own pure helpers (spiders/families/*.py), report pages parsed with harvester.report.parse,
faults met through the proxy. Sites are picked from the registry by what they exercise (a
family, a pager, a fault), so the tests follow the generator's mix rather than fixed ids.
"""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.parse
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector

from harvester import discover
from harvester.report import looks_like_report_title, parse
from harvester.sandbox import Sandbox
from harvester.sandbox.national import NationalWeb, RegistryError, load_rows, main as national_main
from harvester.sandbox.portal import load_configs
from sandbox_helpers import REPO, decode, fetch
from spiders.base import NEXT_PAGE_TEXT, clean, link_target, resolve
from harvester.report import gkmlpt as GP
from spiders.families import gkmlpt as G
from spiders.families import jcms as J
from spiders.families import scriptlist as S
from spiders.families import trs as T
from spiders.families import vsb as V

HAND = {c["host"]: c["id"] for c in load_configs()}


@pytest.fixture(scope="module")
def nsb():
    with Sandbox(national=True) as sb:
        yield sb


@pytest.fixture(scope="module")
def picks(nsb) -> dict[str, str]:
    """A registry id for each thing to exercise (the first row that has it)."""
    web = nsb.national
    want = {
        "trs": lambda c: c["family"] == "trs",
        "trs_http": lambda c: c["family"] == "trs" and c["scheme"] == "http" and not c.get("also_schemes"),
        "trs_countPage": lambda c: _pager(c) == "countPage",
        "trs_pageControl": lambda c: _pager(c) == "pageControl",
        "trs_createPageHTML6": lambda c: _pager(c) == "createPageHTML6",
        "trs_page_div": lambda c: _pager(c) == "page_div",
        "trs_script_list": lambda c: any(col.get("list_mode") == "script" for col in c["columns"]),
        "trs_split": lambda c: c["family"] == "trs" and c["national"].get("split"),
        "trs_twins": lambda c: c.get("app_twins") and c["columns"],
        "jcms": lambda c: c["family"] == "jcms" and len(_items(c)) > 3 * _per(c),
        "jcms_split": lambda c: c["family"] == "jcms" and c["national"].get("split"),
        "jcms_onclick": lambda c: c["family"] == "jcms" and _href(c) == "onclick",
        "jcms_full": lambda c: c["family"] == "jcms" and _href(c) == "full",
        "vsb": lambda c: c["family"] == "vsb" and not c.get("vsb_old"),
        "vsb_gbk": lambda c: c["family"] == "vsb" and c.get("vsb_old"),
        "gkmlpt": lambda c: c["family"] == "gkmlpt" and len(_items(c)) > 20,
        "gkmlpt_copy": lambda c: c["family"] == "gkmlpt" and c.get("portal_copy"),
        "scriptlist": lambda c: c["national"]["family"] == "scriptlist" and len(_items(c)) > 20,
        "generic": lambda c: c["national"]["family"] == "generic" and len(_items(c)) > 20,
        "generic_gbk": lambda c: c["national"]["family"] == "generic" and c["encoding"] == "gbk",
        "homepage": lambda c: c["national"]["found_via"] == "homepage",
        "disclosure_page": lambda c: c["national"]["found_via"] == "disclosure_page",
        "common_path": lambda c: c["national"]["found_via"] == "common_path",
        "unlinked": lambda c: c["national"]["found_via"] == "unlinked",
        "absent": lambda c: c["national"]["found_via"] == "absent",
        "https_redirect": lambda c: c["national"]["https_redirect"],
        "both_schemes": lambda c: c.get("also_schemes"),
        "crawl_delay": lambda c: c["national"]["crawl_delay"],
    }
    faults = ["dead_dns", "dead_reset", "moved", "flaky", "server_error", "slow"]
    out: dict[str, str] = {}
    for rid in web.rows:
        if rid in web.skipped:
            continue
        c = web.config(rid)
        nat = c["national"]
        if nat["fault"] in faults and nat["fault"] not in out and nat["found_via"] not in ("unlinked", "absent"):
            out[nat["fault"]] = rid
        if nat["wall"] and f"wall_{nat['wall']}" not in out and nat["found_via"] not in ("unlinked", "absent"):
            out[f"wall_{nat['wall']}"] = rid
        if nat["fault"] or nat["wall"]:
            continue
        healthy_column = nat["found_via"] not in ("unlinked", "absent")
        for name, pred in want.items():
            if name not in out and (healthy_column or name in ("unlinked", "absent")) and pred(c):
                out[name] = rid
        if len(out) == len(want) + len(faults) + 2:
            break
    return out


def _cols(c):
    return [col for col in c["columns"] if not col.get("hub")]


def _items(c):
    return [i for col in _cols(c) for i in col["items"]]


def _pager(c):
    return c["family"] == "trs" and c["columns"] and _cols(c)[0]["pager"]


def _per(c):
    return _cols(c)[0].get("per_page", 15) if c["columns"] else 0


def _href(c):
    return _cols(c)[0].get("href_style") if c["columns"] else None


# --- a reader of lists built from the family spiders' pure helpers ---------------------------------
def _anchors(text: str, base: str) -> list[dict]:
    sel = Selector(text=text)
    out = []
    for a in sel.xpath("//a[@href or @onclick]"):
        href = link_target(a)
        if not href:
            continue
        title = clean(a.attrib.get("title")) or clean(" ".join(a.css("::text").getall()))
        out.append({"url": resolve(base, href), "title": title})
    return out


def _get(proxy, url, **kw):
    status, headers, body = fetch(proxy, url.split("#")[0], **kw)
    return status, headers, body


def walk(proxy: str, site: dict) -> dict[str, str]:
    """Every entry (URL → title) the portal's annual-report column lists, read as its family's
    spider reads it: TRS pager scripts, VSB counting-down pages, JCMS datastores and proxy groups,
    the gkmlpt JSON API, script-written records, 下一页 pagers, sub-columns by body."""
    fam, column = site["family"], site["column_url"]
    prefix = urlsplit(column).path.rsplit("/", 1)[0] + "/"
    queue, seen, entries = [column], set(), {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if isinstance(url, tuple):                     # a JCMS proxy group: (url, form)
            status, headers, body = _get(proxy, url[0], data=urllib.parse.urlencode(url[1]).encode(),
                                         headers={"X-Requested-With": "XMLHttpRequest"})
            assert status == 200, url
            for frag in J.records(decode(headers, body)):
                for e in J.fragment_entries(frag, url[2]):
                    entries[e["url"]] = e["title"]
            continue
        status, headers, body = _get(proxy, url)
        assert status == 200, (url, status)
        text = decode(headers, body)
        if fam == "gkmlpt":
            if "/api/all/" in url:
                data = json.loads(text)
                for a in data["articles"]:
                    e = G.article_entry(a, url)
                    entries[e["url"]] = e["title"]
                page = int(dict(urllib.parse.parse_qsl(urlsplit(url).query))["page"])
                if data["articles"] and page * 20 < data["total"]:
                    queue.append(url.replace(f"page={page}", f"page={page + 1}"))
            else:
                sid = G.SID.search(text).group(1)
                cat = urlsplit(url).fragment or urlsplit(column).fragment
                cats = [cat] if cat else [n["id"] for n in G.tree_categories(S.assigned_literal(text, "TREE"))]
                queue += [G.api_url(url, c, sid, 1) for c in cats]
            continue
        scripts = S.inline_scripts(text)
        found = _anchors(text, url) + S.script_entries(scripts, url)
        if fam == "jcms":
            recs = J.records(text)
            for frag in recs:
                found += list(J.fragment_entries(frag, url))
            for cfg in J.jpage_configs(text):
                proxy_url = urljoin(url, cfg["proxyUrl"])
                per, gs = int(cfg["perPage"]), int(cfg["groupSize"])
                for start, end in J.groups(int(cfg["totalRecord"]), per, gs, len(recs)):
                    queue.append((f"{proxy_url}?startrecord={start}&endrecord={end}&perpage={per}",
                                  tuple(J.proxy_form(cfg["ajaxParam"]).items()), url))
        for e in found:
            entries.setdefault(e["url"], e["title"])
        if fam == "trs":
            queue += [urljoin(url, n) for n in T.pager_pages("\n".join(scripts), url)]
        elif fam == "vsb":
            where = V.pager_position(" ".join(Selector(text=text).xpath(
                "//body//text()[not(ancestor::script)]").getall()))
            if where:
                link = next((e["url"] for e in _anchors(text, url) if re.search(r"/\d+\.htm$", e["url"])
                             and "/info/" not in e["url"]), None)
                queue += V.list_pages(url, where[1], where[2], link)
        else:
            queue += [e["url"] for e in _anchors(text, url)
                      if NEXT_PAGE_TEXT.match(e["title"]) or e["title"].isdigit()]
        for e in _anchors(text, url):                  # sub-columns: 本级 / 部门 / 乡镇街道
            p = urlsplit(e["url"]).path
            if e["title"] in ("本级", "部门", "乡镇街道") or (
                    fam == "trs" and p.startswith(prefix) and p != prefix and p.endswith("/")):
                queue.append(e["url"])
    lists = {u.split("#")[0] for u in seen if isinstance(u, str)}
    return {u: t for u, t in entries.items() if u.split("#")[0] not in lists}   # as spiders skip list pages


def _truth_urls(site):
    return {r["url"] for r in site["reports"]} | {r["url"] for r in site["non_reports"]} | \
        {r["url"] for r in site["broken"]}


# --- the registry and the mix ---------------------------------------------------------------------
def test_every_registry_host_is_served_or_said_why(nsb):
    web = nsb.national
    rows = load_rows()
    assert len(web.rows) == len({r["id"] for r in rows})
    hosts = set(web.hosts)
    for n, (rid, row) in enumerate(web.rows.items()):
        host = (urlsplit(row["homepage"]).hostname or "").lower()
        if rid in web.skipped:
            why = web.skipped[rid]
            assert why == "no_homepage" and not host or why.startswith(("hand_made:", "shared_host:"))
            if why.startswith("hand_made:"):
                assert nsb.portal_for(host) is nsb.portal(why.split(":", 1)[1])   # hand-made kept
        else:
            assert host in hosts and nsb.portal_for(host) is not None if n % 50 == 0 else host in hosts
    served = len(web.rows) - len(web.skipped)
    assert served >= 3000


def test_mix_of_families_paths_and_faults(nsb):
    """Counted over 400 rows: TRS most common, gkmlpt only in Guangdong, faults and walls rare."""
    web = nsb.national
    ids = [i for i in web.rows if i not in web.skipped][::8]
    cfgs = [web.config(i) for i in ids]
    fams = {}
    for c in cfgs:
        fams[c["national"]["family"]] = fams.get(c["national"]["family"], 0) + 1
    print("families in a sample of", len(ids), fams)
    assert max(fams, key=fams.get) == "trs" and fams["trs"] > len(ids) * 0.4
    assert {"jcms", "vsb", "scriptlist", "generic"} <= set(fams)
    assert all(c["province"] == "广东省" for c in cfgs if c["national"]["family"] == "gkmlpt")
    faulty = sum(1 for c in cfgs if c["national"]["fault"] or c["national"]["wall"])
    walls = sum(1 for c in cfgs if c["national"]["wall"])
    assert 0 < faulty < len(ids) * 0.25 and walls <= len(ids) * 0.02


# --- determinism and memory -------------------------------------------------------------------------
def _pages_of(web, rid):
    p = web.portal(rid)
    t = web.site_truth(rid)
    urls = [t["base"] + "/", t["column_url"], t["reports"][0]["url"], t["reports"][-1]["url"],
            t["non_reports"][0]["url"] if t["non_reports"] else None, t["base"] + "/robots.txt"]
    out = []
    for u in filter(None, urls):
        s = urlsplit(u)
        r = p.handle("GET", s.path or "/", s.query, {})
        out.append((u, r.status, r.body))
    return out


def test_same_bytes_in_two_webs(picks):
    a, b = NationalWeb(exclude_hosts=HAND), NationalWeb(exclude_hosts=HAND)
    for name in ("trs", "jcms", "vsb", "gkmlpt", "scriptlist", "generic", "trs_split"):
        pa, pb = _pages_of(a, picks[name]), _pages_of(b, picks[name])
        assert pa == pb, name
        assert all(status == 200 and body for _, status, body in pa), name


def test_same_bytes_in_another_process(picks):
    """No draw depends on the process (hash seeds, start time): a fresh interpreter agrees."""
    import hashlib
    import os
    import subprocess
    import sys
    ids = [picks[n] for n in ("trs", "jcms", "gkmlpt", "generic")]
    code = ("import hashlib, sys\n"
            "from harvester.sandbox.national import NationalWeb\n"
            "sys.path.insert(0, 'tests/sandbox')\n"
            "from test_national import HAND, _pages_of\n"
            "web = NationalWeb(exclude_hosts=HAND)\n"
            f"print(hashlib.sha256(b''.join(b for rid in {ids!r} for _, _, b in _pages_of(web, rid))).hexdigest())\n")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=str(REPO), timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    web = NationalWeb(exclude_hosts=HAND)
    here = hashlib.sha256(b"".join(b for rid in ids for _, _, b in _pages_of(web, rid))).hexdigest()
    assert out.stdout.strip() == here


def test_memory_is_bounded_by_the_lrus():
    web = NationalWeb(exclude_hosts=HAND, max_portals=20, max_bytes=2 << 20)
    ids = [i for i in web.rows if i not in web.skipped][:120]
    for rid in ids:
        p = web.portal(rid)
        r = p.handle("GET", "/", "", {})
        if p.nat["column_path"] and p.nat["family"] not in ("gkmlpt",):
            s = urlsplit(p.nat["column_path"])
            p.handle("GET", s.path, s.query, {})
        rep = next((it for it in p.all_items() if it.kind == "report"), None)
        if rep is not None:
            s = urlsplit(rep.url)
            p.handle("GET", s.path, s.query, {})
        assert r.status in (200, 500, 412, 521)
    st = web.stats()
    print("national caches after 120 portals:", st)
    assert st["portals"]["items"] <= 20 and st["portals"]["evictions"] >= 100
    assert st["bodies"]["bytes"] <= 2 << 20 and st["bodies"]["evictions"] > 0


# --- family shapes, read with the spiders' helpers -------------------------------------------------
SHAPES = ["trs", "trs_countPage", "trs_pageControl", "trs_createPageHTML6", "trs_page_div",
          "trs_script_list", "trs_split", "trs_twins", "jcms", "jcms_split", "jcms_onclick", "jcms_full",
          "vsb", "vsb_gbk", "gkmlpt", "gkmlpt_copy", "scriptlist", "generic", "generic_gbk"]


@pytest.mark.parametrize("shape", SHAPES)
def test_family_shape_lists_exactly_the_truth(nsb, picks, shape):
    site = nsb.national.site_truth(picks[shape])
    entries = walk(nsb.proxy_url, site)
    truth_urls = _truth_urls(site)
    assert truth_urls <= set(entries), sorted(truth_urls - set(entries))[:5]
    report_like = {u for u, t in entries.items() if looks_like_report_title(t)}
    reports = {r["url"] for r in site["reports"]}
    broken = {b["url"] for b in site["broken"]}
    assert report_like - broken == reports
    assert not report_like & {r["url"] for r in site["non_reports"]}


def test_shapes_carry_their_family_marks(nsb, picks):
    """What the family spiders recognize a column by (used by detect_family for new rows)."""
    from spiders.generic import detect_family
    for shape, family in (("trs", "trs"), ("trs_page_div", "trs"), ("jcms", "jcms"), ("vsb", "vsb"),
                          ("vsb_gbk", "vsb"), ("gkmlpt", "gkmlpt"), ("scriptlist", "scriptlist"),
                          ("generic", "generic")):
        site = nsb.national.site_truth(picks[shape])
        status, headers, body = _get(nsb.proxy_url, site["column_url"])
        assert detect_family(site["column_url"], decode(headers, body)) == family, shape


# --- truth consistency: every report page parses to its truth --------------------------------------
def _parsed(site, url, headers, body):
    d = G.detail(decode(headers, body)) if site["family"] == "gkmlpt" else None
    if d:                                              # the app's page; its NFCMS copy is plain HTML
        body = GP.wrap(d.get("title"), d["content"], d.get("publisher"), None).encode()
        headers = {"Content-Type": "text/html; charset=utf-8"}
    return parse(body, url=url, content_type=headers.get("Content-Type"))


@pytest.mark.parametrize("shape", ["trs_split", "trs_twins", "jcms", "vsb_gbk", "gkmlpt_copy",
                                   "scriptlist", "generic_gbk"])
def test_every_report_page_parses_to_its_truth(nsb, picks, shape):
    site = nsb.national.site_truth(picks[shape])
    assert site["reports"] and all(r["reachable"] for r in site["reports"])
    levels = set()
    for r in site["reports"]:
        for url in [r["url"], *r["mirrors"]]:
            status, headers, body = _get(nsb.proxy_url, url)
            assert status == 200, url
            res = _parsed(site, url, headers, body)
            assert res["is_report"], url
            assert (res["agency"], res["year"]) == (r["agency"], r["year"]), url
            assert res["format"] == r["format"] and res["parse_status"] == "ok", url
        levels.add(r["level"])
    assert "government" in levels
    for n in site["non_reports"]:
        status, headers, body = _get(nsb.proxy_url, n["url"])
        assert status == 200
        assert not _parsed(site, n["url"], headers, body)["is_report"], n["url"]


def test_sampled_portals_render_and_parse_to_their_truth():
    """Every page of every Nth served portal, rendered in process (no proxy) and parsed: any
    family, style, title form or encoding the plan draws. NATIONAL_SWEEP_STRIDE=1 checks all."""
    import os
    stride = int(os.environ.get("NATIONAL_SWEEP_STRIDE", "200"))
    web = NationalWeb(exclude_hosts=HAND)
    ids = [i for i in web.rows if i not in web.skipped][7::stride]
    pages = 0
    for rid in ids:
        site, p = web.site_truth(rid), web.build(rid)
        p.nat["fault"] = None if p.nat["fault"] == "flaky" else p.nat["fault"]   # no first-try 500
        headers = {"Cookie": p.wall.pass_cookie()} if p.wall else {}
        for r in site["reports"] + site["non_reports"]:
            if r.get("why") == "server_error":
                continue
            u = urlsplit(r["url"])
            resp = p.handle("GET", u.path, u.query, headers)
            assert resp.status == 200, r["url"]
            res = _parsed(site, r["url"], dict(resp.headers), resp.body)
            pages += 1
            if "kind" in r:
                assert not res["is_report"], r["url"]
            else:
                assert res["is_report"] and (res["agency"], res["year"]) == (r["agency"], r["year"]), r["url"]
                assert res["parse_status"] == "ok", (r["url"], res["parse_reason"])
    print(f"\n{pages} pages of {len(ids)} portals parsed to their truth")
    assert pages > 100


def test_truth_values_are_what_the_page_prints(nsb, picks):
    """With values=True the truth carries the tables; the parser reads the same cells."""
    t = nsb.national_truth(sites=[picks["trs"]], values=True)
    r = t.reports[0]
    status, headers, body = _get(nsb.proxy_url, r["url"])
    res = parse(body, url=r["url"], content_type=headers.get("Content-Type"))
    assert res["applications"] == r["applications"]
    assert res["reviews_litigation"] == r["reviews_litigation"]
    assert res["check_failures"] == r["check_failures"] == []


def test_mobile_twins_are_linked_from_their_page(nsb, picks):
    site = nsb.national.site_truth(picks["trs_twins"])
    r = site["reports"][0]
    assert r["mirrors"] and r["mirrors"][0].endswith("_app." + r["url"].rsplit(".", 1)[1])
    status, headers, body = _get(nsb.proxy_url, r["url"])
    assert urlsplit(r["mirrors"][0]).path.rsplit("/", 1)[1] in decode(headers, body)


# --- how the column is found -----------------------------------------------------------------------
def _html(nsb, url):
    status, headers, body = _get(nsb.proxy_url, url)
    assert status == 200, url
    return decode(headers, body)


@pytest.mark.parametrize("way", ["homepage", "disclosure_page", "common_path", "unlinked", "absent"])
def test_the_column_is_found_as_the_truth_says(nsb, picks, way):
    site = nsb.national.site_truth(picks[way])
    home_url = site["base"] + "/"
    home = _html(nsb, home_url)
    on_home = discover.column_links(home, home_url)
    gk = discover.disclosure_links(home, home_url)
    assert site["gk_page"] in gk
    on_gk = discover.column_links(_html(nsb, site["gk_page"]), site["gk_page"])
    col = site["column_url"]
    if way == "homepage":
        assert on_home[0] == col and site["reachable"]
    elif way == "disclosure_page":
        assert not on_home and on_gk[0] == col and site["reachable"]
    else:
        assert not on_home and not on_gk
    if way == "common_path":
        assert _get(nsb.proxy_url, col)[0] == 200 and site["found_via"] == "common_path"
    if way in ("unlinked", "absent"):
        assert site["no_column"] == way and site["why"] == "no_column" and site["found_via"] is None
        assert all(not r["reachable"] and r["why"] == "no_column" for r in site["reports"])
    if way == "absent":
        assert col is None and not site["reports"]


# --- faults ----------------------------------------------------------------------------------------
def test_dead_host_dns_answers_502_at_once(nsb, picks):
    import http.client
    site = nsb.national.site_truth(picks["dead_dns"])
    host = urlsplit(site["homepage"]).hostname
    conn = http.client.HTTPConnection(nsb.host, nsb.port, timeout=5)
    t0 = time.time()
    conn.request("GET", f"http://{host}/")
    resp = conn.getresponse()
    assert resp.status == 502 and b"DNS" in resp.read() and time.time() - t0 < 1
    conn.close()
    s, first = _connect_status(nsb, host)
    assert first.startswith(b"HTTP/1.1 502")
    assert not site["reachable"] and site["why"] == "dead_host"
    assert all(r["why"] == "dead_host" for r in site["reports"])


def _connect_status(nsb, host):
    with socket.create_connection((nsb.host, nsb.port), timeout=5) as s:
        s.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
        try:
            return s, s.recv(1024)
        except ConnectionResetError:
            return s, b""


def test_dead_host_reset_closes_the_connection(nsb, picks):
    site = nsb.national.site_truth(picks["dead_reset"])
    host = urlsplit(site["homepage"]).hostname
    with socket.create_connection((nsb.host, nsb.port), timeout=5) as s:
        s.sendall(f"GET http://{host}/ HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        try:
            data = s.recv(1024)
        except ConnectionResetError:
            data = b""
    assert data == b""                                  # no answer at all
    assert _connect_status(nsb, host)[1] == b""         # nor to a tunnel
    assert site["why"] == "dead_host" and site["fault"] == "dead_reset"


def test_moved_host_redirects_to_a_served_host(nsb, picks):
    site = nsb.national.site_truth(picks["moved"])
    status, headers, _ = fetch(nsb, site["homepage"] + "zfxxgk/?a=1", follow=False)
    assert status == 301
    new = headers["Location"]
    assert urlsplit(new).hostname == site["host"] != urlsplit(site["homepage"]).hostname
    assert new.endswith("/zfxxgk/?a=1") and site["moved_to"] == site["base"] + "/"
    assert _get(nsb.proxy_url, site["base"] + "/")[0] == 200
    assert all(urlsplit(r["url"]).hostname == site["host"] for r in site["reports"])
    assert site["reachable"]


def test_flaky_host_fails_once_then_answers(nsb, picks):
    site = nsb.national.site_truth(picks["flaky"])
    url = site["reports"][0]["url"]
    assert _get(nsb.proxy_url, url)[0] == 500
    assert _get(nsb.proxy_url, url)[0] == 200
    assert _get(nsb.proxy_url, url)[0] == 200
    assert site["reachable"] and all(r["reachable"] for r in site["reports"])


def test_server_error_pages_always_fail_and_the_truth_says_so(nsb, picks):
    site = nsb.national.site_truth(picks["server_error"])
    bad = [r for r in site["reports"] if not r["reachable"]]
    good = [r for r in site["reports"] if r["reachable"]]
    assert bad and good and all(r["why"] == "server_error" for r in bad)
    for _ in range(2):
        assert _get(nsb.proxy_url, bad[0]["url"])[0] == 500
    assert _get(nsb.proxy_url, good[0]["url"])[0] == 200


def test_latency_is_off_by_default_and_on_when_asked(nsb, picks):
    slow = nsb.national.site_truth(picks["slow"])
    t0 = time.time()
    assert _get(nsb.proxy_url, slow["base"] + "/")[0] == 200
    assert time.time() - t0 < 0.3
    assert slow["delay"] >= 0.4
    with Sandbox(national=True, sites=["gx-bbwb"], latency=True) as sb:
        t0 = time.time()
        assert _get(sb.proxy_url, slow["base"] + "/")[0] == 200
        took = time.time() - t0
        rec = [r for r in sb.request_log.snapshot() if r["host"] == slow["host"]][-1]
    assert took >= slow["delay"] and rec["end"] - rec["start"] >= slow["delay"]


@pytest.mark.parametrize("wall,status", [("rs412", 412), ("jsl521", 521)])
def test_walls_are_rare_and_can_be_turned_off(nsb, picks, wall, status):
    rid = picks[f"wall_{wall}"]
    site = nsb.national.site_truth(rid)
    assert site["wall"] == wall and site["why"] == "wall"
    assert all(r["why"] == "wall" and r["needs_browser"] for r in site["reports"])
    assert _get(nsb.proxy_url, site["base"] + "/", raw=True)[0] == status
    portal = nsb.portal_for(site["host"])
    assert _get(nsb.proxy_url, site["base"] + "/", headers={"Cookie": portal.wall.pass_cookie()})[0] == 200
    with Sandbox(national=True, walls=False) as sb:
        assert _get(sb.proxy_url, site["base"] + "/", raw=True)[0] == 200
        t = sb.national_truth(sites=[rid])
        assert t.site(rid)["wall"] is None and t.site(rid)["reachable"]
        assert all(p.wall is None for p in sb.portals.values())   # hand-made walls off too
        assert not any(s.get("wall") for s in sb.truth.sites.values())


# --- robots, validators, schemes -------------------------------------------------------------------
def test_robots_allow_the_columns_some_with_crawl_delay(nsb, picks):
    from protego import Protego
    for name in ("trs", "jcms", "vsb", "gkmlpt", "scriptlist", "generic", "crawl_delay"):
        site = nsb.national.site_truth(picks[name])
        status, headers, body = _get(nsb.proxy_url, site["base"] + "/robots.txt")
        assert status == 200
        rp = Protego.parse(body.decode())
        assert rp.can_fetch(site["column_url"], "harvester")
        assert rp.can_fetch(site["reports"][0]["url"], "harvester")
        assert rp.crawl_delay("harvester") == site["crawl_delay"]
        if site["family"] == "jcms":
            proxy = nsb.national.portal(picks[name]).family.proxy
            assert rp.can_fetch(site["base"] + proxy, "harvester")
    assert nsb.national.site_truth(picks["crawl_delay"])["crawl_delay"] in (1, 2)


def test_report_pages_send_validators_and_answer_304(nsb, picks):
    r = nsb.national.site_truth(picks["trs"])["reports"][0]
    status, headers, _ = _get(nsb.proxy_url, r["url"])
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert _get(nsb.proxy_url, r["url"], headers={"If-None-Match": headers["ETag"]})[0] == 304
    assert _get(nsb.proxy_url, r["url"], headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304


def test_schemes_as_the_truth_says(nsb, picks):
    site = nsb.national.site_truth(picks["https_redirect"])
    assert site["homepage"].startswith("http://") and site["base"].startswith("https://")
    status, headers, _ = fetch(nsb, site["homepage"], follow=False)
    assert status == 301 and headers["Location"] == site["base"] + "/"
    assert _get(nsb.proxy_url, site["base"] + "/")[0] == 200           # through CONNECT and TLS
    both = nsb.national.site_truth(picks["both_schemes"])
    assert _get(nsb.proxy_url, both["base"].replace("https://", "http://") + "/")[0] == 200


# --- the log, in flight, speed -------------------------------------------------------------------
def test_log_endpoint_and_requests_in_flight(nsb, picks):
    import threading
    slow_site = nsb.national.site_truth(picks["trs_http"])
    host = slow_site["host"]
    with Sandbox(national=True, sites=["gx-bbwb"], latency=True) as sb:
        delay = sb.national.portal(picks["trs_http"]).nat["delay"]
        threads = [threading.Thread(target=_get, args=(sb.proxy_url, slow_site["base"] + "/")) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert 1 <= sb.max_in_flight(host) <= 4 and sb.request_log.in_flight(host) == 0
        status, _, body = _get(sb.proxy_url, "http://sandbox.local/__log?records=2")
        data = json.loads(body)
        assert status == 200 and data["requests"] == 4 and data["hosts"][host]["requests"] == 4
        assert data["hosts"][host]["max_in_flight"] == sb.max_in_flight(host)
        assert len(data["records"]) == 2 and data["records"][0]["end"] - data["records"][0]["start"] >= delay
        assert data["national"]["portals"]["items"] >= 1
        import http.client                      # a plain request to the port itself
        conn = http.client.HTTPConnection(sb.host, sb.port, timeout=5)
        conn.request("GET", "/__log?clear=1")
        assert json.loads(conn.getresponse().read())["requests"] == 0
        conn.close()
        assert sb.request_log.summary()["requests"] == 0


def test_two_thousand_requests_through_the_proxy(nsb, picks):
    """Prints the rate (no timing assertion): keep-alive connections, pages cached after the first."""
    import http.client
    web = nsb.national
    ids = [i for i in list(web.rows)[:80] if i not in web.skipped]
    sites = [s for s in web.truth(sites=ids).sites.values()
             if s["reachable"] and not s["fault"] and s["base"].startswith("http://")]
    urls = [u for s in sites for u in [s["base"] + "/", s["column_url"]] + [r["url"] for r in s["reports"]]][:500]
    conn = http.client.HTTPConnection(nsb.host, nsb.port, timeout=10)
    t0, n, ok, laps = time.time(), 2000, 0, []
    for i in range(n):
        conn.request("GET", urls[i % len(urls)].split("#")[0])
        resp = conn.getresponse()
        resp.read()
        ok += resp.status == 200
        if (i + 1) % len(urls) == 0:
            laps.append(time.time())
    took = time.time() - t0
    conn.close()
    first, again = laps[0] - t0, (laps[-1] - laps[0]) / (len(laps) - 1)
    print(f"\n2000 requests through the proxy over {len(urls)} URLs, one connection: {took:.2f} s, "
          f"{n / took:.0f} requests/s ({len(urls) / first:.0f}/s rendering each page the first time, "
          f"{len(urls) / again:.0f}/s from the page cache)")
    assert ok == n


# --- bad input -------------------------------------------------------------------------------------
def test_bad_registry_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "sites.csv"
    bad.write_text("id,agency\nx,某某县人民政府\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="missing column"):
        NationalWeb(bad)
    with pytest.raises(RegistryError, match="cannot read"):
        load_rows(tmp_path / "nope.csv")
    assert national_main(["truth", "--site", "no-such-site"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_truth_command_prints_a_province(capsys):
    assert national_main(["truth", "--province", "宁夏"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["sites"]) == 28 and all(s["province"] == "宁夏回族自治区" for s in data["sites"].values())
