"""Benchmark of the near-duplicate report matcher (harvester/neardup.py, issue 4).

Generates N synthetic annual reports deterministically (``--seed``), streams them through
``ReportMatcher`` (match, then add when new or a new version) and prints time, throughput, peak
memory, and per-copy precision and recall of the duplicate decisions, next to two baselines:

- ``text only``: datasketch's MinHashLSH + MinHash Jaccard >= threshold over the same signatures,
  ignoring agency, year and tables (what a generic near-duplicate detector does; the matcher has
  its own band index since issue 13, this anchor keeps datasketch's);
- ``agency+year key``: the existing ``dedupe.report_id(agency, year)``: same id, same report.

The synthetic world is built to be hard in the ways real portals are:

- a few hundred boilerplate templates in families (national template, provincial variants),
  and agencies of one city mostly on one template, so that two different agencies' reports share
  most of their prose and differ in names and numbers;
- agencies from realistic patterns across the 31 provinces (X市Y局, X县人民政府, X市X区人民政府,
  X省Y厅, X镇人民政府, ...); years 2019-2024, 2019 template tables for 2019-2020;
- tables mostly zero (small agencies: the same all-zero tables), some large numbers;
- an agency's reports of successive years share its prose (same own sentences, new numbers);
- ~10% true duplicates: mobile twins and print views; re-posts on the parent portal with other
  chrome, the agency spelled differently (place dropped, province added, or missing), sometimes
  without the report's title or with a 转载 note; revisions with 1-3 cells changed (and the
  numbers in the prose), a third with a corrected sentence too; PDF/DOC-like attachments without
  tables (rewrapped lines, page footers, a quarter with the table heading flowed into the
  paragraph before it, so that the table text stays in); pages printing the report twice;
- noise: residual page chrome that the page-text extractor leaves, 10% of titles missing, 5% of
  agencies not extracted (None), 3% of reports whose tables are images (no values).

Metrics are per copy: a copy is a true duplicate when an earlier item is the same report (same
agency and year); a decision is correct when the matched report is that report. precision =
correct matches / matches, recall = correct matches / true duplicates. "wrong merges" are
matches to a different report: the error that loses a report.

    .venv/bin/python bench/bench_dedupe.py --n 10000
    .venv/bin/python bench/bench_dedupe.py            # 100,000
    .venv/bin/python bench/bench_dedupe.py --n 10000 --tracemalloc --explain 20

The matcher's time is what the pipeline pays per page: ``signature`` plus ``match`` (and ``add``
for a new report or version), summed over the stream. Generating the synthetic texts happens in
the same loop, item by item (keeping 100,000 texts in memory would swell the peak RSS), and is
timed apart and printed beside it; the whole pass is printed too. Issue 13's goal for n=100000:
under 60 s and under 1 GiB, precision and recall unchanged (1.0000/1.0000).

Peak memory is the process's maximum RSS after the matcher pass (it includes the interpreter, the
planned stream and the arrays kept for the baselines; printed separately); ``--tracemalloc``
adds the traced Python allocation peak (slow). ``--explain N`` prints the first N wrong or
missed decisions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harvester.dedupe import content_hash, report_id  # noqa: E402
from harvester.neardup import Candidate, ReportMatcher  # noqa: E402
from harvester.provinces import PROVINCES  # noqa: E402

YEARS = tuple(range(2019, 2025))
DUP_SHARE = 0.10

# --- agencies -----------------------------------------------------------------------------

PLACE_CHARS = (
    "安宁平阳江山河南北东西城昌德兴华源泉清明丰永新长广庆福吉泰和顺武文定远林海湖川溪云桂梧柳"
    "青白金石宝鹤凤龙黄汉沙湘岳衡邵益常郴娄怀潭株洲阜淮滁宿亳蚌芜铜池宣黔遵毕都荆襄随恩孝咸鄂"
)
CITY_DEPTS = (
    "发展和改革委员会 教育局 科学技术局 工业和信息化局 公安局 民政局 司法局 财政局 人力资源和社会保障局 "
    "自然资源和规划局 生态环境局 住房和城乡建设局 交通运输局 水利局 农业农村局 商务局 文化广电旅游局 "
    "卫生健康委员会 退役军人事务局 应急管理局 审计局 市场监督管理局 统计局 医疗保障局 林业局 "
    "政务服务和大数据管理局 城市管理局 信访局 人民政府办公室 乡村振兴局"
).split()
COUNTY_DEPTS = "教育局 财政局 民政局 自然资源局 市场监督管理局 卫生健康局 交通运输局 农业农村局 人民政府办公室".split()
PROV_DEPTS = "教育厅 财政厅 民政厅 司法厅 自然资源厅 生态环境厅 交通运输厅 水利厅 农业农村厅 商务厅 卫生健康委员会 审计厅".split()
SELF = {"局": "我局", "厅": "我厅", "委员会": "我委", "办公室": "我办", "市人民政府": "我市", "区人民政府": "我区",
        "县人民政府": "我县", "镇人民政府": "我镇"}


@dataclass
class Agency:
    name: str  # full name, as the agency's own portal gives it
    short: str  # the place-dropped form a parent portal may print (市教育局, 柳南区人民政府)
    province: str
    city: str
    self_name: str  # 我局, 我区, ...
    template: int
    size: int  # 0 small (all-zero tables mostly), 1 medium, 2 large
    own: tuple[str, ...]  # sentences of its own, kept across years
    no_name: bool  # the harvester fails to extract its name


def self_name(name: str) -> str:
    for suffix, s in SELF.items():
        if name.endswith(suffix):
            return s
    return "本机关"


def make_agencies(rng: random.Random, count: int, n_templates: int) -> list[Agency]:
    used: set[str] = set()

    def place(suffix: str) -> str:
        while True:
            p = "".join(rng.choice(PLACE_CHARS) for _ in range(2 if rng.random() < 0.8 else 3)) + suffix
            if p not in used:
                used.add(p)
                return p

    pool: list[tuple[str, str, str, str]] = []  # name, short, province, city
    for prov_full, *_ in PROVINCES:
        for d in rng.sample(PROV_DEPTS, 6):
            level = next(lv for lv in ("自治区", "省", "市") if prov_full.endswith(lv))
            pool.append((prov_full + d, level + d, prov_full, prov_full))
    k = 0
    while len(pool) < max(1.5 * count, 2000):  # cities, round the provinces, until the pool is large enough
        prov_full = PROVINCES[k % len(PROVINCES)][0]
        k += 1
        city = place("市")
        pool.append((city + "人民政府", "市人民政府", prov_full, city))
        for d in rng.sample(CITY_DEPTS, rng.randint(12, 24)):
            pool.append((city + d, "市" + d, prov_full, city))
        for _ in range(rng.randint(3, 7)):
            county = place(rng.choice("县区"))
            pool.append((city + county + "人民政府", county + "人民政府", prov_full, city))
            for d in rng.sample(COUNTY_DEPTS, rng.randint(2, 7)):
                pool.append((county + d, county[-1] + d, prov_full, city))
            for _ in range(rng.randint(0, 3)):
                town = place("镇")
                pool.append((county + town + "人民政府", town + "人民政府", prov_full, city))
    chosen = rng.sample(pool, count)
    # a city hands its own template to its agencies (mostly); templates come in families
    city_template: dict[str, int] = {}
    agencies = []
    for name, short, prov, city in chosen:
        if city not in city_template:
            city_template[city] = rng.randrange(n_templates)
        tpl = city_template[city] if rng.random() < 0.8 else rng.randrange(n_templates)
        size = 0 if rng.random() < 0.65 else (1 if rng.random() < 0.85 else 2)
        own = tuple(own_sentence(rng) for _ in range(rng.randint(1, 5)))
        agencies.append(Agency(name, short, prov, city, self_name(name), tpl, size, own, rng.random() < 0.05))
    return agencies


TOPICS = (
    "优化营商环境 乡村振兴 疫情防控 安全生产 生态环境保护 重大建设项目 公共资源交易 社会救助 义务教育 医疗卫生 "
    "食品药品安全 就业创业 住房保障 财政预决算 政府采购 征地拆迁 行政执法 减税降费 民生实事 防汛抗旱 "
    "农村人居环境整治 城市更新 养老服务 退役军人服务 扫黑除恶 招商引资 河湖长制 粮食安全 文明城市创建 数字政府建设"
).split()
ACTIONS = (
    "开设专题专栏", "编制公开清单", "组织专项检查", "开展政策宣讲", "制作图解和短视频", "召开新闻发布会",
    "开展线上访谈", "建立信息报送机制", "完善公开目录", "推动基层公开标准化", "组织业务培训", "开展政务开放日活动",
)


def own_sentence(rng: random.Random) -> str:
    a, b = rng.sample(TOPICS, 2)
    return (f"围绕{a}和{b}等重点领域,{{s}}{rng.choice(ACTIONS)},{rng.choice(ACTIONS)},"
            f"累计发布相关信息{{n}}条,{rng.choice(('回应社会关切', '方便群众查询', '接受社会监督', '提升公开实效'))}。")


# --- templates ----------------------------------------------------------------------------

INTRO = (
    "本年度报告根据《中华人民共和国政府信息公开条例》(以下简称《条例》)要求,由{a}编制。",
    "根据《中华人民共和国政府信息公开条例》规定,现公布{a}{y}年政府信息公开工作年度报告。",
    "本报告根据《条例》和《中华人民共和国政府信息公开工作年度报告格式》要求编制。",
    "本年度报告根据《条例》要求,由{a}负责编制。",
    "依据《中华人民共和国政府信息公开条例》,编制{y}年度政府信息公开工作报告。",
)
PERIOD = (
    "本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。",
    "报告中所列数据的统计时间为{y}年1月1日至{y}年12月31日。",
    "本年度的统计数据期限为{y}年1月1日至{y}年12月31日。",
)
CHANNEL = (
    "本年度报告在{a}门户网站全文公开,如对本报告有任何疑问,请与{a}办公室联系。",
    "本年度报告通过政府门户网站、政务新媒体等渠道全文公开。",
    "如对本年度报告有任何疑问,请与政务公开工作机构联系(联系电话:{p})。",
)
OPEN_LEAD = (
    "{y}年,{s}坚持以习近平新时代中国特色社会主义思想为指导,认真贯彻落实《条例》精神,",
    "{y}年,{s}深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署,",
    "{y}年,{s}认真落实上级政务公开工作要点,紧紧围绕中心工作和群众关切,",
    "{y}年,在上级政务公开主管部门的指导下,{s}",
)
OPEN_BODY = (
    "按照公开为常态、不公开为例外的原则,通过门户网站主动公开政府信息{n}条,其中政务动态{n}条,政策文件{n}件。",
    "及时准确公开政府信息,全年通过门户网站发布信息{n}条,通过政务新媒体发布信息{n}条。",
    "不断拓展公开渠道,全年主动公开各类政府信息{n}条,发布政策解读{n}篇。",
    "持续深化重点领域信息公开,累计公开政府信息{n}条,回应公众关注热点{n}次。",
)
APPLY = (
    "{y}年,{s}共收到政府信息公开申请{r}件,均在法定期限内予以答复,未发生因依申请公开引发的行政复议和行政诉讼。",
    "{s}进一步规范依申请公开办理流程,完善受理、审查、处理、答复等各环节,全年共办理依申请公开{r}件。",
    "本年度共收到政府信息公开申请{r}件,按时办结,办理过程严格执行一案一档制度。",
    "{y}年,{s}新收政府信息公开申请{r}件,全部按照《条例》规定的时限和方式作出答复。",
)
MANAGE = (
    "{s}严格落实信息发布审核制度,坚持先审后发,严格执行三审三校,确保公开信息准确、规范、安全。",
    "进一步完善政府信息公开保密审查机制,落实公文公开属性源头认定,对已废止或失效的文件及时作出标注。",
    "加强政府信息管理,规范信息发布流程,定期开展政府信息清理,动态调整公开内容。",
    "建立健全政府信息公开工作制度,明确责任分工,做到信息公开工作有人抓、有人管。",
)
PLATFORM = (
    "持续加强政府门户网站建设,优化栏目设置,及时更新法定主动公开内容,确保网站安全平稳运行。",
    "统筹政府网站与政务新媒体建设,实现协同联动,不断提升政务公开平台服务能力。",
    "依托政务服务中心设置政务公开专区,为群众提供政府信息查询、申请等服务。",
    "积极推进政务新媒体规范化建设,全年政务新媒体发布信息{n}条,阅读量{n}次。",
)
SUPERVISE = (
    "将政务公开工作纳入年度绩效考核,定期开展自查自纠,发现问题及时整改。",
    "组织开展政务公开业务培训{n}次,不断提升工作人员业务水平。",
    "主动接受社会监督,本年度未发生因政府信息公开工作需要追究责任的情况。",
    "加强对政务公开工作的监督检查,确保各项工作要求落到实处。",
)
PROBLEMS = (
    "{s}政府信息公开工作虽然取得了一定成效,但仍存在政策解读形式较为单一、信息更新不够及时等问题。",
    "存在的主要问题:一是公开内容的深度和广度有待拓展;二是工作人员业务能力有待提升。",
    "主要问题是政策解读的针对性和实效性还不够强,与人民群众的期待还有差距。",
    "对照上级要求,{s}在重点领域信息公开、政策解读等方面仍有不足。",
)
IMPROVE = (
    "下一步,{s}将进一步加强政策解读,丰富解读形式,提升政务公开质量和实效。",
    "{y1}年,{s}将继续完善政府信息公开工作机制,加强业务培训,扩大主动公开范围。",
    "下一步将认真贯彻落实《条例》,进一步规范依申请公开办理,提升政府网站服务水平。",
    "针对上述问题,{s}将加强学习研究,及时落实上级印发的相关文件,切实提高业务水平。",
)
OTHER = (
    "依据《政府信息公开信息处理费管理办法》,{s}{y}年未收取任何政府信息公开信息处理费。",
    "本年度未收取信息处理费。无其他需要报告的事项。",
    "{y}年度{s}未发生收取信息处理费的情况。",
    "无。",
)
INTERPRET = (
    "坚持政策文件与解读方案同步起草、同步审签、同步发布,全年发布政策解读{n}篇,其中图解{n}篇。",
    "创新政策解读方式,通过图文、音频、动漫等形式解读政策文件{n}件,提高政策知晓度。",
    "邀请政策起草部门负责人参与在线访谈{n}期,面对面解读重要政策。",
    "建立政策解读专家库,组织开展政策说明会{n}场,参加群众{n}人次。",
)
RESPOND = (
    "及时回应社会关切,全年办理网民留言{n}件,办结率100%。",
    "建立健全舆情收集、研判、处置和回应机制,全年回应公众关注热点{n}次。",
    "依托12345政务服务便民热线,受理群众诉求{n}件,按时回复率达到{n}%。",
    "通过政务新媒体平台开展互动交流,答复群众咨询{n}条。",
)
FOCUS = tuple(f"聚焦{t}领域信息公开,{a},公开相关信息{{n}}条,进一步提升公开的针对性。" for t in TOPICS for a in ACTIONS[:4])
SLOTS = (INTRO, PERIOD, CHANNEL, OPEN_LEAD, OPEN_BODY, OPEN_BODY, FOCUS, FOCUS, INTERPRET, RESPOND, APPLY,
         MANAGE, MANAGE, PLATFORM, PLATFORM, SUPERVISE, SUPERVISE, PROBLEMS, PROBLEMS, IMPROVE, IMPROVE, OTHER)


def make_templates(rng: random.Random, n: int) -> list[tuple[int, ...]]:
    """n templates in n // 10 families: a family's members differ from its base in 1-4 slots."""
    bases = [tuple(rng.randrange(len(pool)) for pool in SLOTS) for _ in range(max(1, n // 10))]
    out = []
    for i in range(n):
        t = list(bases[i % len(bases)])
        for k in rng.sample(range(len(SLOTS)), rng.randint(1, 4)):
            t[k] = rng.randrange(len(SLOTS[k]))
        out.append(tuple(t))
    return out


# --- tables -------------------------------------------------------------------------------

ROWS_2021 = (
    "new_received carried_over granted partially_granted denied.state_secret denied.prohibited_by_law "
    "denied.endangers_safety_stability denied.third_party_rights denied.internal_affairs "
    "denied.process_information denied.enforcement_case_files denied.administrative_inquiry unable.not_held "
    "unable.needs_creation unable.unclear_after_correction not_processed.petition_complaint "
    "not_processed.repeated not_processed.publication not_processed.excessive not_processed.confirm_or_reissue "
    "other.no_correction other.unpaid_fee other.other total carried_forward"
).split()
ROWS_2019 = [r for r in ROWS_2021 if not r.startswith("other.")]
ROWS_2019.insert(ROWS_2019.index("total"), "other")
COLS = "natural_person commercial_enterprise research_institution social_welfare_org legal_service_org other_org total".split()
RESULT_ROWS = ("granted", "partially_granted", "unable.not_held", "not_processed.repeated", "denied.third_party_rights")


def make_values(rng: random.Random, year: int, size: int) -> dict:
    big = lambda lo, hi: int(round(10 ** rng.uniform(lo, hi)))  # noqa: E731
    if year >= 2021:
        active = {
            "rules": {"issued": 0, "repealed": 0, "in_force": 0 if size < 2 else rng.randint(0, 40)},
            "normative_documents": {"issued": rng.choice((0, 0, 1, 2, 3)) if size == 0 else rng.randint(0, 60),
                                    "repealed": 0 if size == 0 else rng.randint(0, 10),
                                    "in_force": rng.choice((0, 0, 2, 5)) if size == 0 else rng.randint(5, 900)},
            "licensing": {"decisions": 0 if size == 0 else big(1, 3 + 2 * size)},
            "penalty": {"decisions": 0 if size == 0 else big(0, 2 + 2 * size)},
            "coercion": {"decisions": 0 if size == 0 else big(0, 1 + size)},
            "fees": {"amount_10k_yuan": 0 if size < 2 else round(rng.uniform(0, 50000), 1)},
        }
        rows = ROWS_2021
    else:
        tri = lambda: {"prior_year_items": 0 if size == 0 else rng.randint(0, 300), "change": 0,  # noqa: E731
                       "decisions": 0 if size == 0 else big(0, 2 + 2 * size)}
        active = {
            "rules": {"new_made": 0, "new_published": 0, "total_published": 0 if size < 2 else rng.randint(0, 40)},
            "normative_documents": {"new_made": rng.choice((0, 0, 1, 2)) if size == 0 else rng.randint(0, 60),
                                    "new_published": 0, "total_published": 0 if size == 0 else rng.randint(5, 900)},
            "licensing": tri(), "other_services": tri(), "penalty": tri(), "coercion": tri(),
            "fees": {"prior_year_items": 0 if size == 0 else rng.randint(0, 20), "change": 0},
            "procurement": {"projects": 0 if size == 0 else rng.randint(0, 80),
                            "amount": 0 if size == 0 else round(rng.uniform(0, 9000), 2)},
        }
        active["normative_documents"]["new_published"] = active["normative_documents"]["new_made"]
        rows = ROWS_2019
    apps = {r: {c: 0 for c in COLS} for r in rows}
    received = 0 if (size == 0 and rng.random() < 0.7) else (rng.randint(1, 4) if size == 0 else big(0, 1 + size))
    for _ in range(received):
        col = "natural_person" if rng.random() < 0.8 else rng.choice(COLS[1:-1])
        res = rng.choice(RESULT_ROWS)
        for r in ("new_received", res, "total"):
            apps[r][col] += 1
            apps[r]["total"] += 1
    groups = {}
    for g in ("review", "suit_direct", "suit_after_review"):
        k = 0 if size == 0 or rng.random() < 0.7 else rng.randint(1, 5)
        upheld = rng.randint(0, k)
        groups.update({f"{g}.upheld": upheld, f"{g}.corrected": 0, f"{g}.other": k - upheld, f"{g}.pending": 0, f"{g}.total": k})
    return {"format": "2021" if year >= 2021 else "2019", "active_disclosure": active, "applications": apps,
            "reviews_litigation": groups}


ITEM_LABELS = {"rules": "规章", "normative_documents": "行政规范性文件", "licensing": "行政许可", "penalty": "行政处罚",
               "coercion": "行政强制", "fees": "行政事业性收费", "other_services": "其他对外管理服务事项",
               "procurement": "政府集中采购"}
ROW_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量", "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "三、本年度办理结果 (一)予以公开", "partially_granted": "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
    "denied.state_secret": "(三)不予公开 1.属于国家秘密", "denied.prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied.endangers_safety_stability": "3.危及“三安全一稳定”", "denied.third_party_rights": "4.保护第三方合法权益",
    "denied.internal_affairs": "5.属于三类内部事务信息", "denied.process_information": "6.属于四类过程性信息",
    "denied.enforcement_case_files": "7.属于行政执法案卷", "denied.administrative_inquiry": "8.属于行政查询事项",
    "unable.not_held": "(四)无法提供 1.本机关不掌握相关政府信息", "unable.needs_creation": "2.没有现成信息需要另行制作",
    "unable.unclear_after_correction": "3.补正后申请内容仍不明确", "not_processed.petition_complaint": "(五)不予处理 1.信访举报投诉类申请",
    "not_processed.repeated": "2.重复申请", "not_processed.publication": "3.要求提供公开出版物",
    "not_processed.excessive": "4.无正当理由大量反复申请", "not_processed.confirm_or_reissue": "5.要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "(六)其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other.other": "3.其他",
    "other": "(六)其他处理", "total": "(七)总计", "carried_forward": "四、结转下年度继续办理",
}


def render_tables(values: dict, pipes: bool) -> list[str]:
    """The tables as page_text gives them: one cell a line (seed 000) or one row a line with pipes (seed 004)."""
    out = ["二、主动公开政府信息情况"]
    for item, metrics in values["active_disclosure"].items():
        cells = [str(v) for v in metrics.values()]
        label = ITEM_LABELS[item]
        out.extend([f"{label} | " + " | ".join(cells) + " |"] if pipes else [label, *cells])
    out += ["三、收到和处理政府信息公开申请情况", "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
            "申请人情况", "自然人", "法人或其他组织", "总计"]
    for row, cols in values["applications"].items():
        cells = [str(v) for v in cols.values()]
        label = ROW_LABELS[row]
        out.extend([f"{label} | " + " | ".join(cells) + " |"] if pipes else [label, *cells])
    out += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    cells = [str(v) for v in values["reviews_litigation"].values()]
    out.extend([" | ".join(cells) + " |"] if pipes else cells)
    return out


# --- one report, and its copies -----------------------------------------------------------


@dataclass
class Item:
    key: tuple[int, int]  # (agency index, year): the truth
    kind: str  # original | twin | print | repost | revision | attachment | doubled
    cand: Candidate


def report_body(ag: Agency, year: int, templates, seed: int, values: dict | None, rng_tables: random.Random,
                nums_override: dict | None = None, title: bool = True) -> list[str]:
    rng = random.Random(f"{seed}:prose:{ag.name}:{year}")
    tpl = templates[ag.template]
    received = values["applications"]["new_received"]["total"] if values else rng.randint(0, 3)
    if nums_override and "r" in nums_override:
        received = nums_override["r"]

    def fill(s: str) -> str:
        while "{n}" in s:
            s = s.replace("{n}", str(rng.randint(3, 3000)), 1)
        return s.format(a=ag.name, s=ag.self_name, y=year, y1=year + 1, r=received,
                        p=f"0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}")

    pick = [fill(SLOTS[k][v]) for k, v in enumerate(tpl)]
    own = [fill(x) for x in ag.own]
    work = [fill(own_sentence(rng)) for _ in range(rng.randint(1, 3))]  # this year's work, in its own words
    lines = [f"{ag.name}{year}年政府信息公开工作年度报告"] if title else []
    lines += [pick[0] + pick[1] + pick[2]]
    lines += ["一、总体情况", "(一)主动公开", pick[3] + pick[4], pick[5], pick[6] + pick[7], *own[:2], *work[:1],
              pick[8] + pick[9], "(二)依申请公开", pick[10], "(三)政府信息管理", pick[11] + pick[12], *own[2:],
              "(四)政府信息公开平台建设", pick[13] + pick[14], *work[1:], "(五)监督保障", pick[15] + pick[16]]
    if values is not None:
        lines += render_tables(values, pipes=rng_tables.random() < 0.5)
    else:
        lines += ["二、主动公开政府信息情况", "(表格见图片)", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]
    lines += ["五、存在的主要问题及改进情况", pick[17] + pick[18], pick[19] + pick[20],
              "六、其他需要报告的事项", pick[21], ag.name, f"{year + 1}年1月{rng.randint(10, 31)}日"]
    return lines


CHROME_SETS = (
    (["首页", "政务公开", "您现在的位置:首页 > 政府信息公开 > 政府信息公开年报", "来源:{src} 发布日期:{d} 浏览次数:{v}", "【字号:大 中 小】"],
     ["【打印本页】 【关闭窗口】", "主办单位:{host}办公室 网站标识码:{code} ICP备{icp}号"]),
    (["页面", "配色", "辅助线", "重置", "| 简体版|繁体版|智能问答 支持IPv6", "无障碍", "发布日期: {d}"],
     ["扫一扫在手机打开当前页", "设为首页 | 加入收藏 | 政府网站找错"]),
    (["当前位置:网站首页 >> 信息公开 >> 年度报告", "索引号:{code}/2023-{v} 发文机关:{src}", "视力保护色:"],
     ["上一篇:关于印发政务公开工作要点的通知", "下一篇:无", "相关链接", "国务院", "省人民政府", "市人民政府"]),
    (["信息来源:{src} 发布时间:{d} 阅读次数:{v}", "分享到:"], ["【我要纠错】【打印】【关闭】", "版权所有:{host} 公网安备{icp}号"]),
    (["移动版", "{host}"], ["返回顶部", "电脑版"]),  # mobile chrome
)


def chrome(rng: random.Random, src: str, host: str, mobile: bool = False) -> tuple[list[str], list[str]]:
    head, foot = CHROME_SETS[4] if mobile else rng.choice(CHROME_SETS[:4])
    fill = dict(src=src, host=host, d=f"20{rng.randint(20, 25)}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}",
                v=rng.randint(10, 99999), code=rng.randint(10**9, 10**10 - 1), icp=rng.randint(10**7, 10**8))
    return [h.format(**fill) for h in head], [f.format(**fill) for f in foot]


def attachment(lines: list[str], rng: random.Random) -> str:
    """A PDF/DOC beside the page: no chrome, lines wrapped, page footers, tables not parsed."""
    width, out, page = rng.randint(32, 42), [], 1
    for line in lines:
        if len(line) <= width:
            out.append(line)
        else:
            out.extend(line[i : i + width] for i in range(0, len(line), width))
        if len(out) >= 40 * page:
            out.append(rng.choice((f"第 {page} 页 共 5 页", f"- {page} -", str(page))))
            page += 1
    return "\n".join(out)


def change_cells(values: dict, rng: random.Random, k: int) -> dict:
    v = json.loads(json.dumps(values))
    cells = [("applications", r, c) for r in ("new_received", "granted", "total", "carried_forward") for c in ("natural_person", "total")]
    cells += [("active_disclosure", item, m) for item, ms in v["active_disclosure"].items() for m in ms]
    for table, a, b in rng.sample(cells, k):
        old = v[table][a][b]
        v[table][a][b] = (old or 0) + rng.randint(1, 5)
    return v


class World:
    def __init__(self, n: int, seed: int, templates: int = 300):
        rng = random.Random(seed)
        self.seed = seed
        self.n_copies = int(round(n * DUP_SHARE))
        self.n_orig = n - self.n_copies
        self.templates = make_templates(rng, templates)
        n_agencies = max(1, -(-self.n_orig // int(len(YEARS) * 0.85)))
        self.agencies = make_agencies(rng, n_agencies, templates)
        pairs = [(a, y) for a in range(n_agencies) for y in YEARS]
        originals = rng.sample(pairs, self.n_orig)
        originals.sort(key=lambda p: (p[1], rng.random()))  # reports of a year appear in the following January
        pos = {p: i for i, p in enumerate(originals)}
        events = [(float(i), "original", p, 0) for i, p in enumerate(originals)]
        kinds = ["twin"] * 28 + ["print"] * 5 + ["repost"] * 22 + ["revision"] * 20 + ["attachment"] * 17 + ["doubled"] * 8
        for c in range(self.n_copies):
            p = rng.choice(originals)
            events.append((pos[p] + 0.5 + rng.expovariate(1 / 3000), rng.choice(kinds), p, c + 1))
        events.sort(key=lambda e: e[0])
        self.events = [(kind, p, c) for _, kind, p, c in events]
        self.image_tables = {p for p in originals if rng.random() < 0.03}
        self.untitled = {p for p in originals if rng.random() < 0.10}

    def items(self):
        for kind, (a, year), c in self.events:
            yield self.item(kind, a, year, c)

    def item(self, kind: str, a: int, year: int, c: int) -> Item:
        ag = self.agencies[a]
        rng = random.Random(f"{self.seed}:copy:{a}:{year}:{c}")
        vrng = random.Random(f"{self.seed}:values:{a}:{year}")
        values = None if (a, year) in self.image_tables else make_values(vrng, year, ag.size)
        title = (a, year) not in self.untitled
        agency = None if ag.no_name else ag.name
        trng = random.Random(f"{self.seed}:tables:{a}:{year}")
        override = None
        if kind == "revision" and values is not None:
            values = change_cells(values, rng, rng.randint(1, 3))
            override = {"r": values["applications"]["new_received"]["total"]}
        body = report_body(ag, year, self.templates, self.seed, values, trng, override, title)
        if kind == "revision" and rng.random() < 0.3:  # a sentence corrected as well
            k = rng.randrange(1, len(body) // 3)
            body = body[:k] + [own_sentence(rng).format(s=ag.self_name, n=rng.randint(3, 3000))] + body[k + 1 :]
        host = ag.city if ag.city.endswith("市") else ag.province
        if kind in ("original", "revision"):
            head, foot = chrome(random.Random(f"{self.seed}:site:{a}"), ag.name, ag.name)
            text = "\n".join(head + body + foot)
        elif kind == "twin":
            head, foot = chrome(rng, ag.name, ag.name, mobile=True)
            text = "\n".join(head + body + foot)
        elif kind == "print":
            text = "\n".join(body)
        elif kind == "repost":  # the parent portal: its own chrome, the agency as it prints it
            head, foot = chrome(rng, host + "人民政府", host + "人民政府")
            if rng.random() < 0.3:
                body = body[1:] if title else body  # the portal prints its own title, not the report's
            if rng.random() < 0.2:
                body = [f"(本文转载自{ag.name}门户网站,内容以原文为准。)", *body]
            text = "\n".join(head + body + foot)
            if agency is not None:
                agency = rng.choice((ag.short, ag.short, ag.province + ag.name if not ag.name.startswith(ag.province) else ag.short,
                                     None, ag.name))
        elif kind == "attachment":
            if rng.random() < 0.25:  # the PDF flows the heading into the paragraph before it
                k = body.index("二、主动公开政府信息情况") if "二、主动公开政府信息情况" in body else 0
                if k:
                    body = body[: k - 1] + [body[k - 1] + body[k]] + body[k + 1 :]
            text = attachment(body, rng)
            values = None
            if rng.random() < 0.2:
                agency = None
        elif kind == "doubled":
            head, foot = chrome(random.Random(f"{self.seed}:site:{a}"), ag.name, ag.name)
            text = "\n".join(head + body + body + foot)
        else:
            raise ValueError(kind)
        vhash = content_hash(values, "") if values is not None else None
        return Item((a, year), kind, Candidate(agency=agency, year=year, values_hash=vhash, values=values, text=text))


# --- runs ---------------------------------------------------------------------------------


class Score:
    def __init__(self) -> None:
        self.true_dups = self.matches = self.correct = self.wrong = 0
        self.by_kind: Counter = Counter()
        self.missed_kind: Counter = Counter()
        self.wrong_kind: Counter = Counter()
        self.relations: Counter = Counter()

    def record(self, item: Item, is_dup: bool, matched_key, relation: str | None = None) -> None:
        self.true_dups += is_dup
        if is_dup:
            self.by_kind[item.kind] += 1
        if matched_key is None:
            if is_dup:
                self.missed_kind[item.kind] += 1
            return
        self.matches += 1
        if matched_key == item.key:
            self.correct += 1
            self.relations[(item.kind, relation)] += 1
        else:
            self.wrong += 1
            self.wrong_kind[item.kind] += 1
            if is_dup:
                self.missed_kind[item.kind] += 1

    def summary(self) -> dict:
        p = self.correct / self.matches if self.matches else 1.0
        r = self.correct / self.true_dups if self.true_dups else 1.0
        return {"true_duplicates": self.true_dups, "matches": self.matches, "correct": self.correct,
                "wrong_merges": self.wrong, "precision": round(p, 4), "recall": round(r, 4),
                "missed_by_kind": dict(self.missed_kind), "wrong_by_kind": dict(self.wrong_kind)}


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_matcher(world: World, args) -> tuple[dict, np.ndarray, list]:
    m = ReportMatcher(threshold=args.threshold, num_perm=args.num_perm, lsh_params=args.lsh)
    seen: set = set()
    owner: dict[str, tuple] = {}
    score = Score()
    sigs = np.empty((world.n_orig + world.n_copies, args.num_perm), dtype=np.uint32)
    meta = []  # (key, kind) for the baselines
    errors: list = []
    paths: Counter = Counter()  # which rule matched: (agency relation, basis)
    sig_time = match_time = gen_time = gen_cpu = 0.0
    t_start, cpu_start = time.perf_counter(), time.process_time()
    stream = world.items()
    for k in range(len(world.events)):
        c0, t0 = time.process_time(), time.perf_counter()
        item = next(stream)
        c1, t1 = time.process_time(), time.perf_counter()
        sig = m.signature(item.cand.text)
        t2 = time.perf_counter()
        found = m.match(item.cand, signature=sig)
        if found is None:
            rid = f"r{k}"
            owner[rid] = item.key
            m.add(rid, item.cand, signature=sig)
        elif found.relation == "revision":
            m.add(found.report_id, item.cand, signature=sig)
        t3 = time.perf_counter()
        is_dup = item.key in seen
        matched = owner[found.report_id] if found else None
        if found:
            paths[(found.agency, found.basis)] += 1
        score.record(item, is_dup, matched, found.relation if found else None)
        if (matched != item.key if found else is_dup) and len(errors) < args.explain:
            errors.append((k, item.kind, item.cand.agency, world.agencies[item.key[0]].name, item.key[1],
                           item.cand.values is not None, found, world.agencies[matched[0]].name if found else None))
        seen.add(item.key)
        sigs[k] = np.frombuffer(sig, dtype="<u4", offset=13)
        meta.append((item.key, item.kind, item.cand.agency, item.cand.year))
        gen_time += t1 - t0
        gen_cpu += c1 - c0
        sig_time += t2 - t1
        match_time += t3 - t2
    total = time.perf_counter() - t_start
    cpu = time.process_time() - cpu_start
    return {"score": score, "seconds": total, "cpu_s": cpu, "generate_s": gen_time, "generate_cpu_s": gen_cpu,
            "signature_s": sig_time, "match_add_s": match_time, "matcher_s": sig_time + match_time,
            "stats": m.stats(), "errors": errors, "paths": paths}, sigs, meta


def run_text_baseline(sigs: np.ndarray, meta: list, args) -> tuple[Score, float]:
    """Generic near-duplicate detection: LSH + Jaccard >= threshold, nothing else. Every item is
    indexed and a match counts as correct when the most similar earlier item is the same report
    (the most favourable reading for this baseline)."""
    probe = ReportMatcher(threshold=args.threshold, num_perm=args.num_perm, lsh_params=args.lsh)
    lsh = MinHashLSH(num_perm=args.num_perm, params=probe._lsh_params)
    empty = np.full(args.num_perm, 0xFFFFFFFF, dtype=np.uint32)
    seen: set = set()
    score = Score()
    t0 = time.perf_counter()
    for k, (key, kind, _, _) in enumerate(meta):
        hv = sigs[k]
        best = None
        if not np.array_equal(hv, empty):
            lean = LeanMinHash(seed=1, hashvalues=hv, scheme="affine32")
            found = lsh.query(lean)
            if found:
                idx = np.asarray(found)
                sims = np.count_nonzero(sigs[idx] == hv, axis=1) / args.num_perm
                j = int(np.argmax(sims))
                if sims[j] >= args.threshold:
                    best = int(idx[j])
            lsh.insert(k, lean, check_duplication=False)
        score.record(Item(key, kind, None), key in seen, meta[best][0] if best is not None else None, "same")
        seen.add(key)
    return score, time.perf_counter() - t0


def run_key_baseline(meta: list) -> tuple[Score, float]:
    """The existing report_id(agency, year): equal ids are one report; no id without both."""
    owner: dict[str, tuple] = {}
    seen: set = set()
    score = Score()
    t0 = time.perf_counter()
    for k, (key, kind, agency, year) in enumerate(meta):
        rid = report_id(agency, year, f"url{k}")
        matched = owner.get(rid)
        if matched is None:
            owner[rid] = key
        score.record(Item(key, kind, None), key in seen, matched, "same")
        seen.add(key)
    return score, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="reports to generate (default 100000)")
    ap.add_argument("--seed", type=int, default=20240131)
    ap.add_argument("--threshold", type=float, default=0.6)
    ap.add_argument("--num-perm", type=int, default=64)
    ap.add_argument("--templates", type=int, default=300)
    ap.add_argument("--lsh", type=lambda v: tuple(int(x) for x in v.split(",")), default=None, metavar="BANDS,ROWS",
                    help="LSH bands and rows (default: tuned by datasketch for the threshold, leaning to recall)")
    ap.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--explain", type=int, default=0, help="print the first N wrong or missed decisions")
    args = ap.parse_args(argv)

    rss0 = maxrss_mb()
    t0 = time.perf_counter()
    world = World(args.n, args.seed, args.templates)
    setup = time.perf_counter() - t0
    rss_world = maxrss_mb()
    if args.tracemalloc:
        tracemalloc.start()
    res, sigs, meta = run_matcher(world, args)
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.stop()
    rss_matcher = maxrss_mb()
    text_score, text_s = run_text_baseline(sigs, meta, args)
    key_score, key_s = run_key_baseline(meta)

    n = len(meta)
    kinds = Counter(kind for _, kind, _, _ in meta)
    s = res["score"].summary()
    print(f"near-duplicate benchmark: n={n} seed={args.seed} threshold={args.threshold} num_perm={args.num_perm} "
          f"templates={args.templates} agencies={len(world.agencies)}")
    print(f"stream: {dict(kinds)}")
    print(f"setup (plan the world): {setup:.1f}s")
    mt = res["matcher_s"]
    print(f"ReportMatcher (signature, match, add): {mt:.1f}s wall, {res['cpu_s'] - res['generate_cpu_s']:.1f}s CPU, "
          f"{n / mt:.0f} reports/s; signatures {res['signature_s']:.1f}s, match+add {res['match_add_s']:.1f}s")
    print(f"  generating the synthetic texts (the bench's own work, not the matcher's) {res['generate_s']:.1f}s; "
          f"whole pass {res['seconds']:.1f}s wall ({res['cpu_s']:.1f}s CPU)")
    print(f"  peak RSS {rss_matcher:.0f} MB (interpreter+imports {rss0:.0f} MB, after planning {rss_world:.0f} MB)"
          + (f"; tracemalloc peak {traced:.0f} MB" if traced is not None else ""))
    print(f"  goal of issue 13 (n=100000: under 60 s and 1 GiB, precision and recall 1.0000): "
          f"{mt:.1f}s, {rss_matcher:.0f} MB, {s['precision']:.4f}/{s['recall']:.4f} at n={n}")
    print(f"  index: {res['stats']}")
    print("per-copy decisions (a copy is a duplicate when an earlier item is the same report):")
    hdr = f"  {'method':<22}{'precision':>10}{'recall':>8}{'matches':>9}{'correct':>9}{'wrong':>7}{'true dups':>11}{'time s':>8}"
    print(hdr)
    rows = [("ReportMatcher", s, res["matcher_s"]), ("text only (LSH)", text_score.summary(), text_s),
            ("agency+year key", key_score.summary(), key_s)]
    for name, sm, secs in rows:
        print(f"  {name:<22}{sm['precision']:>10.4f}{sm['recall']:>8.4f}{sm['matches']:>9}{sm['correct']:>9}"
              f"{sm['wrong_merges']:>7}{sm['true_duplicates']:>11}{secs:>8.1f}")
    for name, sm, _ in rows:
        print(f"  {name}: missed {sm['missed_by_kind']} wrong {sm['wrong_by_kind']}")
    rel = res["score"].relations
    print("  ReportMatcher relations on correct matches:",
          {f"{k}->{r}": c for (k, r), c in sorted(rel.items())})
    print("  ReportMatcher matches by rule (agency, basis):",
          {f"{a}/{b}": c for (a, b), c in sorted(res["paths"].items(), key=lambda kv: -kv[1])})
    for e in res["errors"]:
        print("  error:", e)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"n": n, "seed": args.seed, "threshold": args.threshold, "num_perm": args.num_perm,
                       "seconds": res["seconds"], "cpu_seconds": res["cpu_s"], "matcher_seconds": res["matcher_s"],
                       "matcher_cpu_seconds": res["cpu_s"] - res["generate_cpu_s"], "generate_seconds": res["generate_s"],
                       "reports_per_s": n / res["matcher_s"], "peak_rss_mb": rss_matcher,
                       "tracemalloc_peak_mb": traced, "matcher": s, "text_only": text_score.summary(),
                       "agency_year_key": key_score.summary(), "index": res["stats"]}, fh, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
