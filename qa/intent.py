"""What kind of answer a question asks for, read from its wording alone.

The answer differs by kind: a list question (有哪些 / 哪几方面) is answered by the items of the
matching section, a why/how question by the reasons or measures, a fact question (who, when, how
many, what target or ratio) by the sentence holding the name, date or number. The rules are
general interrogative patterns of Chinese and English, never tied to a particular question; the
evaluation groups its figures by the same function (scripts/evalkit.py), so what is measured is
what the engine acts on.

A year the question names ("2021年…", "in 2021", "十八大" = 2012) is kept too, and so is a meeting
it names ("十八大" = the congress opened 2012-11-08): the speech they point to is evidence that
outranks a near-identical sentence from another year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.normalize import normalize, to_simplified
from index.patterns import cn_to_int
from index.sessions import CPC_CONGRESSES, find_session

KINDS = ("list", "why", "how", "fact", "other")

_LIST_ZH = re.compile(
    r"有哪些|哪些方面|哪几|几个方面|几方面|几点|几项|几种|几条|哪些[^，。？?]{0,8}(?:要求|任务|措施|工作|举措|重点|意识|原则)"
    r"|包括(?:哪些|什么)|分为哪|主要任务有|哪一?些")
_LIST_EN = re.compile(r"\bwhat (?:are|were) the (?:main |key |major )?(?:\w+ )?(?:aspects|measures|tasks|points|areas"
                      r"|requirements|priorities)\b|\bwhich (?:aspects|measures|tasks|points|areas)\b|\blist\b")
_WHY = re.compile(r"为什么|为何|何以|原因|\bwhy\b")
#: 怎么样 at the end asks how something stands ("排名怎么样"), not how to do it.
_HOW = re.compile(r"怎样(?!$)|怎么(?!样)|如何|\bhow\b(?! (?:many|much|long|old|often)\b)")
_FACT_ZH = re.compile(r"多少|几(?:个|年|次|位|名|岁|天|月|倍|成)|谁|何时|什么时候|哪一?年|哪天|哪个月|比例|比率|比重|目标|"
                      r"百分之|(?:增长|赤字)率|哪位|哪里|何地|在哪")
_FACT_EN = re.compile(r"\bhow (?:many|much|long|old|often)\b|\bwho\b|\bwhen\b|\bwhat (?:year|date|percentage|ratio|rate"
                      r"|target|share)\b|\bratio\b|\bpercent|\btarget\b|\bwhere\b")
#: What a fact question asks for, read from its wording: a year (哪一年, what year; below), a
#: time (何时, 什么时候, when) or a quantity (多少, 几个, 多高, 比例, how many). A who or where question
#: has no surface form to look for in a sentence (names and places are not marked in Chinese text),
#: so it gets none.
_TIME_ASKED = re.compile(r"何时|什么时候|哪一?天|哪个月|几月|几号|什么(?:时间|时期|年代|朝代)|"
                         r"哪个(?:时期|年代|朝代|世纪)|时间是|日期|\bwhen\b|\bwhat (?:date|time)\b")
_QUANTITY_ASKED = re.compile(r"多少|第几|几(?:个|年|次|位|名|岁|天|月|倍|成|种|项|人|座|所|家|部|条|届|场|公里|米)|"
                             r"多(?:大|高|长|重|远|久|深|宽|厚|快)|比例|比率|比重|百分之|率是|(?:增长|赤字)率|目标|指标|"
                             r"\bhow (?:many|much|long|old|far|tall|high)\b|\b(?:ratio|rate|percentage|target)\b")
#: ... and, among times, a year (哪一年, 何年, what year): a month and day without one do not answer it.
_YEAR_ASKED = re.compile(r"哪一?年|何年|年份|\b(?:what|which) year\b")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
#: 十一大 … 二十大 written bare ("十八大提出"): the numerals are unambiguous from 11 on, where
#: "三大任务" or "五大行动" would not be.
_BARE_CONGRESS = re.compile(r"(?<![一二三四五六七八九十])(十[一二三四五六七八九]|二十)大(?![会学小众家型量])")
#: ... and in English: "the 19th Party Congress", "the 12th National Congress of the CPC".
_CONGRESS_EN = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th) (?:(?:cpc|party|national) )*congress\b", re.IGNORECASE)


@dataclass(frozen=True)
class Intent:
    """The kind of answer asked for, the question's script, and the years it names."""

    kind: str
    english: bool
    traditional: bool
    years: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()  # dates of the congresses / NPC sessions named
    asks: str = ""  # "year", "time" or "quantity" when the wording asks for one (whatever the kind), else ""


def is_english(question: str) -> bool:
    """An English question: Latin words, and at most two Chinese characters per Latin word.

    Counted as words against characters, since a Chinese question naming "Mozilla Firefox" has
    more Latin letters than Chinese characters, while "What does 统一战线 mean?" is English.
    """
    words = len(_LATIN_WORD.findall(question))
    cjk = len(_CJK.findall(question))
    return words > 0 and cjk <= 2 * words


def named_sessions(question: str) -> tuple[str, ...]:
    """Dates of the congresses and NPC sessions the question names ("十八大" → 2012-11-08)."""
    folded = normalize(question)
    found = [s.date] if (s := find_session(folded)) else []
    for m in _BARE_CONGRESS.finditer(folded):
        date = CPC_CONGRESSES.get(cn_to_int(m.group(1)) or 0)
        if date:
            found.append(date)
    found += [CPC_CONGRESSES[n] for m in _CONGRESS_EN.finditer(folded) if (n := int(m.group(1))) in CPC_CONGRESSES]
    return tuple(dict.fromkeys(found))


def named_years(question: str) -> tuple[str, ...]:
    """Years the question names: written out ("2021年", "in 2021") or by a congress or NPC session."""
    years = [m.group(1) for m in _YEAR.finditer(normalize(question))]
    return tuple(dict.fromkeys(years + [date[:4] for date in named_sessions(question)]))


def asked_for(question: str) -> str:
    """"year", "time", "quantity" or "": what a sentence answering ``question`` must hold."""
    text = normalize(question).lower()
    if _YEAR_ASKED.search(text):
        return "year"
    if _TIME_ASKED.search(text):
        return "time"
    return "quantity" if _QUANTITY_ASKED.search(text) else ""


def classify(question: str) -> Intent:
    """The kind of answer ``question`` asks for (first match of list, why, how, fact; else other)."""
    text = normalize(question).strip().rstrip("?？!！。. ")
    english = is_english(question)
    traditional = not english and to_simplified(question) != question
    if _LIST_EN.search(text) if english else _LIST_ZH.search(text):
        kind = "list"
    elif _WHY.search(text):
        kind = "why"
    elif _HOW.search(text):
        kind = "how"
    elif (_FACT_EN if english else _FACT_ZH).search(text):
        kind = "fact"
    else:
        kind = "other"
    return Intent(kind, english, traditional, named_years(question), named_sessions(question), asked_for(question))
