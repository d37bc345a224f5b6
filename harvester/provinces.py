"""China's 31 provincial-level divisions: full name, short name, one-character abbreviation,
GB/T 2260 code and the usual two-letter code. Public facts, used to target runs by province."""

from __future__ import annotations

# (full name, short name, abbreviation, GB/T 2260 code, two-letter code)
PROVINCES = [
    ("北京市", "北京", "京", "11", "BJ"),
    ("天津市", "天津", "津", "12", "TJ"),
    ("河北省", "河北", "冀", "13", "HE"),
    ("山西省", "山西", "晋", "14", "SX"),
    ("内蒙古自治区", "内蒙古", "蒙", "15", "NM"),
    ("辽宁省", "辽宁", "辽", "21", "LN"),
    ("吉林省", "吉林", "吉", "22", "JL"),
    ("黑龙江省", "黑龙江", "黑", "23", "HL"),
    ("上海市", "上海", "沪", "31", "SH"),
    ("江苏省", "江苏", "苏", "32", "JS"),
    ("浙江省", "浙江", "浙", "33", "ZJ"),
    ("安徽省", "安徽", "皖", "34", "AH"),
    ("福建省", "福建", "闽", "35", "FJ"),
    ("江西省", "江西", "赣", "36", "JX"),
    ("山东省", "山东", "鲁", "37", "SD"),
    ("河南省", "河南", "豫", "41", "HA"),
    ("湖北省", "湖北", "鄂", "42", "HB"),
    ("湖南省", "湖南", "湘", "43", "HN"),
    ("广东省", "广东", "粤", "44", "GD"),
    ("广西壮族自治区", "广西", "桂", "45", "GX"),
    ("海南省", "海南", "琼", "46", "HI"),
    ("重庆市", "重庆", "渝", "50", "CQ"),
    ("四川省", "四川", "川", "51", "SC"),
    ("贵州省", "贵州", "黔", "52", "GZ"),
    ("云南省", "云南", "滇", "53", "YN"),
    ("西藏自治区", "西藏", "藏", "54", "XZ"),
    ("陕西省", "陕西", "陕", "61", "SN"),
    ("甘肃省", "甘肃", "甘", "62", "GS"),
    ("青海省", "青海", "青", "63", "QH"),
    ("宁夏回族自治区", "宁夏", "宁", "64", "NX"),
    ("新疆维吾尔自治区", "新疆", "新", "65", "XJ"),
]

_LOOKUP = {}
for _row in PROVINCES:
    for _key in _row:
        _LOOKUP[_key.upper()] = _row[0]


def resolve_province(text: str) -> str | None:
    """Full name for any of the forms above (case-insensitive codes, 6-digit codes by prefix)."""
    key = (text or "").strip().upper()
    if key.isdigit() and len(key) in (6, 12):
        key = key[:2]
    return _LOOKUP.get(key)
