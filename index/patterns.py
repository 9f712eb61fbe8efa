"""Regular expressions and small helpers shared by cleaning, splitting and structuring.

They live in one place because the three stages must agree on what a heading, a
salutation or a date line looks like: the cleaner must not glue a heading onto the
previous line, the splitter must not take a heading for a title, and the structurer
must find exactly those headings.
"""

from __future__ import annotations

import re

#: Chinese numerals as they appear in enumerations (一、, 十一、, 二十、, 二〇一二年).
CN_DIGITS = "零〇○一二三四五六七八九"
CN_NUM = f"[{CN_DIGITS}十百]{{1,4}}"
_DIGIT_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}

#: Sentence-final punctuation, full-width and ASCII (text is never rewritten).
SENTENCE_END = "。！？；!?;"
#: What a line ends with when it is a complete paragraph (also closing quotes/brackets).
PARAGRAPH_END = SENTENCE_END + "：:…”’」』）)】》>—~～."

#: 同志们: / 同志们, / 各位领导、同志们: – opening and closing formulas, never sections.
SALUTATION = re.compile(
    r"^(?:各位(?:领导|同志|代表|委员|来宾)[、，,]?)*同志们(?:、[^，,：:。\n]{1,6})*[：:，,！!]"
)

#: 第一篇: title / 第二篇 title – the marker of one speech inside a compilation file.
PART_MARKER = re.compile(rf"^第({CN_NUM}|\d{{1,3}})篇(?:[：:\s]\s*(.*))?$")

_YMD = r"(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
_CN_YMD = rf"({CN_NUM})年({CN_NUM})月(?:({CN_NUM})日)?"
#: A paragraph that is only a date: 2012年3月9日, 2021/5/21, 二〇一二年三月九日, (2012年3月9日).
DATE_LINE = re.compile(rf"^[（(]?(?:{_YMD}|(\d{{4}})年(\d{{1,2}})月|{_CN_YMD})[）)]?$")
_YEAR_IN_TITLE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


def cn_to_int(numeral: str) -> int | None:
    """Value of a Chinese (or Arabic) numeral up to 9999; ``None`` if it is not one.

    Handles both positional spellings (二〇一二) and the spoken form (二十一, 十一).
    """
    if numeral.isdigit():
        return int(numeral)
    if "十" not in numeral and "百" not in numeral:
        if not all(c in _DIGIT_VALUE for c in numeral):
            return None
        value = 0
        for c in numeral:
            value = value * 10 + _DIGIT_VALUE[c]
        return value
    total, current = 0, 0
    for c in numeral:
        if c in _DIGIT_VALUE:
            current = _DIGIT_VALUE[c]
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        elif c == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def _iso(year: int | None, month: int | None = None, day: int | None = None) -> str | None:
    """ISO date with as much precision as is known, or ``None`` when out of range."""
    if year is None or not 1900 <= year <= 2100:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= 31:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date_line(line: str) -> str | None:
    """ISO date of a paragraph that holds nothing but a date, else ``None``."""
    m = DATE_LINE.match(line.strip())
    if not m:
        return None
    g = m.groups()
    if g[0]:
        return _iso(int(g[0]), int(g[1]), int(g[2]))
    if g[3]:
        return _iso(int(g[3]), int(g[4]))
    day = cn_to_int(g[7]) if g[7] else None
    return _iso(cn_to_int(g[5]), cn_to_int(g[6]), day)


def year_in_title(title: str) -> str | None:
    """The year "2020" from a title like "2020年在全县…会议上的讲话"; ``None`` if no year is named."""
    m = _YEAR_IN_TITLE.search(title)
    return _iso(int(m.group(1))) if m else None


#: Headings that only count at the start of a paragraph: 一、 (一) 1、 (1) ①.
PARA_HEADING = re.compile(
    rf"^(?:(?P<dun>{CN_NUM})[、．.]|[（(](?P<paren>{CN_NUM})[）)]|(?P<adun>\d{{1,2}})[、．.](?!\d)"
    r"|[（(](?P<apar>\d{1,2})[）)]|(?P<circ>[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]))",
    re.M,
)
#: Enumerations that may also open a sentence inside a paragraph: 第一，/第一层意思/一是/一要/首先，
INLINE_HEADING = re.compile(
    r"(?:^|(?<=[。！？；!?;：:])|(?<=[。！？!?][”’]))"
    rf"(?:第(?P<di>{CN_NUM})(?P<disfx>部分|层意思|方面|点|条|是|要|[，,、：:])"
    rf"|(?P<inl>{CN_NUM})(?P<inlsfx>是|要)|(?P<seq>首先|其次|再次|最后)[，,])",
    re.M,
)


def starts_with_heading(line: str) -> bool:
    """True when a paragraph opens with an enumeration marker (一、, （一）, 第一，, 一是 …)."""
    return bool(PARA_HEADING.match(line) or INLINE_HEADING.match(line))
