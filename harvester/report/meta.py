"""Title, agency, province, year and publish date of a report page.

Rules over wording that every report shares (…年度报告 titles, 由…编制, (以下简称…), 发布日期:,
the statistics period), so they carry over to pages never seen.
"""

from __future__ import annotations

import re
from collections import Counter

from . import places
from .cells import nfkc  # NFKC, faster on CJK text
from .memo import remembered

_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uff00-\uffef（）《》“”、，：])\s+|\s+(?=[\u3400-\u9fff\uff00-\uffef（）《》“”、，：])")

# --- titles -----------------------------------------------------------------------------------
_POSITIVE = re.compile(r"公开.{0,16}?(?:年度报告|年报|工作报告|报告$)|年度.{0,6}公开.{0,8}报告")
_NEGATIVE_ANYWHERE = re.compile(r"图解|图说|图示|一图|读懂|解读|动漫|视频|通知|通报|的函|函$|公告|公示")
_NEGATIVE_AFTER_YEAR = re.compile(
    r"要点|预决算|预算|决算|总结|报送|编制|编写|格式|模板|范本|样表|填报|指南|目录|征集|问卷|"
    r"方案|计划|汇总|考核|评估|检查|培训|清单|统计表")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_YEAR_BARE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CN_YEAR = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0", "Ｏ": "0"}
_TOPIC = re.compile(r"政府信息公开|信息公开|政务公开|政府公开|年度报告|年报")
_BREADCRUMB = re.compile(r"[>›»]|位置|首页|当前")


@remembered  # a page asks for its title lines several times; portals repeat theirs
def clean_title(text: str) -> str:
    """Whitespace out of a printed title, kept only between Latin words."""
    return _SPACES.sub(" ", _CJK_GAP.sub("", text)).strip()


def year_from_title(title: str | None) -> int | None:
    """The year a title reports on: 2023年… → 2023, 二〇二三年… → 2023; the year written
    nearest before the report words when a title names several."""
    if not title:
        return None
    t = nfkc(title)
    topic = _TOPIC.search(t)
    limit = topic.start() if topic else len(t)
    years = list(_YEAR.finditer(t))
    if years:
        before = [m for m in years if m.start() < limit]
        return int((before[-1] if before else years[0]).group(1))
    m = _CN_YEAR.search(t)
    if m:
        return int("".join(_CN_DIGITS[c] for c in m.group(1)))
    m = _YEAR_BARE.search(t)
    return int(m.group(1)) if m else None


def _after_year(t: str) -> str:
    m = _YEAR.search(t) or _CN_YEAR.search(t)
    return t[m.start():] if m else t


@remembered
def title_verdict(title: str | None) -> bool | None:
    """True for a report title, False for a title that is something else about reports
    (notice, 图解, 要点, 预决算 ...), None when the title says neither."""
    if not title:
        return None
    t = nfkc(_SPACES.sub("", title))
    if _NEGATIVE_ANYWHERE.search(t) or _NEGATIVE_AFTER_YEAR.search(_after_year(t)):
        return False
    if _POSITIVE.search(t):
        return True
    return None


def looks_like_report_title(title: str | None) -> bool:
    """True for 政府信息公开工作年度报告 titles and their variants (信息公开年报, 政务公开年度报告,
    without the year); False for notices, 图解/解读, 工作要点, 预决算, 总结, 报送函."""
    return title_verdict(title) is True


def title_candidate(text: str) -> bool:
    """A line that could be a title about these reports: short, no sentence, not a breadcrumb."""
    t = _SPACES.sub("", text)
    return (4 <= len(t) <= 80 and "。" not in t and not _BREADCRUMB.search(t)
            and ("报告" in t or "年报" in t or "公开" in t))


_SELF_NAMED = re.compile(r"(?:现|特|予以|现将|现就|现予)(?:向社会)?(?:公布|发布)(?:的)?([^,，。;；《》()（）]{2,50}?(?:年度报告|年报))")
_QUOTED = re.compile(r"《([^《》]{4,60}?(?:工作年度报告|公开年度报告|公开年报))》")


def self_named_title(text: str) -> str | None:
    """The name a report gives itself: 现公布贵港市2021年政府信息公开工作年度报告."""
    for pattern in (_SELF_NAMED, _QUOTED):
        m = pattern.search(text)
        if m and looks_like_report_title(m.group(1)):
            return clean_title(m.group(1))
    return None


_TITLE_PARTS = re.compile(r"\s*[_|｜]\s*|\s+[-—–]+\s+")  # <title>: 报告名_栏目_网站名


def page_title(meta: dict, title_tag: str | None) -> str | None:
    """The CMS's own title: <meta name=ArticleTitle>, else the report part of <title>."""
    for name in ("articletitle", "og:title", "title"):
        if meta.get(name):
            return clean_title(meta[name])
    if title_tag:
        parts = [p for p in _TITLE_PARTS.split(title_tag) if p.strip()]
        for p in parts:
            if title_verdict(p) is not None:
                return clean_title(p)
        return clean_title(parts[0]) if parts else None
    return None


def find_title(head_lines: list[str], meta_title: str | None, text: str) -> str | None:
    """Title line of the report: the CMS title if it speaks of reports, else a title line above
    the report (head_lines nearest first: page furniture sits further up; one with a year
    first), else the name the text gives itself."""
    if meta_title and title_verdict(meta_title) is not None:
        return meta_title
    lines = [clean_title(s) for s in head_lines if title_candidate(s)]
    lines = [s for s in lines if title_verdict(s) is not None]
    # a report title wins over a nearer line that only has a year (a PDF's first sentence
    # wrapped after its year: 本报告由…统计时间为2024)
    reports = [s for s in lines if title_verdict(s)]
    dated = [s for s in lines if year_from_title(s)]
    for group in ([s for s in reports if year_from_title(s)], reports, dated, lines):
        if group:
            return group[0]
    # a CMS title that is only a name (the site's, the agency's) is no title line
    return self_named_title(text) or (meta_title if meta_title and title_candidate(meta_title) else None)


def compose_title(agency: str | None, year: int | None) -> str | None:
    """The title a report without a title line is stored under: {agency}{year}年政府信息公开工作年度报告."""
    if not agency or not year:
        return None
    return f"{agency}{year}年政府信息公开工作年度报告"


# --- agency -----------------------------------------------------------------------------------
_ALIAS = re.compile(r"([^\s,，。;；:：()（）、]{2,40})[(（](?:以下)?简称[:：“\"]?([^()（）“”\"]{2,20}?)[”\"]?[)）]")
_EDITOR = re.compile(r"由([^\s,，。;；()（）]{2,40}?)(?:[(（][^()（）]*[)）])?(?:负责|组织|牵头|统一)?编制")
_OWN_GUIDE = re.compile(r"《([^《》]{2,30}?)(?:人民政府)?(?:政府信息公开|政务公开|信息公开)(?:指南|制度|目录|工作制度|规定|办法|实施细则)》")
_PORTAL = re.compile(r"([^\s,，。;；:：()（）、《》“”]{3,30}?(?:人民政府|政府|委员会|局|厅|办公室|管委会|管理委员会))(?:门户)?网站")
# Every _ALIAS match has its "(以下简称" within 40 characters of its start and ends within 30
# after it; every _PORTAL match ends at a 网站 at most 40 characters after its start. Trying
# the patterns only near those cues finds the same matches without a try at every character.
_ALIAS_CUE = re.compile(r"[(（](?:以下)?简称")
_SOURCE = re.compile(r"(?:来源|信息来源|发布机构|发布单位|发文机关)\s*[:：]\s*([^\s|:：]{2,40})")
_GENERIC = re.compile(r"^(?:本|我|该|各|全)")
_LEADING = re.compile(r"^(?:本(?:年度)?报告|现|特|并)?由")


def _title_prefix(title: str | None) -> str | None:
    if not title:
        return None
    t = clean_title(nfkc(title))
    m = _YEAR.search(t) or _CN_YEAR.search(t) or _TOPIC.search(t)
    prefix = t[:m.start()] if m else ""
    prefix = re.sub(r"^关于|关于$|的$|[《“\"(]", "", prefix).strip(" -_:：,，")
    return prefix if len(prefix) >= 2 else None


def _expand(name: str | None, aliases: dict[str, str]) -> str | None:
    """Full name of an abbreviation the text defines; a bare place means its 人民政府."""
    if not name:
        return None
    name = aliases.get(name, name)
    if places.is_place_name(name):
        if name.endswith("街道"):
            return name + "办事处"
        return name + "人民政府"
    return name


def _is_abbreviation(short: str, full: str) -> bool:
    """简称 keep the full name's characters in order (自治区北部湾办 ⊂ 广西壮族自治区北部湾经济区
    规划建设管理办公室; 柳南区人民政府 ⊂ 柳州市柳南区人民政府). A name that only grows at
    its end is another body (X人民政府 → X人民政府办公室 compiles X's report), not X's full name."""
    if len(full) <= len(short) or full.startswith(short):
        return False
    chars = iter(full)
    return all(c in chars for c in short)


def _fuller(name: str | None, candidates: list[str | None]) -> str | None:
    """The full official name the page gives (由…编制, 来源) for a title's short name."""
    if not name:
        return None
    for cand in candidates:
        if cand and not _GENERIC.match(cand) and _is_abbreviation(name, cand):
            return cand
    return None


def alias_matches(text: str):
    """The matches of _ALIAS.finditer(text), looked for only around the 简称 cues."""
    end = 0
    for cue in _ALIAS_CUE.finditer(text):
        at = cue.start()
        if at < end:
            continue
        m = _ALIAS.search(text, max(end, at - 40), at + 30)
        if m:
            yield m
            end = m.end()


def portal_match(text: str):
    """_PORTAL.search(text), tried only in the 40 characters before each 网站."""
    at = text.find("网站")
    while at >= 0:
        m = _PORTAL.search(text, max(0, at - 40), at + 2)
        if m:
            return m
        at = text.find("网站", at + 1)
    return None


def find_agency(title: str | None, text: str, source: str | None = None) -> str | None:
    """The body the report is by, in its full official name where the text gives one."""
    aliases = {}
    for m in alias_matches(text[:20000]):
        full = _LEADING.sub("", m.group(1))
        if len(full) > len(m.group(2)):
            aliases.setdefault(m.group(2), full)
    editor = None
    m = _EDITOR.search(text[:20000])
    if m and not _GENERIC.match(m.group(1)):
        editor = _LEADING.sub("", m.group(1))
    prefix = _title_prefix(title) if looks_like_report_title(title) else None
    if prefix:  # the title names whose report it is; the text may only spell it out
        name = _expand(prefix, aliases)
        return _fuller(name, [editor, source]) or name
    if editor:
        return _expand(editor, aliases)
    named = _title_prefix(self_named_title(text))
    if named:
        return _expand(named, aliases)
    m = _OWN_GUIDE.search(text)
    if m and not m.group(1).startswith("中华人民共和国") and not _GENERIC.match(m.group(1)):
        return _expand(m.group(1), aliases)
    if source and not _GENERIC.match(source) and len(source) >= 3:
        return _expand(source, aliases)
    m = portal_match(text)
    if m and not _GENERIC.match(m.group(1)) and places.province_of(m.group(1)):
        return _expand(m.group(1), aliases)
    return None


def find_source(head_text: str, meta: dict) -> str | None:
    """The 来源/发布机构 the page prints above the report (or its ContentSource meta)."""
    if meta.get("contentsource"):
        return meta["contentsource"].strip()
    m = _SOURCE.search(head_text)
    return m.group(1) if m else None


def find_province(agency: str | None, title: str | None, text: str) -> str | None:
    return places.province_of(agency) or places.province_of(title) or places.province_in_text(text)


# --- year -------------------------------------------------------------------------------------
_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年?\s*0?1\s*月?\s*0?1\s*日?\s*起?\s*(?:至|到|—|-|~)\s*"
                     r"((?:19|20)\d{2})\s*年?\s*12\s*月?\s*31\s*日")
_CITATION = re.compile(r"《[^《》]*》|〔[^〔〕]*〕|\[[^\[\]]*\]|\([^()]*号\)")


def find_year(title: str | None, text: str) -> int | None:
    """Year reported on: from the title, else the statistics period (1月1日至12月31日), else
    the year the text names most often (earlier one on a tie: reports look back)."""
    y = year_from_title(title)
    if y:
        return y
    t = nfkc(text)
    m = _PERIOD.search(t)
    if m:
        return int(m.group(2))
    counts = Counter(int(y) for y in _YEAR.findall(_CITATION.sub("", t)))
    if not counts:
        return None
    best = max(counts.values())
    return min(y for y, n in counts.items() if n == best)


# --- publish date -----------------------------------------------------------------------------
_DATE_LABEL = re.compile(
    r"(?<![统计成文印签生效截止失撰写])(?:发布|公开|更新|发文|上传)?(?:日期|时间)\s*[:：]\s*"
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_ISO = re.compile(r"((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")


def _date(y, m, d) -> str | None:
    y, m, d = int(y), int(m), int(d)
    if 1 <= m <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def find_published(meta: dict, head_text: str) -> str | None:
    """The portal's publish date (PubDate meta, or a 发布日期:/日期: label above the report);
    never the signing date at the end of the text."""
    for name in ("pubdate", "publishdate", "publish_date", "firstpublishedtime", "article:published_time",
                 "dc.date", "pdate"):
        m = _ISO.search(meta.get(name) or "")
        if m and (d := _date(*m.groups())):
            return d
    m = _DATE_LABEL.search(head_text)
    if m:
        return _date(*m.groups())
    return None
