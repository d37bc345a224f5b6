"""Which province a place name belongs to: the prefecture-level divisions of China (cities,
prefectures, leagues, autonomous prefectures, plus the county-level cities and forest district
that provinces administer directly) and the 31 provincial-level names. Public facts.

Matching is leftmost-longest over full and short forms ("柳州市柳南区" → 柳州 → 广西), so the
first place an agency's name mentions decides its province.
"""

from __future__ import annotations

import re
from collections import Counter

from harvester.provinces import PROVINCES

# province short name: prefecture-level names; "full/short" where the short form is not just
# the name without 市, 地区 or 盟.
_PREFECTURES = """
河北: 石家庄市 唐山市 秦皇岛市 邯郸市 邢台市 保定市 张家口市 承德市 沧州市 廊坊市 衡水市 雄安新区/雄安
山西: 太原市 大同市 阳泉市 长治市 晋城市 朔州市 晋中市 运城市 忻州市 临汾市 吕梁市
内蒙古: 呼和浩特市 包头市 乌海市 赤峰市 通辽市 鄂尔多斯市 呼伦贝尔市 巴彦淖尔市 乌兰察布市 兴安盟 锡林郭勒盟 阿拉善盟
辽宁: 沈阳市 大连市 鞍山市 抚顺市 本溪市 丹东市 锦州市 营口市 阜新市 辽阳市 盘锦市 铁岭市 朝阳市 葫芦岛市
吉林: 长春市 吉林市 四平市 辽源市 通化市 白山市 松原市 白城市 延边朝鲜族自治州/延边
黑龙江: 哈尔滨市 齐齐哈尔市 鸡西市 鹤岗市 双鸭山市 大庆市 伊春市 佳木斯市 七台河市 牡丹江市 黑河市 绥化市 大兴安岭地区
江苏: 南京市 无锡市 徐州市 常州市 苏州市 南通市 连云港市 淮安市 盐城市 扬州市 镇江市 泰州市 宿迁市
浙江: 杭州市 宁波市 温州市 嘉兴市 湖州市 绍兴市 金华市 衢州市 舟山市 台州市 丽水市
安徽: 合肥市 芜湖市 蚌埠市 淮南市 马鞍山市 淮北市 铜陵市 安庆市 黄山市 滁州市 阜阳市 宿州市 六安市 亳州市 池州市 宣城市
福建: 福州市 厦门市 莆田市 三明市 泉州市 漳州市 南平市 龙岩市 宁德市 平潭综合实验区/平潭
江西: 南昌市 景德镇市 萍乡市 九江市 新余市 鹰潭市 赣州市 吉安市 宜春市 抚州市 上饶市
山东: 济南市 青岛市 淄博市 枣庄市 东营市 烟台市 潍坊市 济宁市 泰安市 威海市 日照市 临沂市 德州市 聊城市 滨州市 菏泽市
河南: 郑州市 开封市 洛阳市 平顶山市 安阳市 鹤壁市 新乡市 焦作市 濮阳市 许昌市 漯河市 三门峡市 南阳市 商丘市 信阳市 周口市 驻马店市 济源市
湖北: 武汉市 黄石市 十堰市 宜昌市 襄阳市 鄂州市 荆门市 孝感市 荆州市 黄冈市 咸宁市 随州市 恩施土家族苗族自治州/恩施 仙桃市 潜江市 天门市 神农架林区/神农架
湖南: 长沙市 株洲市 湘潭市 衡阳市 邵阳市 岳阳市 常德市 张家界市 益阳市 郴州市 永州市 怀化市 娄底市 湘西土家族苗族自治州/湘西
广东: 广州市 韶关市 深圳市 珠海市 汕头市 佛山市 江门市 湛江市 茂名市 肇庆市 惠州市 梅州市 汕尾市 河源市 阳江市 清远市 东莞市 中山市 潮州市 揭阳市 云浮市
广西: 南宁市 柳州市 桂林市 梧州市 北海市 防城港市 钦州市 贵港市 玉林市 百色市 贺州市 河池市 来宾市 崇左市
海南: 海口市 三亚市 三沙市 儋州市
四川: 成都市 自贡市 攀枝花市 泸州市 德阳市 绵阳市 广元市 遂宁市 内江市 乐山市 南充市 眉山市 宜宾市 广安市 达州市 雅安市 巴中市 资阳市 阿坝藏族羌族自治州/阿坝 甘孜藏族自治州/甘孜 凉山彝族自治州/凉山
贵州: 贵阳市 六盘水市 遵义市 安顺市 毕节市 铜仁市 黔西南布依族苗族自治州/黔西南 黔东南苗族侗族自治州/黔东南 黔南布依族苗族自治州/黔南
云南: 昆明市 曲靖市 玉溪市 保山市 昭通市 丽江市 普洱市 临沧市 楚雄彝族自治州/楚雄 红河哈尼族彝族自治州/红河 文山壮族苗族自治州/文山 西双版纳傣族自治州/西双版纳 大理白族自治州/大理 德宏傣族景颇族自治州/德宏 怒江傈僳族自治州/怒江 迪庆藏族自治州/迪庆
西藏: 拉萨市 日喀则市 昌都市 林芝市 山南市 那曲市 阿里地区
陕西: 西安市 铜川市 宝鸡市 咸阳市 渭南市 延安市 汉中市 榆林市 安康市 商洛市 杨凌示范区/杨凌
甘肃: 兰州市 嘉峪关市 金昌市 白银市 天水市 武威市 张掖市 平凉市 酒泉市 庆阳市 定西市 陇南市 临夏回族自治州/临夏 甘南藏族自治州/甘南
青海: 西宁市 海东市 海北藏族自治州/海北 黄南藏族自治州/黄南 海南藏族自治州/海南州 果洛藏族自治州/果洛 玉树藏族自治州/玉树 海西蒙古族藏族自治州/海西
宁夏: 银川市 石嘴山市 吴忠市 固原市 中卫市
新疆: 乌鲁木齐市 克拉玛依市 吐鲁番市 哈密市 昌吉回族自治州/昌吉 博尔塔拉蒙古自治州/博尔塔拉 巴音郭楞蒙古自治州/巴音郭楞 阿克苏地区 克孜勒苏柯尔克孜自治州/克孜勒苏 喀什地区 和田地区 伊犁哈萨克自治州/伊犁 塔城地区 阿勒泰地区 新疆生产建设兵团/兵团
"""

_SUFFIX = re.compile(r"(?:市|地区|盟)$")


def _build():
    by_short = {short: full for full, short, *_ in PROVINCES}
    full_forms: dict[str, str] = {}   # name as printed in full -> province
    short_forms: dict[str, str] = {}
    for full, short, *_ in PROVINCES:
        full_forms[full] = full
        short_forms[short] = full
    for line in _PREFECTURES.strip().splitlines():
        prov, names = line.split(":", 1)
        province = by_short[prov.strip()]
        for token in names.split():
            name, _, short = token.partition("/")
            full_forms.setdefault(name, province)
            short = short or _SUFFIX.sub("", name)
            if len(short) >= 2:
                short_forms.setdefault(short, province)
    return full_forms, short_forms


def _longest_first(names) -> re.Pattern:
    """A pattern matching the longest of `names` at the leftmost place, as the alternation of
    the names longest first does, but written as a trie (柳州市|柳州|柳南区 → 柳(?:州(?:市)?|南区)):
    the regex engine then tries one branch per character instead of every name."""
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in node.items() if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body  # a name ends here: longer ones first

    return re.compile(pattern(trie))


FULL_FORMS, SHORT_FORMS = _build()
_ANY = _longest_first({**SHORT_FORMS, **FULL_FORMS})
_FULL = _longest_first(FULL_FORMS)


def province_of(name: str | None) -> str | None:
    """Province of the first place a name mentions (full or short form), or None."""
    if not name:
        return None
    m = _ANY.search(name)
    if not m:
        return None
    return FULL_FORMS.get(m.group()) or SHORT_FORMS.get(m.group())


def _cue_search_exact(names) -> bool:
    """Whether no name lies inside another short of its end (nor starts one): then each match
    of the names, scanning left to right, is the only one ending at its last character."""
    names = set(names)
    return not any(b[i:j] in names for b in names for i in range(len(b)) for j in range(i + 1, len(b)))


_FULL_LAST = re.compile("[" + "".join(sorted({re.escape(n[-1]) for n in FULL_FORMS})) + "]")
_FULL_LONGEST = max(map(len, FULL_FORMS))
_FULL_BY_CUES = _cue_search_exact(FULL_FORMS) and min(map(len, FULL_FORMS)) >= 3
_FULL_ENDINGS = {n[-3:] for n in FULL_FORMS}  # no full name ends where these do not


def _full_names(text: str) -> list[str]:
    """_FULL.findall(text), tried only before the characters a full name ends with (市, 州, 省,
    区, 盟, 团): a few tries per name in the text instead of one at every character."""
    if not _FULL_BY_CUES:
        return _FULL.findall(text)
    out = []
    end = 0
    for cue in _FULL_LAST.finditer(text):
        last = cue.start()
        if last < end or text[last - 2:last + 1] not in _FULL_ENDINGS:
            continue
        m = _FULL.search(text, max(end, last + 1 - _FULL_LONGEST), last + 1)
        if m:
            out.append(m.group())
            end = m.end()
    return out


def province_in_text(text: str) -> str | None:
    """The province most often named in full in a text (short forms are too ambiguous in prose)."""
    counts = Counter(FULL_FORMS[m] for m in _full_names(text or ""))
    return counts.most_common(1)[0][0] if counts else None


def is_place_name(name: str) -> bool:
    """Whether a name is only a place (贵港市, 柳州市柳南区), i.e. whose government is 人民政府."""
    return bool(_PLACE.fullmatch(name)) and not _ZONE.search(name)


_PLACE = re.compile(r"(?:[\u3400-\u9fff\U00020000-\U0003ffff]{1,10}?(?:省|自治区|市|自治州|州|地区|盟|县|自治县|旗|自治旗|区|林区|镇|乡|街道))+")
_ZONE = re.compile(r"(?:开发区|园区|新区|示范区|保税区|试验区|实验区|合作区|经济区|管理区|风景区|景区|度假区|工业区|港区|片区|高新区|功能区|矿区|农场|林场)$")
