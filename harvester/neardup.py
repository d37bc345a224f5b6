"""Which known report a fetched copy belongs to, when URLs and exact hashes do not tell (issue 4).

Pure module: no Scrapy, no SQLite. The pipeline gives each fetched copy to ``ReportMatcher.match``
and, when nothing matches (or a new version was found), registers it with ``ReportMatcher.add``;
``ReportMatcher.signature`` is the compact MinHash to keep in SQLite (a blob) so that the index can
be rebuilt at start-up without re-reading any text.

The same report is published many times: mobile twins and print views, a re-post on the parent
government's portal with other page chrome, a PDF/DOC attachment beside the HTML page, a
corrected re-post (a new *version*: a few numbers changed), and pages that print the whole report
twice. Different agencies, on the other hand, copy the national template, so two *different*
reports often share most of their prose, and many small agencies publish the very same all-zero
tables. Prose similarity alone therefore cannot decide; who reported, for which year and which
numbers decide, and text similarity only confirms.

Decision rules
--------------
A candidate copy C matches a known entry K only if all of:

1. **Year**: both years are known and equal. Different years never match; a copy without a year
   never matches (the caller keeps it under its URL).
2. **Agency compatible** (names compared after ``normalize_agency`` and NFKC):

   - ``equal``: the same name;
   - ``prefix``: one name is the other with a place prefix dropped, cut at an administrative
     level (``咸宁`` + ``市政务服务和大数据管理局``, ``柳州市`` + ``柳南区人民政府``,
     ``西藏`` + ``自治区民政厅``): the longer name ends with the shorter one, the shorter one has
     at least 4 characters, the dropped prefix is 1-12 CJK characters, and either the prefix ends
     with a level character (省市区县州旗盟镇乡) or the shorter name starts with one (or with
     自治). ``柳南区人民政府`` vs ``柳北区人民政府`` is never compatible, nor ``西城区…`` vs ``城区…``;
   - a name unknown on one side: the names the texts give themselves (title line
     ``…2023年政府信息公开工作年度报告``, opening ``由…编制``; ``text_agencies``) are consulted.
     ``named``: both sides name the same *specific* agency (6+ characters, not starting with a
     level or 我/本/该: not 市教育局); ``missing``: nothing to compare, or compatible names (one
     contains the other, or ``prefix``), or the copy's text mentions the known agency; no match
     when both sides name agencies and none of that holds (they name different agencies);
   - anything else: no match.
3. **Values and text**, where ``sim`` is the MinHash estimate of the Jaccard similarity of the two
   normalized texts, and ``threshold`` (default 0.6) and ``strict`` (default 0.85) two bars:

   - tables identical (cell by cell over the tables both sides carry, or equal ``values_hash``
     when no values are given) -> ``"same"``. With an ``equal`` agency no text is needed; with a
     ``prefix``/``missing`` agency it takes ``sim >= threshold`` when the tables are informative
     (at least ``informative_cells`` = 3 distinct cell values of 10 or more) and ``sim >= strict``
     when they are not: all-zero tables, or one application and two documents, are shared by
     thousands of small agencies and prove nothing. With a ``named`` agency: ``sim >= threshold``;
   - tables differing in a few cells (1 <= differing <= ``revision_cells`` = 10% of the cells
     compared) -> ``"revision"`` (a new version of the same report) if ``sim >= threshold``
     (``equal``/``named`` agency) or ``sim >= strict`` (``prefix``/``missing``);
   - no tables on one side (an attachment, a legacy report, tables published as images)
     -> ``"same"`` if ``sim >= threshold`` (``equal``/``named``) or ``sim >= strict`` (otherwise);
   - tables differing in more cells, different table layouts (2019 vs 2021 template), or
     different ``values_hash`` with no values to count cells: no match.

Among the entries that match, the best is returned: equal agency before prefix, named, missing,
then identical tables before revision before text alone, then higher ``sim``. A NULL cell equals
only a NULL cell (a blank is not 0).

Text normalization (before shingling)
-------------------------------------
Full-width digits and letters are folded to ASCII (the part of NFKC that matters here). The
statistical tables are cut out, from the ``二、主动公开…`` heading to the next ``五、…问题/改进``
heading, since the tables are compared as values and their labels are the same in every report.
Whitespace and punctuation are dropped. Then these lines are dropped: lines that are digits only,
page numbers (第 3 页), template table labels, portal menu items (政府信息公开, 网站首页, ...),
lines of up to 100 characters that carry page chrome marks (发布日期, 浏览次数, 您现在的位置, 字号,
ICP备, 网站标识码, 索引号, 上一篇, ...), and lines of up to 20 characters that start with a weaker
mark (来源, 打印, 关闭, 阅读量, ...; words that prose also uses, so they count only in short lines,
and a PDF wrapped into short lines loses no prose). Runs of three or more short lines (at most
15 characters) without sentence punctuation are also dropped: these are link lists and menus. What
is left is joined and cut into character 5-gram shingles, hashed to 32 bits (vectorized, stable
across processes), and made into datasketch's ``affine32`` MinHash, computed for all shingles and
permutations at once (``minhash``; equal bit for bit to ``MinHash.update_batch``, so stored
signatures keep their meaning). A page that prints the report twice gives the same shingle *set*,
so its similarity is ~1.

Cost
----
``match`` looks up the exact index ``(year, normalized agency)`` and a banded LSH per year (bands
tuned by datasketch for ``threshold``, leaning to recall; every LSH candidate is re-checked against
the rules). Only candidates whose agency could relate to the copy's (unknown, or one name a suffix
of the other) get a similarity; the rest could never match. So each copy costs one signature
(linear in the text) plus a few bucket look-ups, near linear in the number of reports: 100,000
synthetic reports take about 46 s of CPU in bench/bench_dedupe.py (issue 13; datasketch's own
MinHash and MinHashLSH took about 115 s). Memory per entry, about 1.3 KB all told: the signature
(4 bytes x ``num_perm``), the bucket keys (an int per band), and the tables zlib-packed as float64
cells (equal blobs shared: all-zero tables are packed once). No text is kept.
"""

from __future__ import annotations

import functools
import re
import struct
import unicodedata
import zlib
from array import array
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Callable, Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

from harvester.dedupe import TABLE_KEYS, normalize_agency

__all__ = ["Candidate", "Match", "ReportMatcher", "agency_relation", "minhash", "normalize_text", "shingle_hashes"]

SHINGLE = 5
SEED = 1
SCHEME = "affine32"

# --- text ---------------------------------------------------------------------------------

NOT_WORD = re.compile(r"[\W_]+")
# Full-width digits and letters (１２, ＩＣＰ) to ASCII: the part of NFKC that matters once
# punctuation is dropped, at a fraction of its cost on long pages.
FULL_WIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")


def _fold(text: str) -> str:
    # Most pages have no full-width digit or letter: a vectorized look first (5x faster than the scan).
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not np.any((codes - np.uint32(0xFF10)) <= np.uint32(0xFF5A - 0xFF10)):
        return text
    return FULL_WIDTH.sub(lambda m: m.group().translate(_FOLD), text)


_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
NUMERIC = re.compile(r"[0-9.]+")
PAGE = re.compile(r"第\d+页(共\d+页)?|共\d+页")
SENTENCE = re.compile(r"[。，,;；:：]")
CLAUSE = re.compile(r"[。，,;；！？!?]")  # prose punctuation: no chrome line ends a sentence
LINK_MAX, LINK_RUN = 15, 3
# Section headings of the tables, wherever they sit (a PDF may flow a heading into the paragraph
# before it, or wrap it across lines).
TABLES_START = re.compile(r"[二2]\s*[、.．]\s*主\s*动\s*公\s*开")
TABLES_END = re.compile(r"[五5]\s*[、.．]\s*(?:[^\s。，,]\s*){0,12}?(?:问\s*题|改\s*进)")
# Page chrome that page_text may leave: strong marks are chrome in any line of up to CHROME_MAX
# characters; weak ones (words that prose uses too: 来源, 打印, 阅读量) only in lines of up to
# WEAK_MAX characters, so that a report wrapped into short lines (a PDF) loses no prose. Plain
# literals, so that the regex engine scans for their first characters (an alternation with anchors
# in it is tried at every position: 6x slower); normalize_text also takes a line that is a URL,
# ends in .htm(l) or is a page number for chrome.
CHROME = re.compile(
    "|".join(
        (
            r"发布日期", r"发布时间", r"浏览次数", r"点击数", r"阅读次数", r"您现在的位置", r"当前位置",
            r"网站地图", r"版权所有", r"主办单位", r"承办单位", r"ICP备", r"网站标识码", r"公网安备",
            r"简体版", r"繁体版", r"长者模式", r"索引号", r"发文机关", r"成文日期", r"主题分类", r"上一篇",
            r"下一篇", r"相关文档", r"相关链接", r"扫一扫", r"分享到", r"字号", r"打印本页", r"关闭窗口",
        )
    )
)
WEAK_CHROME = re.compile(
    r"^(首页|日期|来源|信息来源|文号|打印|关闭|分享|收藏|纠错|我要纠错|视力保护色|设为首页|加入收藏|无障碍|"
    r"移动版|电脑版|手机版|返回顶部|回到顶部|文件下载|关联文件|相关附件|下载|附件\d*|点击量\d*|阅读量\d*|访问量\d*)"
)
WEAK_MAX = 20
CHROME_MAX = 100  # longer lines are report text whatever they say
# Menu and breadcrumb items of government portals, as whole lines.
MENU = frozenset(
    "政府信息公开 政务公开 信息公开 政府信息公开年报 政府信息公开年度报告 政府信息公开工作年度报告 年度报告 "
    "信息公开年报 政府信息公开指南 政府信息公开制度 法定主动公开内容 网站首页 政务服务 互动交流 政策文件 "
    "政策解读 机构概况 新闻中心 政务动态 专题专栏 办事服务 数据开放 公众参与 走进 智能问答 回到顶部 返回顶部".split()
)
# The table labels of the national template (spec/report-format.md), as they read once
# whitespace and punctuation are gone. Kept out of the shingles when a page has no section
# headings to cut the tables on.
TEMPLATE_LINES = frozenset(
    NOT_WORD.sub("", s)
    for s in (
        "信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "行政规范性文件", "规范性文件",
        "本年处理决定数量", "行政许可", "行政处罚", "行政强制", "本年收费金额(单位:万元)",
        "行政事业性收费", "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量",
        "本年增/减", "处理决定数量", "其他对外管理服务事项", "政府集中采购", "采购项目数量",
        "采购总金额", "申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构",
        "社会公益组织", "法律服务机构", "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量", "三、本年度办理结果", "(一)予以公开",
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "(三)不予公开", "1.属于国家秘密",
        "2.其他法律行政法规禁止公开", "3.危及三安全一稳定", "4.保护第三方合法权益",
        "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
        "(四)无法提供", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
        "3.补正后申请内容仍不明确", "(五)不予处理", "1.信访举报投诉类申请", "2.重复申请",
        "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息",
        "(六)其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他",
        "(七)总计", "四、结转下年度继续办理", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
        "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
        "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
    )
)


def _cut_tables(text: str) -> str:
    """Drop every block from a 二、主动公开 heading to the next 五、…问题 heading (twice-printed pages
    have two). A start with no end after it is kept: better some table labels than no text."""
    out, pos = [], 0
    while (start := TABLES_START.search(text, pos)) and (end := TABLES_END.search(text, start.end())):
        out.append(text[pos : start.start()])
        pos = end.start()
    out.append(text[pos:])
    return "".join(out)


# Every line boundary str.splitlines knows, made "\n"; then the non-word characters dropped except
# "\n", so that one pass over the whole text gives the stripped lines in step with the raw ones.
LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BREAK_CHARS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
NOT_WORD_KEEP_LINES = re.compile(r"[^\w\n]+|_+")
DROP_LINES = TEMPLATE_LINES | MENU


@functools.cache
def _word_table() -> np.ndarray:
    """For each BMP code point, whether NOT_WORD_KEEP_LINES keeps it (\\w but not "_", or "\\n"):
    built from the regex itself, so the two cannot disagree."""
    bmp = "".join(map(chr, range(0x10000)))
    table = np.zeros(0x10000, dtype=bool)
    table[[m.start() for m in re.finditer(r"[^\W_]|\n", bmp)]] = True
    return table


def _strip(text: str) -> str:
    """NOT_WORD_KEEP_LINES.sub("", text) by a table look-up over the code points (a regex sub
    stops at every punctuation mark of a CJK text: 4x slower). Astral characters take the regex."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not len(codes) or codes.max() >= 0x10000:
        return NOT_WORD_KEEP_LINES.sub("", text)
    return codes[_word_table()[codes]].tobytes().decode("utf-32-le")


def normalize_text(text: str | None) -> str:
    """The report text as compared: tables, chrome, whitespace, punctuation and bare numbers gone."""
    if not text:
        return ""
    folded = _cut_tables(_fold(text))
    if any(c in folded for c in _BREAK_CHARS):
        folded = LINE_BREAKS.sub("\n", folded)
    out: list[str] = []
    run: list[str] = []  # short lines without sentence punctuation, in a row
    for line, s in zip(folded.split("\n"), _strip(folded).split("\n")):
        # NUMERIC: the dots are stripped already, so digits only
        if not s or s in DROP_LINES or (s.isdigit() and s.isascii()):
            continue
        n = len(s)
        if n <= CHROME_MAX and (CHROME.search(s) or s.startswith("http") or s.endswith(("htm", "html"))):
            continue
        if n <= WEAK_MAX and WEAK_CHROME.match(s) and not CLAUSE.search(line):
            continue
        if s[0] in "第共" and PAGE.fullmatch(s):
            continue  # page numbers of an attachment: 第 3 页 共 5 页
        if n <= LINK_MAX and not SENTENCE.search(line):
            run.append(s)
            continue
        # Runs of LINK_RUN or more short lines without sentence punctuation are link lists and
        # menus (政府网站 footers: 南宁市人民政府 / 柳州市人民政府 / ...), not report text.
        if run:
            if len(run) < LINK_RUN:
                out.extend(run)
            run = []
        out.append(s)
    if run and len(run) < LINK_RUN:
        out.extend(run)
    return "".join(out)


_P = np.uint64(0x100000001B3)  # FNV-1 64-bit prime: a polynomial hash over code points
_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


def _shingles(norm: str, k: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the character k-grams of a normalized text, repeats included (a MinHash
    needs no distinct set: a minimum is the same over repeats). A text shorter than k is one shingle."""
    if not norm:
        return np.empty(0, dtype=np.uint32)
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = max(1, len(codes) - k + 1)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(min(k, len(codes))):
        h = h * _P + codes[j : j + n]
    return ((h ^ (h >> _S32)) & _M32).astype(np.uint32)


def shingle_hashes(norm: str, k: int = SHINGLE) -> np.ndarray:
    """Distinct 32-bit hashes of the character k-grams of a normalized text (vectorized; stable
    across processes and platforms, unlike ``hash``). A text shorter than k is one shingle."""
    return np.unique(_shingles(norm, k))


# --- signatures ---------------------------------------------------------------------------
# datasketch's affine32 MinHash, computed for all shingles and permutations at once: each shingle
# hash h is mixed by MurmurHash3's 32-bit finalizer, then permutation j maps it to a_j * h + b_j
# mod 2^32, and the signature is the minimum per permutation. MinHash.update_batch does the same
# after a Python call per shingle (hashfunc) and a list; the results are equal bit for bit (a test
# holds them to it), so signatures stored by earlier versions stay valid.

_FMIX = tuple(np.uint32(c) for c in (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16))
_CHUNK = 1 << 14  # shingles per step: bounds the (num_perm x chunk) work array to 4 MB at 64 permutations
_EMPTY_HASH = np.uint32(0xFFFFFFFF)  # the value of every permutation of an empty set
_SCHEME_CODE = 1  # datasketch's code for affine32 in the serialized form
_HEADER = struct.Struct("<qiB")  # LeanMinHash.serialize(byteorder="<"): seed, -num_perm, scheme


def _fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    h = h ^ (h >> s1)
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s3
    return h


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's affine32 permutations for SEED, as (num_perm, 1) columns."""
    a, b = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME).permutations
    return a.astype(np.uint32).reshape(-1, 1), b.astype(np.uint32).reshape(-1, 1)


def _is_empty(hv: np.ndarray) -> bool:
    """Whether hash values are those of an empty text (the first value tells all but 1 in 2**32)."""
    return bool(hv[0] == _EMPTY_HASH) and bool((hv == _EMPTY_HASH).all())


def minhash(norm: str, num_perm: int = 64) -> np.ndarray:
    """The MinHash hash values (uint32, one per permutation) of a normalized text's shingles;
    all 0xFFFFFFFF for an empty text."""
    a, b = _permutations(num_perm)
    out = np.full(num_perm, _EMPTY_HASH, dtype=np.uint32)
    h = _shingles(norm)
    for start in range(0, len(h), _CHUNK):
        work = a * _fmix32(h[start : start + _CHUNK])  # (num_perm, chunk), wrapping mod 2^32
        work += b
        np.minimum(out, work.min(axis=1), out=out)
    return out


# --- agencies -----------------------------------------------------------------------------

LEVEL = frozenset("省市区县州旗盟镇乡")
CJK = re.compile(r"[\u4e00-\u9fff]{1,12}")


@functools.lru_cache(maxsize=1 << 16)
def _norm_agency(name: str | None) -> str:
    """NFKC and normalize_agency; cached, since a run meets the same few thousand names again and again."""
    return normalize_agency(unicodedata.normalize("NFKC", name)) if name else ""


def agency_relation(a: str | None, b: str | None) -> str | None:
    """``"equal"``, ``"prefix"`` (one is the other with a place prefix dropped), ``"missing"``
    (either unknown) or None (different agencies). Arguments are raw or normalized names."""
    return _relation_of_normalized(_norm_agency(a), _norm_agency(b))


def _relation_of_normalized(a: str, b: str) -> str | None:
    if not a or not b:
        return "missing"
    if a == b:
        return "equal"
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < 4 or not long_.endswith(short):
        return None
    prefix = long_[: len(long_) - len(short)]
    if CJK.fullmatch(prefix) and (prefix[-1] in LEVEL or short[0] in LEVEL or short.startswith("自治")):
        return "prefix"
    return None


TITLE_LINE = re.compile(r"^(.{2,40}?)(?:19|20)\d\d年度?(?:政府信息公开|政务公开|信息公开).{0,12}(?:年度报告|年报)$")
COMPILED_BY = re.compile(r"由([^,，。;；由]{2,40}?)(?:[(（](?:以下简称|下称|简称)[^)）]*[)）])?(?:负责)?编制")
NOT_A_NAME = re.compile(r"公布|根据|关于|发布|现将|以下")


def text_agencies(text: str | None) -> tuple[str, ...]:
    """Agency names a report text gives itself: its title line (柳州市柳南区人民政府2023年政府信息
    公开工作年度报告) and its opening statement (由…编制). Conservative; may be an abbreviation
    (自治区北部湾办), so used only as evidence against a match, never for one."""
    if not text:
        return ()
    head = _fold(text[:4000])
    names: list[str] = []
    for line in head.splitlines()[:20]:
        s = NOT_WORD.sub("", line)
        m = TITLE_LINE.match(s) if len(s) <= 70 else None
        if m and not NOT_A_NAME.search(m.group(1)):
            names.append(m.group(1))
    for m in COMPILED_BY.finditer(head):
        name = _norm_agency(m.group(1))
        if len(name) >= 2 and not NOT_A_NAME.search(name):
            names.append(name)
    return tuple(dict.fromkeys(_norm_agency(n) for n in names if n))


GENERIC_START = ("我", "本", "该", "自治", *LEVEL)


def _specific(name: str) -> bool:
    """A name that says whose it is (咸宁市教育局), not one that many agencies share (市教育局, 我局)."""
    return len(name) >= 6 and not name.startswith(GENERIC_START)


def _loosely_compatible(names_a: Iterable[str], names_b: Iterable[str]) -> bool:
    return any(a in b or b in a or agency_relation(a, b) for a in names_a for b in names_b)


# --- values -------------------------------------------------------------------------------


def _tables(values: dict | None) -> dict:
    """The non-empty tables of a parsed report (golden shape), or of a bare tables dict."""
    if not values:
        return {}
    keys = TABLE_KEYS[1:] if any(k in values for k in TABLE_KEYS[1:]) else tuple(values)
    return {k: values[k] for k in keys if isinstance(values.get(k), dict) and values[k]}


def _flatten(node, prefix: str, paths: list, vals: list) -> None:
    """Leaves of nested tables in a canonical order, as ("row/column", value)."""
    keys = sorted(node, key=str) if isinstance(node, dict) else range(len(node))
    for k in keys:
        v = node[k]
        path = f"{prefix}/{k}" if prefix else str(k)
        if isinstance(v, (dict, list, tuple)):
            _flatten(v, path, paths, vals)
        else:
            paths.append(path)
            vals.append(v)


def _cell(v) -> float:
    """A cell as float64: numbers as such, NULL as NaN, anything else (raw text kept for a NULL
    cell, such as "/" or "—") by a stable hash far outside real counts."""
    if v is None:
        return float("nan")
    if isinstance(v, (bool, int, float)):
        return float(v)
    return 1e15 + zlib.crc32(str(v).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class _Packed:
    """Tables of one entry: a shared layout (which tables, which cells) and zlib-packed cells."""

    layout: int
    blob: bytes
    evidence: int  # distinct cell values >= EVIDENCE_MIN: how unlikely a chance equality is


class _Layouts:
    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}
        self.items: list[tuple] = []  # ((table, (paths...)), ...)

    def intern(self, layout: tuple) -> int:
        i = self.ids.get(layout)
        if i is None:
            i = self.ids[layout] = len(self.items)
            self.items.append(layout)
        return i


EVIDENCE_MIN = 10  # small counts (0-9) coincide between small agencies all the time
_PLANS: dict[tuple, tuple | None] = {}  # table shape -> cells in canonical order (bounded below)


def _getter(keys: tuple) -> Callable[[dict], tuple]:
    """itemgetter that always gives a tuple, even of one key."""
    if len(keys) == 1:
        key = keys[0]
        return lambda d: (d[key],)
    return itemgetter(*keys)


def _plan(table: dict) -> tuple | None:
    """For a table of rows of scalars (or of scalars), getters of its rows and columns in canonical
    order, the number of columns of each row and the cell paths; None for other shapes (deeper
    nesting, lists), which take the generic path. Cached by shape: a national run meets a handful
    of shapes (one per template)."""
    shape = (tuple(table), tuple([tuple(v) if type(v) is dict else None for v in table.values()]))
    plan = _PLANS.get(shape, False)
    if plan is False:
        plan = None
        pairs = tuple(zip(*shape))
        if pairs and all(not isinstance(k, (dict, list, tuple)) for k in table) and all(
            cols is None or all(not isinstance(x, (dict, list, tuple)) for x in table[row].values())
            for row, cols in pairs
        ):
            order = tuple(
                (row, tuple(sorted(cols, key=str)) if cols is not None else None)
                for row, cols in sorted(pairs, key=lambda rc: str(rc[0]))
            )
            paths = tuple(
                p for row, cols in order for p in ([f"{row}/{c}" for c in cols] if cols is not None else [str(row)])
            )
            rows = _getter(tuple(row for row, _ in order))
            getters = tuple(_getter(cols) if cols is not None else None for _, cols in order)
            colsets = {cols for _, cols in order}
            if colsets == {None}:
                uniform = _FLAT  # a table of scalars
            elif len(colsets) == 1:
                cols = colsets.pop()
                uniform = (getters[0], len(cols))  # rows that all have the same columns
            else:
                uniform = None
            plan = (rows, tuple(zip(getters, (len(c) if c is not None else 0 for _, c in order))), paths, uniform)
        if len(_PLANS) < 1024:
            _PLANS[shape] = plan
    return plan


_RECENT: dict[tuple, tuple | None] = {}  # row names -> the plan last used for a table with those rows
_FLAT = ("flat",)
_JUST_DICT = {dict}


class _Mismatch(Exception):
    pass


def _extract(table: dict, plan: tuple, cells: list) -> None:
    """Append a table's cells by its plan; _Mismatch when the table does not have the plan's shape
    (checked as it goes: row types and column counts, and a missing key fails the getter)."""
    rows, getters, _, uniform = plan
    try:
        if uniform is _FLAT:
            values = rows(table)
            if dict in map(type, values):
                raise _Mismatch
            cells.extend(values)
            return
        if uniform is not None:  # one C-level pass: every row a dict with exactly the columns
            get, n = uniform
            values = rows(table)
            if set(map(type, values)) != _JUST_DICT or sum(map(len, values)) != n * len(values):
                raise _Mismatch
            cells.extend(chain.from_iterable(map(get, values)))  # a missing column fails the getter
            return
        for row, (get, n) in zip(rows(table), getters):
            if get is None:
                if type(row) is dict:
                    raise _Mismatch
                cells.append(row)
            elif type(row) is not dict or len(row) != n:
                raise _Mismatch
            else:
                cells.extend(get(row))
    except (KeyError, TypeError, IndexError) as exc:
        raise _Mismatch from exc


def _cells(tables: dict, quick: bool) -> tuple[list, list]:
    """(layout, cells) of the tables. ``quick`` tries the plan last used for the same row names
    (no shape to build: 3x faster), which gives the very cells of ``_plan``'s when it fits."""
    layout, cells = [], []
    for name in sorted(tables):
        table, mark = tables[name], len(cells)
        plan = _RECENT.get(tuple(table), False) if quick else False
        if plan:
            try:
                _extract(table, plan, cells)
            except _Mismatch:
                del cells[mark:]
                plan = False
        if plan is False:
            plan = _plan(table)
            if quick and len(_RECENT) < 1024:
                _RECENT[tuple(table)] = plan
            if plan is not None:
                _extract(table, plan, cells)
        if plan is None:
            generic: list = []
            _flatten(table, "", generic, cells)
            paths = tuple(generic)
        else:
            paths = plan[2]
        layout.append((name, paths))
    return layout, cells


def _pack(values: dict | None, layouts: _Layouts) -> _Packed | None:
    tables = _tables(values)
    if not tables:
        return None
    layout, cells = _cells(tables, quick=True)
    try:
        arr = np.array(cells, dtype="<f8")  # None -> NaN
    except (TypeError, ValueError):
        # Text or nested cells: rebuilt by shape, as the plan of that very shape gives them.
        layout, cells = _cells(tables, quick=False)
        arr = np.array([_cell(v) for v in cells], dtype="<f8")
    big = arr[np.abs(arr) >= EVIDENCE_MIN]  # NaN compares False: a NULL is no evidence
    evidence = len(set(big.tolist())) if len(big) else 0
    raw = arr.tobytes()
    blob = _BLOBS.get(raw)
    if blob is None:
        if len(_BLOBS) >= 256:
            _BLOBS.clear()
        blob = _BLOBS[raw] = zlib.compress(raw, 1)
    return _Packed(layouts.intern(tuple(layout)), blob, evidence)


# Packed cells of recent tables: the all-zero tables of thousands of small agencies are packed once
# and their blob shared.
_BLOBS: dict[bytes, bytes] = {}


def _unpack(p: _Packed) -> np.ndarray:
    return np.frombuffer(zlib.decompress(p.blob), dtype="<f8")


def _compare(a: _Packed, b: _Packed, layouts: _Layouts) -> tuple[int, int]:
    """(differing cells, cells compared) over the tables both sides carry. NULL == NULL."""
    va, vb = _unpack(a), _unpack(b)
    if a.layout == b.layout:
        same = (va == vb) | (np.isnan(va) & np.isnan(vb))
        return int(len(va) - np.count_nonzero(same)), int(len(va))
    la, lb = layouts.items[a.layout], layouts.items[b.layout]
    da = _by_table(la, va)
    db = _by_table(lb, vb)
    diff = total = 0
    for name in da.keys() & db.keys():
        ca, cb = da[name], db[name]
        for path in ca.keys() | cb.keys():
            x, y = ca.get(path), cb.get(path)
            total += 1
            if x is None or y is None or not (x == y or (x != x and y != y)):
                diff += 1
    return diff, total


def _by_table(layout: tuple, cells: np.ndarray) -> dict[str, dict[tuple, float]]:
    out, i = {}, 0
    for name, paths in layout:
        out[name] = dict(zip(paths, cells[i : i + len(paths)].tolist()))
        i += len(paths)
    return out


# --- the matcher --------------------------------------------------------------------------


@dataclass
class Candidate:
    """What is known of one fetched copy."""

    agency: str | None
    year: int | None
    values_hash: str | None  # hash of the parsed tables (None: no tables)
    values: dict | None  # the parsed tables, golden shape, for counting differing cells
    text: str  # report text, chrome removed


@dataclass(frozen=True)
class Match:
    report_id: str
    relation: str  # "same" | "revision"
    similarity: float  # MinHash estimate of the Jaccard similarity of the normalized texts
    agency: str = ""  # how the agencies related: "equal" | "prefix" | "named" | "missing"
    basis: str = ""  # "values" (identical tables) | "cells" (a few cells differ) | "text"


class _Query:
    """One candidate being matched, with what is derived from it computed at most once."""

    def __init__(self, cand: Candidate, hv: np.ndarray, packed: _Packed | None) -> None:
        self.cand, self.hv, self.packed = cand, hv, packed
        self.agency = _norm_agency(cand.agency)
        self.renormalized = _norm_agency(self.agency)  # what agency_relation compares
        self.empty = False
        self._norm: str | None = None
        self._inferred: tuple[str, ...] | None = None

    def norm(self) -> str:
        if self._norm is None:
            self._norm = _strip(_fold(self.cand.text or "")).replace("\n", "")  # = NOT_WORD.sub("", ...)
        return self._norm

    def inferred(self) -> tuple[str, ...]:
        if self._inferred is None:
            self._inferred = text_agencies(self.cand.text)
        return self._inferred


_AGENCY_RANK = {"equal": 3, "prefix": 2, "named": 1, "missing": 0}
_BASIS_RANK = {"values": 2, "cells": 1, "text": 0}


class _Bands:
    """Banded LSH over MinHash signatures: two signatures of a year are candidates when all
    ``rows`` values of some band are equal (datasketch's MinHashLSH rule and bands, so the same
    candidates). MinHashLSH keeps, per entry and band, a key in a dict of sets plus every key again
    for removal (about 2 KB an entry and 20 us an insert: most of a national run's index). Here a
    band's key is the hash of its bytes cut to 60 bits (the smallest int object), in one dict per
    year and band; a bucket of one entry holds the entry's number (one int object, shared by its
    bands), a shared one a bytearray of the entries' numbers as little-endian int32: no container
    for the garbage collector to walk, and a query is one join and one numpy view. Two bands may
    hash alike: ``share_band`` tells a real candidate (the process's own hash is fine, since the
    index is never stored)."""

    _MASK = (1 << 60) - 1

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._width = 4 * rows
        self.tables: dict[int, list[dict[int, int | bytearray]]] = {}

    def keys(self, hv: np.ndarray) -> list[int]:
        raw, w, mask = hv[: self.bands * self.rows].astype("<u4", copy=False).tobytes(), self._width, self._MASK
        return [hash(raw[k : k + w]) & mask for k in range(0, len(raw), w)]

    def share_band(self, same: np.ndarray) -> np.ndarray:
        """For each row of ``same`` (signature values equal to a query's, as booleans), whether all
        values of one of its bands are."""
        n = self.bands * self.rows
        return same[:, :n].reshape(len(same), self.bands, self.rows).all(axis=2).any(axis=1)

    def insert(self, year: int, i: int, keys: list[int]) -> None:
        tables = self.tables.get(year)
        if tables is None:
            tables = self.tables[year] = [{} for _ in range(self.bands)]
        entry = i.to_bytes(4, "little")
        for table, key in zip(tables, keys):
            cur = table.get(key)
            if cur is None:
                table[key] = i
            elif type(cur) is int:
                table[key] = bytearray(cur.to_bytes(4, "little") + entry)
            else:
                cur += entry

    def query(self, year: int, keys: list[int]) -> np.ndarray:
        """The entries of ``year`` that share a band with these keys, in no particular order; one
        that shares several bands comes once for each."""
        parts, single = [], []
        for table, key in zip(self.tables.get(year, ()), keys):
            cur = table.get(key)
            if cur is not None:
                (single if type(cur) is int else parts).append(cur)
        if single:
            parts.append(struct.pack(f"<{len(single)}i", *single))
        return np.frombuffer(b"".join(parts), dtype="<i4")

    def buckets(self) -> int:
        return sum(len(t) for tables in self.tables.values() for t in tables)


class ReportMatcher:
    """Near-duplicate index of known reports; see the module docstring for the rules."""

    def __init__(
        self,
        threshold: float = 0.6,
        num_perm: int = 64,
        *,
        strict: float = 0.85,
        revision_cells: float = 0.10,
        informative_cells: int = 3,
        lsh_params: tuple[int, int] | None = None,
    ) -> None:
        if not 0.0 < threshold <= strict <= 1.0:
            raise ValueError("need 0 < threshold <= strict <= 1")
        self.threshold = threshold
        self.strict = strict
        self.num_perm = num_perm
        self.revision_cells = revision_cells
        self.informative_cells = informative_cells
        # Bands tuned for the lower bar, leaning to recall: candidates are re-checked anyway.
        probe = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.3, 0.7), params=lsh_params)
        self._lsh_params = (probe.b, probe.r)
        self._bands = _Bands(probe.b, probe.r)
        # The fewest equal values whose share reaches the lower bar (the very float test, once).
        self._need = next(c for c in range(num_perm + 1) if c / num_perm >= threshold)
        self._sig_size = _HEADER.size + 4 * num_perm
        self._exact: dict[int, dict[str, int | array]] = {}  # year -> agency -> entries (an int when one)
        self._layouts = _Layouts()
        self._names: dict[str, str] = {}  # interning of ids and agency names
        self._sigs = np.empty((1024, num_perm), dtype=np.uint32)
        self._ids: list[str] = []
        self._years: list[int | None] = []
        self._agencies: list[str] = []
        self._renormalized: list[str] = []  # normalized once more, as agency_relation compares them
        self._name_ids: dict[str, int] = {"": 0}  # each renormalized name, numbered
        self._name_of = np.empty(1024, dtype=np.int32)  # entry -> number of its renormalized name
        self._suffixes: dict[str, array] = {}  # a 4+ character proper suffix -> names ending so
        self._allowed = np.zeros(1024, dtype=bool)  # scratch: names a query may relate to
        self._hashes: list[str | None] = []
        # Packed tables by column (no object per entry): layout number (-1: no tables), blob, evidence.
        self._layout_of = array("i")
        self._blobs: list[bytes | None] = []
        self._evidence = array("i")
        self._inferred: dict[int, tuple[str, ...]] = {}
        self._memo: tuple | None = None  # what _prepare derived from the last candidate

    def __len__(self) -> int:
        return len(self._ids)

    # signatures

    def _hashvalues(self, norm: str) -> np.ndarray:
        return minhash(norm, self.num_perm)

    def signature(self, text: str) -> bytes:
        """Compact MinHash of a report text: datasketch's LeanMinHash byte format, little-endian
        (8-byte seed, 4-byte negated count, 1-byte scheme, 4 bytes per permutation: 269 bytes
        at 64 permutations). The format is unchanged since the first stored signatures."""
        return self._encode(self._hashvalues(normalize_text(text)))

    def _encode(self, hv: np.ndarray) -> bytes:
        return _HEADER.pack(SEED, -len(hv), _SCHEME_CODE) + hv.astype("<u4", copy=False).tobytes()

    def _decode(self, signature: bytes) -> np.ndarray:
        ok = len(signature) == self._sig_size
        if ok:
            seed, count, scheme = _HEADER.unpack_from(signature)
            ok = seed == SEED and count == -self.num_perm and scheme == _SCHEME_CODE
        if not ok:
            raise ValueError(f"signature is not a {SCHEME} MinHash of {self.num_perm} permutations, seed {SEED}")
        return np.frombuffer(signature, dtype="<u4", offset=_HEADER.size).astype(np.uint32)

    def _signature_of(self, cand: Candidate, signature: bytes | None) -> np.ndarray:
        return self._decode(signature) if signature is not None else self._hashvalues(normalize_text(cand.text))

    def _prepare(self, cand: Candidate, signature: bytes | None) -> tuple:
        """(hash values, empty text, band keys, packed tables) of a candidate; remembered for the
        add() that usually follows match() with the same objects."""
        memo = self._memo
        if (
            memo is not None
            and memo[0] is cand
            and memo[1] is signature
            and memo[2] is cand.text
            and memo[3] is cand.values
        ):
            return memo[4]
        hv = self._signature_of(cand, signature)
        empty = _is_empty(hv)
        prep = (hv, empty, None if empty else self._bands.keys(hv), _pack(cand.values, self._layouts))
        self._memo = (cand, signature, cand.text, cand.values, prep)
        return prep

    # index

    def _intern(self, s: str) -> str:
        return self._names.setdefault(s, s)

    def add(self, report_id: str, cand: Candidate, signature: bytes | None = None) -> None:
        """Register a copy as (a version of) ``report_id``. The same id may be added again, e.g.
        for a revision, so that later copies of either version are recognized. ``signature``
        (from ``signature()``, e.g. read back from SQLite) spares hashing the text again."""
        hv, empty, keys, packed = self._prepare(cand, signature)
        i = len(self._ids)
        if i == len(self._sigs):
            grown = np.empty((2 * i, self.num_perm), dtype=np.uint32)
            grown[:i] = self._sigs
            self._sigs = grown
            self._name_of = np.concatenate([self._name_of, np.empty(i, dtype=np.int32)])
        self._sigs[i] = hv
        agency = self._intern(_norm_agency(cand.agency))
        self._ids.append(self._intern(report_id))
        self._years.append(cand.year)
        self._agencies.append(agency)
        name = self._intern(_norm_agency(agency))
        self._renormalized.append(name)
        nid = self._name_ids.get(name)
        if nid is None:
            nid = self._name_ids[name] = len(self._name_ids)
            for k in range(1, len(name) - 3):
                self._suffixes.setdefault(name[k:], array("i")).append(nid)
            if nid == len(self._allowed):
                self._allowed = np.zeros(2 * nid, dtype=bool)
        self._name_of[i] = nid
        self._hashes.append(cand.values_hash)
        self._layout_of.append(packed.layout if packed is not None else -1)
        self._blobs.append(packed.blob if packed is not None else None)
        self._evidence.append(packed.evidence if packed is not None else 0)
        if not agency:
            names = text_agencies(cand.text)
            if names:
                self._inferred[i] = tuple(self._intern(n) for n in names)
        if cand.year is None:
            return  # kept for completeness; a copy without a year never matches
        if agency:
            by_agency = self._exact.setdefault(cand.year, {})
            cur = by_agency.get(agency)
            if cur is None:
                by_agency[agency] = i
            elif type(cur) is int:
                by_agency[agency] = array("i", (cur, i))
            else:
                cur.append(i)
        if not empty:
            self._bands.insert(cand.year, i, keys)

    # matching

    def match(self, cand: Candidate, signature: bytes | None = None) -> Match | None:
        """The known report this copy is a copy ("same") or a new version ("revision") of."""
        if cand.year is None:
            return None
        hv, empty, keys, packed = self._prepare(cand, signature)
        q = _Query(cand, hv, packed)
        q.empty = empty

        best: tuple | None = None
        known = self._exact.get(cand.year, {}).get(q.agency) if q.agency else None
        for i in (known,) if type(known) is int else known or ():
            best = self._better(best, self._judge(i, "equal", q))
        if best is not None and best[0][:2] == (_AGENCY_RANK["equal"], _BASIS_RANK["values"]):
            return best[1]  # equal agency and identical tables: nothing can rank higher
        if not q.empty:
            idx = self._bands.query(cand.year, keys)
            if len(idx) and q.renormalized:
                # Only entries whose agency could relate to this one (unknown, or one name a suffix
                # of the other) can match: the others are not worth their similarity.
                ids = self._compatible(q.renormalized)
                allowed = self._allowed
                allowed[ids] = True
                idx = idx[allowed[self._name_of[idx]]]
                allowed[ids] = False
            if len(idx):
                same = self._sigs[idx] == q.hv
                counts = np.count_nonzero(same, axis=1)
                keep = np.flatnonzero(counts >= self._need)  # similarity >= threshold
                if len(keep):
                    # A band's hash may be shared by another band: keep the real candidates.
                    real = keep[self._bands.share_band(same[keep])]
                    found = dict(zip(idx[real].tolist(), counts[real].tolist()))  # once each
                else:
                    found = {}
                for i in sorted(found):  # earliest entry first
                    sim = found[i] / self.num_perm
                    rel = self._relation(i, q)
                    if rel is not None and rel != "equal":  # equal ones came from the exact index
                        best = self._better(best, self._judge(i, rel, q, sim))
        return best[1] if best else None

    def _packed(self, i: int) -> _Packed | None:
        layout = self._layout_of[i]
        return _Packed(layout, self._blobs[i], self._evidence[i]) if layout >= 0 else None

    def _compatible(self, name: str) -> list[int]:
        """Ids of the known names that agency_relation could find related to ``name`` (a normalized,
        non-empty name) other than equal: the empty name, names that are a suffix of it and names
        it is a suffix of (a "prefix" relation drops a prefix of 1+ characters and keeps 4+)."""
        ids = [0]
        for k in range(1, len(name) - 3):
            j = self._name_ids.get(name[k:])
            if j is not None:
                ids.append(j)
        longer = self._suffixes.get(name)
        if longer is not None:
            ids.extend(longer)
        return ids

    def _relation(self, i: int, q: _Query) -> str | None:
        known = self._agencies[i]
        rel = _relation_of_normalized(q.renormalized, self._renormalized[i])  # = agency_relation(q.agency, known)
        if rel != "missing":
            return rel
        # A name is unknown on one side: the names the texts give themselves decide what they can.
        mine = (q.agency,) if q.agency else q.inferred()
        theirs = (known,) if known else self._inferred.get(i, ())
        if not mine or not theirs:
            return "missing"
        if any(a == b and _specific(a) for a in mine for b in theirs):
            return "named"  # both texts name the same, specific agency
        if _loosely_compatible(mine, theirs) or (known and known in q.norm()):
            return "missing"
        return None  # the texts name different agencies

    @staticmethod
    def _better(best, new):
        if new is None:
            return best
        return new if best is None or new[0] > best[0] else best

    def _judge(self, i: int, rel: str, q: _Query, sim: float | None = None):
        if self._years[i] != q.cand.year:
            return None
        if q.empty or _is_empty(self._sigs[i]):
            sim = 0.0  # an empty text is similar to nothing
        elif sim is None:
            sim = float(np.count_nonzero(self._sigs[i] == q.hv)) / self.num_perm
        bar = self.threshold if rel in ("equal", "named") else self.strict
        mine, known = q.packed, self._packed(i)
        diff = total = 0  # cells differing / compared over the tables both sides carry
        if mine is not None and known is not None:
            diff, total = _compare(mine, known, self._layouts)
        elif q.cand.values_hash is not None and self._hashes[i] is not None:
            if q.cand.values_hash != self._hashes[i]:
                return None  # different tables, no cells to count
            total = 1
        if total == 0:  # no tables on one side (attachment, legacy, tables as images)
            basis = "text" if sim >= bar else None
        elif diff == 0:
            informative = max(mine.evidence if mine else 0, known.evidence if known else 0)
            if rel == "equal":
                need = 0.0
            elif rel == "named" or informative >= self.informative_cells:
                need = self.threshold
            else:
                need = self.strict  # all-zero tables are shared by thousands of agencies
            basis = "values" if sim >= need else None
        elif diff <= max(1, int(self.revision_cells * total)):
            basis = "cells" if sim >= bar else None
        else:
            return None
        if basis is None:
            return None
        m = Match(self._ids[i], "revision" if basis == "cells" else "same", round(sim, 4), rel, basis)
        return (_AGENCY_RANK[rel], _BASIS_RANK[basis], sim), m

    # introspection

    def stats(self) -> dict:
        """Sizes, for benchmarks and logs."""
        return {
            "entries": len(self._ids),
            "years": len(self._bands.tables),
            "lsh_buckets": self._bands.buckets(),
            "lsh_bands": self._lsh_params[0],
            "lsh_rows": self._lsh_params[1],
            "layouts": len(self._layouts.items),
            "signature_bytes": 4 * self.num_perm,
            "values_bytes": sum({id(b): len(b) for b in self._blobs if b is not None}.values()),  # shared blobs once
        }

