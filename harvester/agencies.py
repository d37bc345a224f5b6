"""Agency identity: which body a report is from, as an id that stays the same across years.

A government's agency id is its 6-digit division code (450204 = 柳州市柳南区人民政府). A
department, town or other body whose report is found on a government's portal gets an id
under that government's code: "450204-" + 8 hex characters of a hash of its normalized name.
The id depends on the name only (never on the page's address, which portals rename), and
the normalization absorbs what really varies from one year's report title to the next:

- whitespace and full-width forms (全角 brackets, digits, spaces): NFKC, spaces dropped;
- the parent government's name in front or not: 柳南区教育局 = 柳州市柳南区教育局 = 区教育局
  (only the portal's own government: 市教育局 on a district portal is the city's body);
- a province name in front (广西柳州市…);
- year words left in the name (2023年 / 2023年度) and the report words after it;
- annotations in brackets: （更正）, （图解）, （修订）;
- the suffix a town or street is written with or without: 太阳村镇人民政府 = 太阳村镇,
  南环街道办事处 = 南环街道; 人民政府办公室 = 政府办公室 = 政府办.

Two different bodies never share a key by these rules: nothing is dropped from the middle of
a name. A real rename (区卫生局 → 区卫生健康局) is a new agency; linking those is a human's
call. Pure functions: no Scrapy, no SQLite, no I/O.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from harvester.provinces import PROVINCES

GOVERNMENT_SUFFIX = re.compile(r"(人民政府|行政公署)$")
# The end of a division's name: what tells a county from a prefecture from a province.
COUNTY_END = re.compile(r"(县|区|旗|特区|林区)$")
PREFECTURE_END = re.compile(r"(自治州|州|地区|盟)$")
DIVISION = re.compile(r".{1,12}?(特别行政区|自治区|自治州|自治县|自治旗|省|市|地区|盟|县|区|旗)")
TOWN = re.compile(r"(乡|镇|苏木|街道|街道办事处|街道办|办事处)$")
ZONE = re.compile(r"开发区|高新区|(工业|产业|科技|物流|农业|创业|软件)园区|保税区|试验区|示范区|合作区|管委会|管理委员会")
ZONE_END = re.compile(r"(管委会|管理委员会)$")
DEPARTMENT_END = re.compile(r"(局|厅|委员会|委|办公室|办|中心|院|署|所|站|队|处|部|社|馆|会|室|组)$")
YEAR_WORDS = re.compile(r"(19|20)\d{2}年度?")
REPORT_WORDS = re.compile(r"(政府信息公开|政务公开|信息公开)(工作)?(年度)?(报告|年报).*$")
ANNOTATION = re.compile(r"\((更正|更新|修订|修订版|修改|图解|全文|正式版|新|补充)\)")
BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")", "「": "(", "」": ")"})
PROVINCE_PREFIXES = sorted({n for p in PROVINCES for n in p[:2]}, key=len, reverse=True)
PROVINCE_NAMES = {p[0] for p in PROVINCES}
LAST_DIVISION = re.compile(r"(自治区|自治州|自治县|自治旗|省|市|州|地区|盟|县|区|旗)$")


@dataclass(frozen=True)
class Agency:
    id: str          # division code, or parent code + "-" + key
    name: str        # the name as given (first seen)
    kind: str        # government / department / town / zone / other
    parent: str      # code of the government whose portal it was found on ('' for a government)


def normalize(name: str) -> str:
    """The name with width, spacing, brackets, year words and annotations made uniform."""
    text = unicodedata.normalize("NFKC", name or "").translate(BRACKETS)
    text = re.sub(r"\s+", "", text)
    text = YEAR_WORDS.sub("", text)
    text = REPORT_WORDS.sub("", text)
    text = ANNOTATION.sub("", text)
    text = re.sub(r"(人民政府办公室|人民政府办|政府办)$", "政府办公室", text)
    return text.rstrip("-_|·:：")


def division_name(agency: str) -> str:
    """A government's agency name without 人民政府 / 行政公署: 柳州市柳南区人民政府 → 柳州市柳南区."""
    return GOVERNMENT_SUFFIX.sub("", normalize(agency))


def government_forms(agency: str, ancestors: Iterable[str] = ()) -> list[str]:
    """The names a government's own pages call it by, longest first:
    柳州市柳南区人民政府 → [柳州市柳南区, 柳南区]. `ancestors` (the agency names of the
    governments above, e.g. from the registry) give the short form exactly (荆州市沙市区 →
    沙市区); without them the first division in the name is taken as the parent's."""
    full = division_name(agency)
    forms = {full}
    for n, ancestor in enumerate(ancestors):
        base = division_name(ancestor)
        if base and full.startswith(base) and len(full) > len(base):
            forms.add(full[len(base):])
        elif base and n == 0 and base not in PROVINCE_NAMES:  # 登封市 written 郑州市登封市
            forms.add(base + full)
    if len(forms) == 1:
        m = DIVISION.match(full)
        if m and len(full) - m.end() >= 2 and DIVISION.fullmatch(full[m.end():]):
            forms.add(full[m.end():])
    forms.update(p[1] for p in PROVINCES if p[0] == full)  # 广西壮族自治区 → 广西
    return sorted(forms, key=len, reverse=True)


def generic_words(agency: str) -> tuple[str, ...]:
    """How a government's own pages say "this government" without its name: 区 for 柳南区,
    县 for 永胜县, 自治区 for 广西; used only in front of a department (区教育局)."""
    m = LAST_DIVISION.search(division_name(agency))
    if not m:
        return ()
    return (m.group(1), "州") if m.group(1) == "自治州" else (m.group(1),)


def _strip_parent(name: str, forms: list[str], generic: tuple[str, ...] = ()) -> str:
    for prefix in PROVINCE_PREFIXES:
        if name.startswith(prefix) and any(name[len(prefix):].startswith(f) for f in forms):
            name = name[len(prefix):]
            break
    for form in forms:
        if name.startswith(form) and len(name) > len(form):
            return name[len(form):]
    for word in generic:  # 区教育局 on a district's portal
        rest = name[len(word):]
        if name.startswith(word) and rest and not DIVISION.fullmatch(rest) and DEPARTMENT_END.search(rest):
            return rest
    return name


def body_key(name: str, parent_agency: str | None = None, ancestors: Iterable[str] = ()) -> str:
    """The normalized core of a body's name under its parent government (教育局, 太阳村镇)."""
    core = normalize(name)
    if parent_agency:
        core = _strip_parent(core, government_forms(parent_agency, ancestors), generic_words(parent_agency))
    if TOWN.search(GOVERNMENT_SUFFIX.sub("", core)) or classify_body(core) == "town":
        core = GOVERNMENT_SUFFIX.sub("", core)
        core = re.sub(r"(街道办事处|街道办)$", "街道", core)
    return core


def agency_id(name: str, parent_code: str, parent_agency: str | None = None, ancestors: Iterable[str] = ()) -> str:
    """The id of a body found on the portal of government `parent_code`: "450204-1a2b3c4d".

    A name that is the parent government itself gives the parent's code. Give `parent_agency`
    (柳州市柳南区人民政府) so that names with and without it in front agree.
    """
    if not re.fullmatch(r"\d{6}", parent_code or ""):
        raise ValueError(f"parent code {parent_code!r} must be a 6-digit division code")
    if parent_agency and names_government(name, parent_agency, ancestors):
        return parent_code
    core = body_key(name, parent_agency, ancestors)
    if not core:
        raise ValueError(f"no agency name in {name!r}")
    return f"{parent_code}-{hashlib.blake2s(core.encode('utf-8'), digest_size=4).hexdigest()}"


def classify_body(name: str) -> str:
    """government / department / town / zone / other, from the name alone."""
    text = normalize(name)
    if not text:
        return "other"
    if GOVERNMENT_SUFFIX.search(text):
        base = GOVERNMENT_SUFFIX.sub("", text)
        if re.search(r"(乡|镇|苏木)$", base):
            return "town"
        return "zone" if ZONE.search(base) else "government"
    if re.search(r"(街道办事处|街道办|街道|乡|镇|苏木)$", text) or text.endswith("办事处"):
        return "town"
    if ZONE_END.search(text) or (ZONE.search(text) and not DEPARTMENT_END.search(text)):
        return "zone"
    if DEPARTMENT_END.search(text):
        return "department"
    if DIVISION.fullmatch(text) or PREFECTURE_END.search(text) and len(text) <= 12 or text in PROVINCE_PREFIXES:
        return "government"
    return "other"


def names_government(name: str, agency: str, ancestors: Iterable[str] = ()) -> bool:
    """Whether `name` is the government `agency` (柳南区 / 柳州市柳南区人民政府 / 区人民政府 …)."""
    text = normalize(name)
    if not text or classify_body(text) != "government":
        return False
    core = GOVERNMENT_SUFFIX.sub("", text)
    forms = government_forms(agency, ancestors)
    for prefix in PROVINCE_PREFIXES:
        if core.startswith(prefix) and core[len(prefix):] in forms:
            return True
    return core in forms or (bool(GOVERNMENT_SUFFIX.search(text)) and core in generic_words(agency))


def is_same_government(name: str, site, ancestors: Iterable[str] = ()) -> bool:
    """Whether a page on `site`'s portal names the site's own government (or, for a
    department's or zone's own site, the site's own agency)."""
    if getattr(site, "level", None) in ("province", "prefecture", "county"):
        return names_government(name, site.agency, ancestors)
    return bool(normalize(name)) and normalize(name) == normalize(site.agency)


def identify(name: str, site, sites_by_code: dict | None = None) -> Agency:
    """The agency a report found on `site`'s portal is from.

    `sites_by_code` ({code: Site}, e.g. from the registry) gives the ancestors' names so that
    short forms are exact. A non-government site's bodies go under its parent government.
    """
    sites_by_code = sites_by_code or {}
    ancestors = _ancestors(site, sites_by_code)
    kind = classify_body(name)
    if site.code and is_same_government(name, site, ancestors):
        return Agency(site.code, name, "government", "")
    if kind == "government":  # a report of a government above, re-posted here
        code = site.parent
        while code in sites_by_code:
            above = sites_by_code[code]
            if names_government(name, above.agency, _ancestors(above, sites_by_code)):
                return Agency(above.code, name, "government", "")
            code = above.parent
    if site.code:
        return Agency(agency_id(name, site.code, site.agency, ancestors), name, kind, site.code)
    parent = sites_by_code.get(site.parent)
    if parent is not None:
        more = _ancestors(parent, sites_by_code)
        return Agency(agency_id(name, parent.code, parent.agency, more), name, kind, parent.code)
    return Agency(agency_id(name, site.parent), name, kind, site.parent)


def _ancestors(site, sites_by_code: dict) -> list[str]:
    out, code, seen = [], getattr(site, "parent", ""), set()
    while code and code in sites_by_code and code not in seen:
        seen.add(code)
        out.append(sites_by_code[code].agency)
        code = sites_by_code[code].parent
    return out


def government_level(agency: str, known: dict[str, str] | None = None) -> str:
    """The registry level of a body by its name: the level the registry gives a known agency
    (`known`: {agency: level}), else from the end of the name before 人民政府: 县/区/旗 →
    county, 自治州/地区/盟 → prefecture, a province's name → province, and 市 → prefecture
    unless it sits inside another city's name (郑州市登封市) → county. Non-governments:
    zone (开发区, 管委会 …) or department (everything else: a department, a town, an office)."""
    text = normalize(agency)
    for name, level in (known or {}).items():
        if normalize(name) == text:
            return level
    kind = classify_body(text)
    if kind == "zone":
        return "zone"
    if kind != "government":
        return "department"
    base = GOVERNMENT_SUFFIX.sub("", text)
    if any(base == p[0] or base == p[1] for p in PROVINCES):
        return "province"
    if PREFECTURE_END.search(base):  # before 区: 阿里地区
        return "prefecture"
    if COUNTY_END.search(base):
        return "county"
    if re.search(r"市.+市$", base):
        return "county"
    return "prefecture"
