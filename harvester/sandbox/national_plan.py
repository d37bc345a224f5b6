"""One registry row in, one portal description out: what the national sandbox serves for a host.

``plan(row, parent)`` returns a portal config in the shape of portals/*.toml (so portal.py and
families.py render it with the hand-made portals' templates), plus a ``national`` block: how
the column can be found, the host's fault, its wall, its latency, its robots Crawl-delay.

Everything is drawn from ``rng_for("national", code, ...)``: the same row gives the same
portal in every process and every run. Rates (module constants below) are small and
realistic: most portals are healthy TRS sites whose column is one or two links from the
homepage; a few per cent are slow, failing, moved, dead or walled, or have no findable column.

Names of departments and towns are made up in the real shape (繁峙县教育局, 繁峙县城关镇人民政府);
hosts, codes, agencies and provinces are the registry's. A moved host's new address
(www.<label>zf.gov.cn) is a sandbox assignment, served on loopback only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from harvester.provinces import PROVINCES

from .generate import rng_for

YEARS = range(2019, 2025)                  # report years served (2019 template for 2019-2020)

# --- rates ------------------------------------------------------------------------------------
# How the column can be found (cumulative thresholds of one draw per host).
FOUND_VIA = [("homepage", 0.45), ("disclosure_page", 0.85), ("common_path", 0.96),
             ("unlinked", 0.98), ("absent", 1.0)]
# Faults (cumulative thresholds of one draw per host); the rest are healthy.
FAULTS = [("dead_dns", 0.015), ("dead_reset", 0.025), ("moved", 0.045), ("flaky", 0.075),
          ("server_error", 0.10), ("slow", 0.14), ("wall", 0.145)]
SLOW_DELAY = (0.4, 1.2)                    # seconds per response on a slow host (latency on)
BASE_DELAY = (0.01, 0.06)                  # seconds per response on any other host (latency on)

# The column paths a crawler can guess (shared/spec/portals.md, shared/registry/report-columns.tsv):
# a "common_path" portal has its column at one of these and links it from nowhere obvious.
COMMON_PATHS = {
    "trs": ["/zfxxgk/zfxxgknb/", "/xxgk/xxgknb/", "/xxgk/zfxxgknb/"],
    "vsb": ["/zfxxgk/zfxxgknb.htm", "/xxgk/xxgknb.htm"],
    "gkmlpt": ["/gkmlpt/index"],
}
TRS_PATHS = ["/zfxxgk/zfxxgknb/", "/zfxxgk/zfxxgknb/", "/xxgk/zfxxgknb/", "/xxgk/xxgknb/",
             "/zwgk/zfxxgk/zfxxgknb/", "/zfxxgk/zfxxgkndbg/", "/zfxxgkml/zfxxgkndbg/",
             "/zwgk/xxgk/zfxxgknb/", "/zfxxgk/nb/", "/xxgk/xxgknb_{n}/", "/zwgk_{n}/xxgknb/",
             "/zfxxgk/zfxxgknb_{n}/"]
VSB_PATHS = ["/zfxxgk/zfxxgknb.htm", "/xxgk/xxgknb.htm", "/zwgk/zfxxgknb.htm", "/xxgk/zfxxgknb.htm"]
COLUMN_NAMES = ["政府信息公开年报", "政府信息公开年报", "政府信息公开年报", "政府信息公开工作年度报告",
                "信息公开年报", "政府信息公开年度报告", "年度报告"]
DISCLOSURE_NAMES = ["政府信息公开", "政府信息公开", "政府信息公开", "信息公开", "政务公开"]

JCMS_PROVINCES = {"浙江省", "江苏省", "安徽省", "山东省", "江西省", "福建省"}
FAMILY_WEIGHTS = {
    "default": [("trs", 58), ("jcms", 13), ("vsb", 12), ("scriptlist", 6), ("generic", 11)],
    "jcms_heavy": [("trs", 40), ("jcms", 35), ("vsb", 10), ("scriptlist", 5), ("generic", 10)],
    "广东省": [("gkmlpt", 70), ("trs", 25), ("generic", 5)],
}
STYLES = [("official", 60), ("word", 15), ("split", 10), ("thead", 15)]

LEVEL_PROFILE = {"province": "省", "prefecture": "市", "county": "县", "department": "部门",
                 "zone": "开发区"}

# --- departments and towns --------------------------------------------------------------------
# (suffix after the place name, short form, "we")
DEPTS_PROVINCE = [("教育厅", "教育厅", "我厅"), ("财政厅", "财政厅", "我厅"),
                  ("卫生健康委员会", "卫生健康委", "我委"), ("发展和改革委员会", "发展改革委", "我委"),
                  ("人力资源和社会保障厅", "人力资源社会保障厅", "我厅"), ("自然资源厅", "自然资源厅", "我厅"),
                  ("生态环境厅", "生态环境厅", "我厅"), ("住房和城乡建设厅", "住房城乡建设厅", "我厅"),
                  ("交通运输厅", "交通运输厅", "我厅"), ("农业农村厅", "农业农村厅", "我厅"),
                  ("水利厅", "水利厅", "我厅"), ("商务厅", "商务厅", "我厅"), ("民政厅", "民政厅", "我厅"),
                  ("司法厅", "司法厅", "我厅"), ("审计厅", "审计厅", "我厅"),
                  ("市场监督管理局", "市场监管局", "我局"), ("统计局", "统计局", "我局"),
                  ("医疗保障局", "医保局", "我局"), ("应急管理厅", "应急管理厅", "我厅")]
DEPTS_CITY = [("教育局", "教育局", "我局"), ("财政局", "财政局", "我局"),
              ("卫生健康委员会", "卫生健康委", "我委"), ("发展和改革委员会", "发展改革委", "我委"),
              ("人力资源和社会保障局", "人力资源社会保障局", "我局"), ("自然资源和规划局", "自然资源和规划局", "我局"),
              ("生态环境局", "生态环境局", "我局"), ("住房和城乡建设局", "住房城乡建设局", "我局"),
              ("交通运输局", "交通运输局", "我局"), ("农业农村局", "农业农村局", "我局"),
              ("水务局", "水务局", "我局"), ("商务局", "商务局", "我局"), ("民政局", "民政局", "我局"),
              ("司法局", "司法局", "我局"), ("审计局", "审计局", "我局"),
              ("市场监督管理局", "市场监管局", "我局"), ("统计局", "统计局", "我局"),
              ("医疗保障局", "医保局", "我局"), ("应急管理局", "应急管理局", "我局"),
              ("文化广电和旅游局", "文化广电旅游局", "我局")]
DEPTS_COUNTY = [("教育局", "教育局", "我局"), ("教育体育局", "教育体育局", "我局"), ("财政局", "财政局", "我局"),
                ("卫生健康局", "卫生健康局", "我局"), ("发展和改革局", "发展改革局", "我局"),
                ("人力资源和社会保障局", "人力资源社会保障局", "我局"), ("自然资源局", "自然资源局", "我局"),
                ("住房和城乡建设局", "住房城乡建设局", "我局"), ("交通运输局", "交通运输局", "我局"),
                ("农业农村局", "农业农村局", "我局"), ("水利局", "水利局", "我局"), ("民政局", "民政局", "我局"),
                ("司法局", "司法局", "我局"), ("审计局", "审计局", "我局"),
                ("市场监督管理局", "市场监管局", "我局"), ("应急管理局", "应急管理局", "我局"),
                ("医疗保障局", "医保局", "我局"), ("退役军人事务局", "退役军人事务局", "我局"),
                ("文化和旅游局", "文化旅游局", "我局")]
TOWNS = ["城关镇", "新城街道", "东城街道", "西城街道", "南城街道", "北城街道", "城南街道", "城北街道",
         "新华镇", "和平乡", "太平镇", "永安镇", "长安镇", "龙山镇", "石桥镇", "河口镇", "双河镇",
         "三合乡", "团结乡", "红星乡", "新兴镇", "兴隆镇", "大兴镇", "文化街道", "向阳街道", "胜利街道",
         "民主街道", "东关街道", "西关街道", "白云乡", "青山镇", "清水镇", "黄土乡", "金山镇"]
NON_REPORT_KINDS = [("notice", 3), ("graphic", 3), ("interpretation", 2), ("work_points", 3),
                    ("budget", 1)]

_SUFFIX = re.compile(r"(人民政府|行政公署)$")


def _pick(rng, weighted):
    names, weights = zip(*weighted)
    return rng.choices(names, weights)[0]


def _threshold(u, table):
    for name, edge in table:
        if u < edge:
            return name
    return None


def place_of(agency: str) -> str:
    """北京市东城区人民政府 → 北京市东城区; 兴安盟行政公署 → 兴安盟."""
    return _SUFFIX.sub("", agency)


def short_of(place: str, parent_place: str | None) -> str:
    """The name without the parent's: 张家口市崇礼区 → 崇礼区 (a county's own name otherwise)."""
    if parent_place and place.startswith(parent_place) and len(place) > len(parent_place):
        return place[len(parent_place):]
    return place


def we_of(short: str) -> str:
    for end, we in (("自治区", "我区"), ("地区", "我地区"), ("省", "我省"), ("市", "我市"), ("区", "我区"),
                    ("县", "我县"), ("旗", "我旗"), ("州", "我州"), ("盟", "我盟")):
        if short.endswith(end):
            return we
    return "我单位"


def moved_host(host: str) -> str | None:
    """Where a moved portal now answers: www.<label>zf.gov.cn (None for hosts of another shape)."""
    m = re.fullmatch(r"(?:www\.)?([a-z0-9-]+)\.gov\.cn", host)
    return f"www.{m.group(1)}zf.gov.cn" if m else None


def host_fault(code: str, host: str) -> str | None:
    """The host's fault, decided by the row alone (the server needs it before any portal)."""
    fault = _threshold(rng_for("national", code, "fault").random(), FAULTS)
    if fault == "moved" and moved_host(host) is None:
        return None
    return fault


# --- the plan -------------------------------------------------------------------------------
def plan(row: dict, parent: dict | None, *, host: str, scheme: str, walls: bool = True,
         province_home: str | None = None, parent_home: str | None = None) -> dict:
    """The portal config of one registry row (``host``/``scheme``: where it is served)."""
    code = row["code"] or row["id"]
    rng = rng_for("national", code)
    agency, province, level = row["agency"], row["province"], row["level"]
    place = place_of(agency)
    parent_place = place_of(parent["agency"]) if parent else None
    short = short_of(place, parent_place)
    family = _pick(rng, FAMILY_WEIGHTS.get(province) or FAMILY_WEIGHTS[
        "jcms_heavy" if province in JCMS_PROVINCES else "default"])
    found_via = _threshold(rng.random(), FOUND_VIA)
    if found_via == "common_path" and family not in COMMON_PATHS:
        found_via = "disclosure_page"          # JCMS column ids, query CMSes: nothing to guess
    if found_via == "unlinked" and family == "gkmlpt":
        found_via = "absent"                   # the platform lists every category it has
    fault = host_fault(code, _host_of(row))
    wall = None
    if fault == "wall":
        wall = ("rs412" if rng_for("national", code, "wall").random() < 0.5 else "jsl521") if walls else None
        fault = None
    office = f"{place}{'行政公署' if agency.endswith('行政公署') else '人民政府'}" \
             f"{'办公厅' if level == 'province' else '办公室'}"
    abbr = _abbr(province)
    cfg = {
        "id": row["id"], "host": host, "scheme": scheme, "family": _cms(family),
        "site_name": agency if rng.random() < 0.7 else f"{agency}门户网站",
        "site_code": (code + "0001")[:10], "org_code": f"{rng.randint(10**8, 10**9 - 1)}",
        "agency": agency, "short": short, "we": we_of(short), "level": LEVEL_PROFILE.get(level, "县"),
        "province": province, "office": office,
        "address": f"{place}{rng.choice(['人民路', '政府路', '中心大道', '府前街', '行政中心路'])}{rng.randint(1, 300)}号",
        "phone": f"0{rng.randint(100, 999)}-{rng.randint(2000000, 8999999)}",
        "icp": f"{abbr}ICP备{rng.randint(5000000, 19999999):08d}号",
        "beian": f"{abbr}公网安备 {code}02000{rng.randint(100, 999)}号",
        "encoding": "utf-8", "content_type": "text/html; charset=utf-8", "server": "nginx",
        "style": "official", "show_title": True, "show_date": True,
        "robots_disallow": ["/search/"],
        "links": [x for x in (["中国政府网", "http://www.gov.cn/"],
                              [parent["agency"], parent_home] if parent and parent_home else None,
                              ) if x],
        "national": {"code": code, "registry_level": level, "homepage": row["homepage"],
                     "family": family, "found_via": found_via, "fault": fault, "wall": wall},
    }
    if wall:
        cfg["wall"] = wall
    nat = cfg["national"]
    nat["delay"] = round(rng_for("national", code, "delay").uniform(*(SLOW_DELAY if fault == "slow" else BASE_DELAY)), 3)
    nat["crawl_delay"] = rng.choice([1, 2]) if rng.random() < 0.08 else None
    {"trs": _trs, "jcms": _jcms, "vsb": _vsb, "gkmlpt": _gkmlpt, "scriptlist": _jsp,
     "generic": _asp}[family](rng, cfg)
    col_name = rng.choice(COLUMN_NAMES)
    disclosure = rng.choice(DISCLOSURE_NAMES)
    cfg["gk"]["name"] = disclosure
    agencies = _agencies(rng, row, place, short)
    items = _items(rng, cfg, agencies, fault)
    _columns(rng, cfg, family, found_via, col_name, items)
    _links(cfg, found_via, col_name)
    cfg["nav"] = [["首页", "/"], [f"走进{short}", cfg.pop("_nav_about")], ["新闻中心", cfg.pop("_nav_news")],
                  [disclosure, cfg["gk"]["path"]], ["政务服务", cfg.pop("_nav_service")],
                  ["互动交流", cfg.pop("_nav_talk")]]
    return cfg


def _host_of(row) -> str:
    return (urlsplit(row["homepage"]).hostname or "").lower()


def _abbr(province: str) -> str:
    return next((p[2] for p in PROVINCES if p[0] == province), "")


def _cms(family: str) -> str:
    """The sandbox family class that renders a national family."""
    return {"scriptlist": "query", "generic": "query"}.get(family, family)


# --- families -------------------------------------------------------------------------------
def _trs(rng, cfg):
    ext = "shtml" if rng.random() < 0.7 else "html"
    cfg.update(templates=["national", "trs2"], base_tpl="trs2/base.html", article_base="trs2/article.html",
               list_base="trs2/list.html", ext=ext, scripts=["/js/createPageHTML.js"],
               body_wrap=_pick(rng, [("TRS_Editor", 50), ("trs_editor_view", 35), ("ucap", 15)]),
               xxgk_table=rng.random() < 0.5, app_twins=rng.random() < 0.06,
               robots_disallow=["/search/", "/was5/"])
    cfg["_trs_pager"] = _pick(rng, [("createPageHTML", 55), ("countPage", 20), ("createPageHTML6", 10),
                                    ("pageControl", 8), ("page_div", 7)])
    cfg["_trs_script"] = rng.random() < 0.08
    cfg["gk"] = {"path": "/zfxxgk/"}
    cfg.update(_nav_about="/zj/", _nav_news="/xwzx/", _nav_service="/zwfw/", _nav_talk="/hdjl/")


def _jcms(rng, cfg):
    cfg.update(templates=["national", "jcms"], base_tpl="jcms/base.html", article_base="jcms/article.html",
               list_base="jcms/list.html", webid=rng.randint(1, 300), content_type="text/html;charset=UTF-8",
               server="Apache-Coyote/1.1", list_links="inline_script",
               proxy_path=_pick(rng, [("/module/web/jpage/dataproxy.jsp", 70),
                                      ("/module/jslib/jquery/jpage/dataproxy.jsp", 20),
                                      ("/module/jpage/dataproxy.jsp", 10)]),
               robots_disallow=["/jrobot/", "/manage/"])
    base = rng.choice([10**4, 10**5, 1229000000])
    cfg["_colids"] = iter(base + rng.randint(100, 9000) * 7 + k * rng.randint(3, 40) for k in range(50))
    cfg["gk"] = {"path": f"/col/col{next(cfg['_colids'])}/index.html"}
    cfg.update(_nav_about=f"/col/col{next(cfg['_colids'])}/index.html",
               _nav_news=f"/col/col{next(cfg['_colids'])}/index.html",
               _nav_service=f"/col/col{next(cfg['_colids'])}/index.html",
               _nav_talk=f"/col/col{next(cfg['_colids'])}/index.html")


def _vsb(rng, cfg):
    cfg.update(templates=["national", "vsb"], base_tpl="vsb/base.html", article_base="vsb/article.html",
               list_base="vsb/list.html", vsb_owner=rng.randint(10**9, 2 * 10**9), server="VWebServer",
               content_type="text/html", robots_disallow=["/system/"])
    if rng.random() < 0.3:                     # older VSB: GBK bytes, table layout, gb2312 declared
        cfg.update(vsb_old=True, encoding="gbk", meta_charset="gb2312")
    cfg["gk"] = {"path": "/zfxxgk.htm"}
    cfg.update(_nav_about="/zj.htm", _nav_news="/xwzx.htm", _nav_service="/zwfw.htm", _nav_talk="/hdjl.htm")


def _gkmlpt(rng, cfg):
    cat = rng.randint(1000, 9000)
    cfg.update(templates=["national", "gkmlpt"], base_tpl="gkmlpt/base.html",
               article_base="gkmlpt/article.html", list_base=None, sid=str(rng.randint(100, 999999)),
               content_type="text/html; charset=UTF-8", list_links="json_api",
               robots_disallow=["/search/", "/gkmlpt/search/"],
               gkml_tree_extra=[[cat - 16, "政府信息公开指南", rng.randint(1, 5)],
                                [cat - 15, "政府信息公开制度", rng.randint(3, 20)],
                                [cat - 9, "政策文件", rng.randint(100, 3000)],
                                [cat + 11, "规划信息", rng.randint(10, 200)]])
    if rng.random() < 0.3:
        cfg.update(portal_copy=True, copy_dir="zwgk/zfxxgkndbg")
    cfg["_cat"] = cat
    cfg["gk"] = {"path": "/zwgk/"}
    cfg.update(_nav_about="/zjgk/", _nav_news="/ywdt/", _nav_service="/zwfw/", _nav_talk="/hdjl/")


def _jsp(rng, cfg):
    base = rng.randint(100, 900) * 100
    cfg.update(templates=["national", "jsp"], base_tpl="jsp/base.html", article_base="jsp/article.html",
               list_base="jsp/list.html", query_keys=["cat_id", "info_id"], page_param="cur_page",
               article_scripts=["iInfo.jsp", "iList.jsp"], list_links="js_array",
               server="Apache-Coyote/1.1", validators=False, content_type="text/html",
               meta_charset="utf-8", anchor_pager=True, robots_disallow=["/admin/", "/search/"])
    cfg["_cats"] = iter(range(base + 1, base + 60))
    cfg["gk"] = {"path": f"/info/iList.jsp?cat_id={next(cfg['_cats'])}"}
    cfg.update(_nav_about=f"/info/iList.jsp?cat_id={next(cfg['_cats'])}",
               _nav_news=f"/info/iList.jsp?cat_id={next(cfg['_cats'])}",
               _nav_service=f"/info/iList.jsp?cat_id={next(cfg['_cats'])}",
               _nav_talk=f"/info/iList.jsp?cat_id={next(cfg['_cats'])}")


def _asp(rng, cfg):
    cfg.update(templates=["national", "asp"], base_tpl="asp/base.html", article_base="asp/article.html",
               list_base="asp/list.html", query_keys=["ClassID", "ArticleID"], page_param="page",
               home_keys=["/", "/index.asp", "/Default.asp"],
               article_scripts=["ShowArticle.asp", "ShowClass.asp"], server="Microsoft-IIS/7.5",
               powered_by="ASP.NET", validators=False, date_format="%Y-%m-%d %H:%M:%S",
               robots_disallow=["/Admin/", "/User/"])
    if rng.random() < 0.5:                     # GBK with no charset anywhere: the bytes decide
        cfg.update(encoding="gbk", content_type="text/html", meta_charset="")
    cfg["_cats"] = iter(range(2, 60))
    cfg["gk"] = {"path": f"/Article/ShowClass.asp?ClassID={next(cfg['_cats'])}"}
    cfg.update(_nav_about=f"/Article/ShowClass.asp?ClassID={next(cfg['_cats'])}",
               _nav_news=f"/Article/ShowClass.asp?ClassID={next(cfg['_cats'])}",
               _nav_service=f"/Article/ShowClass.asp?ClassID={next(cfg['_cats'])}",
               _nav_talk=f"/Article/ShowClass.asp?ClassID={next(cfg['_cats'])}")


# --- who publishes what ---------------------------------------------------------------------
def _agencies(rng, row, place, short) -> list[dict]:
    level = row["level"]
    gov = {"agency": row["agency"], "short": short, "we": we_of(short),
           "level": LEVEL_PROFILE.get(level, "县"), "who": "government"}
    out = [gov]
    if level == "province":
        pool, n_dept, n_town = (DEPTS_CITY if place.endswith("市") else DEPTS_PROVINCE), (4, 8), (0, 0)
        lead = "省" if place.endswith("省") else ("区" if place.endswith("自治区") else "市")
    elif level == "prefecture":
        pool, n_dept, n_town, lead = DEPTS_CITY, (3, 6), (0, 0), short[-1:] or "市"
    else:
        pool, n_dept, n_town, lead = DEPTS_COUNTY, (2, 5), (0, 5), short[-1:] or "县"
    for suffix, sh, we in rng.sample(pool, rng.randint(*n_dept)):
        out.append({"agency": f"{place}{suffix}", "short": f"{lead}{sh}", "we": we, "level": "部门",
                    "who": "department"})
    for town in rng.sample(TOWNS, rng.randint(*n_town)):
        full = f"{place}{town}{'办事处' if town.endswith('街道') else '人民政府'}"
        we = "我街道" if town.endswith("街道") else ("我乡" if town.endswith("乡") else "我镇")
        out.append({"agency": full, "short": town, "we": we, "level": "乡镇", "who": "town"})
    return out


def _date(rng, year: int, month_weights=((1, 70), (2, 20), (3, 10))) -> str:
    month = _pick(rng, month_weights)
    return f"{year}-{month:02d}-{rng.randint(5, 28):02d} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}"


def _items(rng, cfg, agencies, fault) -> list[dict]:
    """Report, non-report and broken items of the portal (column assignment comes later)."""
    items = []
    gov = agencies[0]
    title_form = _pick(rng, [("{agency}{year}年政府信息公开工作年度报告", 85),
                             ("{agency}{year}年度政府信息公开工作年度报告", 10),
                             ("{agency}{year}年政府信息公开年度报告", 5)])
    for a in agencies:
        if a["who"] == "government":
            years = range(2019 if rng.random() < 0.85 else rng.choice([2020, 2021]), 2025)
        elif a["who"] == "department":
            years = range(rng.choice([2019, 2020, 2021, 2021, 2022, 2022, 2023]), 2025)
        else:
            years = range(rng.choice([2021, 2022, 2022, 2023]), 2025)
        for y in years:
            spec = {"kind": "report", "year": y, "date": _date(rng, y + 1),
                    "agency": a["agency"], "short": a["short"], "we": a["we"], "level": a["level"],
                    "who": a["who"], "title": title_form.format(agency=a["agency"], year=y),
                    "style": _pick(rng, STYLES)}
            if rng.random() < 0.03:
                spec["number_format"] = "fullwidth"
            items.append(spec)
    for _ in range(rng.randint(2, 5)):
        kind = _pick(rng, NON_REPORT_KINDS)
        y = rng.choice(list(YEARS))
        date = {"notice": _date(rng, y, ((12, 100),)), "work_points": _date(rng, y, ((4, 60), (5, 40))),
                "budget": _date(rng, y, ((2, 100),))}.get(kind) or _date(rng, y + 1, ((2, 80), (3, 20)))
        who = agencies[0] if kind != "budget" or len(agencies) < 2 else rng.choice(
            [a for a in agencies if a["who"] == "department"] or [gov])
        items.append({"kind": kind, "year": y, "date": date, "agency": who["agency"], "short": who["short"],
                      "we": who["we"], "level": who["level"], "who": who["who"]})
    if rng.random() < 0.12:                    # a listed link that answers 404
        a = rng.choice(agencies)
        y = rng.choice(list(YEARS))
        items.append({"kind": "broken", "status": 404, "date": _date(rng, y + 1), "who": a["who"],
                      "title": title_form.format(agency=a["agency"], year=y)})
    if fault == "server_error":                # some report pages answer 500, always
        reports = [s for s in items if s["kind"] == "report"]
        for s in rng.sample(reports, max(1, len(reports) // 5)):
            s.update(kind="broken", status=500, unreachable="server_error")
    return items


def _columns(rng, cfg, family, found_via, col_name, items):
    """Put the items in the family's column(s): one list, or split by body (本级/部门/乡镇街道)."""
    if found_via == "absent":                  # no annual-report column on this portal at all
        cfg["columns"] = []
        cfg["national"]["column_path"] = None
        return
    who = {s.get("who") for s in items if s["kind"] == "report"}
    split = family in ("trs", "jcms") and len(who) > 1 and rng.random() < 0.25
    cols = []
    if family == "trs":
        pager = cfg.pop("_trs_pager")
        if found_via == "common_path":
            path = rng.choice(COMMON_PATHS["trs"])
            pager = "createPageHTML" if pager == "page_div" else pager
        elif found_via == "unlinked":
            path = f"/zwgk/qtgk/ndbg_{rng.randint(1000, 99999)}/"
        else:
            path = rng.choice(TRS_PATHS).format(n=rng.randint(1000, 99999))
        if split:
            pager = "createPageHTML" if pager == "page_div" else pager
        script = cfg.pop("_trs_script")
        page_size = rng.choice([15, 20]) if pager != "page_div" else 15
        ext = cfg["ext"]

        def trs_col(key, p, name):
            return {"key": key, "path": p, "name": name, "page_size": page_size, "pager": pager,
                    "list_mode": "script" if script else "anchors",
                    "pager_class": "black2", "article": "{yyyymm}/t{yyyymmdd}_{id}." + ext,
                    "id_base": rng.randint(10**6, 9 * 10**6), "id_step": rng.randint(1000, 90000)}
        if split:
            hub = {"key": "nb", "path": path, "name": col_name, "hub": [], "hub_show": 5}
            cols.append(hub)
            for key, sub, name in (("bj", "bj/", "本级"), ("bm", "bm/", "部门"), ("xzjd", "xzjd/", "乡镇街道")):
                mine = _body_items(items, key)
                if mine:
                    hub["hub"].append(key)
                    cols.append(dict(trs_col(key, path + sub, name), items=mine))
        else:
            cols.append(dict(trs_col("nb", path, col_name), items=items))
        gk = path.rstrip("/").rsplit("/", 1)[0] + "/"
        cfg["gk"]["path"] = gk if gk != "/" else "/zfxxgk/"
        if found_via == "unlinked":
            cfg["gk"]["path"] = "/zfxxgk/"
        column_url = path + ("fg.shtml" if pager == "page_div" and not split else "")
        if pager == "page_div" and not split:
            cols[0]["list_prefix"] = "fg"
            cfg["ext"] = "shtml"
            cols[0]["article"] = "{yyyymm}/t{yyyymmdd}_{id}.shtml"
    elif family == "jcms":
        colids = cfg["_colids"]
        per = rng.choice([5, 8, 10, 15])

        def jcms_col(key, name):
            colid = next(colids)
            return {"key": key, "path": f"/col/col{colid}/index.html", "name": name, "colid": colid,
                    "unitid": rng.randint(10**5, 9 * 10**6), "per_page": per, "group_size": 3,
                    "page_size": per, "href_style": _pick(rng, [("absolute", 70), ("full", 15), ("onclick", 15)]),
                    "article": "/art/{yyyy}/{m}/{d}/art_{colid}_{id}.html",
                    "id_base": rng.randint(10**6, 9 * 10**7), "id_step": rng.randint(100, 30000)}
        if split:
            hub = dict(jcms_col("nb", col_name), hub=[], hub_show=5)
            cols.append(hub)
            for key, name in (("bj", "本级"), ("bm", "部门"), ("xzjd", "乡镇街道")):
                mine = _body_items(items, key)
                if mine:
                    hub["hub"].append(key)
                    cols.append(dict(jcms_col(key, name), items=mine))
        else:
            c = dict(jcms_col("nb", col_name), items=items)
            if rng.random() < 0.05:
                c["repeat_boundary_at"] = per * 3 + 1
            cols.append(c)
        path = column_url = cols[0]["path"]
    elif family == "vsb":
        if found_via == "common_path":
            path = rng.choice(COMMON_PATHS["vsb"])
        elif found_via == "unlinked":
            path = f"/zwgk/qtgk/nb{rng.randint(100, 999)}.htm"
        else:
            path = rng.choice(VSB_PATHS)
        cols.append({"key": "nb", "path": path, "name": col_name, "cat": rng.randint(1001, 1999),
                     "page_size": rng.choice([10, 15, 20]), "article": "/info/{cat}/{id}.htm",
                     "id_base": rng.randint(1000, 90000), "id_step": rng.randint(11, 300), "items": items})
        cfg["gk"]["path"] = path.rsplit("/", 1)[0] + ".htm" if path.count("/") > 1 else "/zfxxgk.htm"
        if found_via == "unlinked":
            cfg["gk"]["path"] = "/zfxxgk.htm"
        column_url = path
    elif family == "gkmlpt":
        cat = cfg.pop("_cat")
        cols.append({"key": "nb", "path": "/gkmlpt/index", "name": col_name if found_via != "unlinked" else "其他",
                     "cat": cat, "page_size": 20, "article": "/gkmlpt/content/{id_m}/{id_k}/post_{id}.html",
                     "id_base": rng.randint(10**6, 9 * 10**6), "id_step": rng.randint(300, 5000), "items": items})
        path, column_url = "/gkmlpt/index", f"/gkmlpt/index#{cat}"
    elif family == "scriptlist":
        cat = next(cfg["_cats"])
        cols.append({"key": "nb", "path": f"/info/iList.jsp?cat_id={cat}", "name": col_name, "cat": cat,
                     "page_size": rng.choice([10, 15, 20]),
                     "article": f"/info/iInfo.jsp?cat_id={cat}&info_id={{id}}",
                     "id_base": rng.randint(10**5, 9 * 10**5), "id_step": rng.randint(50, 900), "items": items})
        path = column_url = cols[0]["path"]
    else:                                      # generic: an ASP article system, 下一页 pagers
        cat = next(cfg["_cats"])
        cols.append({"key": "nb", "path": f"/Article/ShowClass.asp?ClassID={cat}", "name": col_name,
                     "page_size": rng.choice([10, 15, 20]),
                     "article": "/Article/ShowArticle.asp?ArticleID={id}",
                     "id_base": rng.randint(1000, 90000), "id_step": rng.randint(3, 90), "items": items})
        path = column_url = cols[0]["path"]
    for c in cols:
        c.setdefault("items", [])
    cfg["columns"] = cols
    cfg["national"]["column_path"] = column_url
    cfg["national"]["split"] = split


def _body_items(items, key):
    whos = {"bj": ("government",), "bm": ("department",), "xzjd": ("town",)}[key]
    return [s for s in items if s.get("who") in whos]


def _links(cfg, found_via, col_name):
    """The 政府信息公开 page's links, and the homepage's: where the column is linked, if at all."""
    fam = cfg["family"]
    gk = cfg["gk"]["path"]
    if fam == "trs":
        guide, rules, fdzd = gk + "zfxxgkzn/", gk + "zfxxgkzd/", gk + "fdzdgknr/"
    elif fam == "vsb":
        stem = gk[: -len(".htm")]
        guide, rules, fdzd = stem + "/zfxxgkzn.htm", stem + "/zfxxgkzd.htm", stem + "/fdzdgknr.htm"
    elif fam == "gkmlpt":
        cat = cfg["columns"][0]["cat"] if cfg["columns"] else 2806
        guide, rules, fdzd = (f"/gkmlpt/index#{cat - 16}", f"/gkmlpt/index#{cat - 15}", "/gkmlpt/index")
    elif fam == "jcms":
        colids = cfg.pop("_colids")
        guide, rules, fdzd = (f"/col/col{next(colids)}/index.html" for _ in range(3))
    else:
        cats = cfg.pop("_cats")
        script = "/info/iList.jsp?cat_id=" if "iList" in gk else "/Article/ShowClass.asp?ClassID="
        guide, rules, fdzd = (f"{script}{next(cats)}" for _ in range(3))
    cfg.pop("_colids", None)
    cfg.pop("_cats", None)
    column = cfg["national"]["column_path"]
    linked = found_via in ("homepage", "disclosure_page")
    gk_links = [["政府信息公开指南", guide], ["政府信息公开制度", rules], ["法定主动公开内容", fdzd]]
    if linked:
        gk_links.insert(2, [col_name, column])
    cfg["gk"]["links"] = gk_links
    home = [["政府信息公开指南", guide], ["法定主动公开内容", fdzd]]
    if found_via == "homepage":
        home.append([col_name, column])
    cfg["home_links"] = home
