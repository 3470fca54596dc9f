"""Chinese place names in English texts: Hanyu Pinyin (GB/T 16159, via pypinyin) with the kind of
place translated ('茶陵收费站' → 'Chaling toll station', '衡阳往郴州方向' → 'Hengyang to Chenzhou').
Road codes (G4, K1617+000) and text already in Latin letters pass through unchanged."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

# Place-name suffixes, longest first, and how English bulletins render them.
_KINDS = (
    ("高速公路执法服务点", "expressway enforcement service point"),
    ("执法服务点", "enforcement service point"),
    ("高速公路", "Expressway"),
    ("高速", "Expressway"),
    ("收费站", "toll station"),
    ("服务区", "service area"),
    ("互通匝道", "interchange ramp"),
    ("互通", "interchange"),
    ("枢纽", "hub interchange"),
    ("立交", "interchange"),
    ("镇村道", "town village road"),
    ("乡村道", "township village road"),
    ("村道", "village road"),
    ("乡道", "township road"),
    ("县道", "county road"),
    ("省道", "provincial road"),
    ("国道", "national road"),
    ("大道", "Avenue"),
    ("大桥", "Bridge"),
    ("隧道", "Tunnel"),
    ("路", "Road"),
    ("街", "Street"),
)
# Readings pypinyin gets wrong at the start of Hunan place names (长 is Chang- in them).
_FIRST = {"长": "chang"}
_HAN = re.compile(r"[\u3400-\u9fff]+")


def _pinyin(text: str) -> str:
    syllables = lazy_pinyin(text)
    if syllables and text[0] in _FIRST:
        syllables[0] = _FIRST[text[0]]
    # GB/T 16159: an apostrophe before a syllable starting with a, o or e inside a word (Jinggang'ao).
    word = syllables[0] + "".join("'" + x if x[:1] in ("a", "o", "e") else x for x in syllables[1:])
    return word.capitalize()


@lru_cache(maxsize=4096)
def romanise(text: str | None) -> str:
    """`text` with its Chinese names in pinyin and their kinds in English; '' for None."""
    if not text:
        return ""
    if text.endswith("前可变情报板") and len(text) > 6:  # '衡山南互通前可变情报板'
        return f"variable message sign before {romanise(text[:-6])}"
    if "往" in text and text.endswith("方向"):  # '衡阳往郴州方向'
        a, _, b = text[: -len("方向")].partition("往")
        return f"{romanise(a)} to {romanise(b)}"
    out = []
    pos = 0
    for m in _HAN.finditer(text):
        out.append(text[pos : m.start()])
        out.append(_name(m.group()))
        pos = m.end()
    out.append(text[pos:])
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _name(han: str) -> str:
    for suffix, english in _KINDS:
        if han.endswith(suffix) and len(han) > len(suffix):
            return f" {_pinyin(han[: -len(suffix)])} {english} "
    return f" {_pinyin(han)} "


_QUARTERS = {"东": "East", "南": "South", "西": "West", "北": "North"}


def exit_en(place: str) -> str:
    """An exit's place in English as the bilingual signs give it: '张家界南' → 'Zhangjiajie South exit',
    '长沙枢纽' → 'Changsha hub interchange', 'K1520+000' → 'K1520+000 exit'. A quarter word (东南西北)
    closing a name of three or more characters is the interchange's side of the town."""
    if place.endswith("枢纽") and len(place) > 2:
        return f"{exit_en(place[:-2]).removesuffix(' exit')} hub interchange"  # 衡阳东枢纽: Hengyang East hub
    if len(place) >= 3 and place[-1] in _QUARTERS and _HAN.fullmatch(place):
        return f"{romanise(place[:-1])} {_QUARTERS[place[-1]]} exit"
    return f"{romanise(place)} exit"


_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_LAWS = (("道路交通安全法实施条例", "implementing regulations"), ("实施条例", "implementing regulations"),
         ("道路交通安全法", "Road Traffic Safety Law"))  # fmt: skip


def _number(zh: str) -> int:
    """'八十一' → 81, '七十八' → 78, '十' → 10 (up to 999)."""
    total, cur = 0, 0
    for ch in zh:
        if ch in _DIGITS:
            cur = _DIGITS[ch]
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
    return total + cur


def article_en(text: str) -> str:
    """'实施条例第八十一条第（三）项' → 'implementing regulations art. 81(3)'; several joined by '；'."""
    parts = []
    for part in re.split(r"[；;]", text):
        law = next((en for zh, en in _LAWS if zh in part), "")
        m = re.search(r"第([零一二三四五六七八九十百]+)条(?:第（([零一二三四五六七八九十]+)）项)?", part)
        if not m:
            parts.append(romanise(part))
            continue
        item = f"({_number(m.group(2))})" if m.group(2) else ""
        parts.append(f"{law} art. {_number(m.group(1))}{item}".strip())
    return "; ".join(parts)
