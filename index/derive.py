"""A title for a speech that has none, from the meeting named in its opening.

Speeches saved from document sites often lose their title line, and a citation showing the
file name ("002_34cb7f9ba8abacee") tells the user nothing. A meeting speech nearly always
names its meeting in the first sentence ("今天下午，我们合并召开组织、宣传、统战工作会议，…"),
and "在<meeting>上的讲话" is how such speeches are titled, so that is the derived title. It
is always marked as derived (``Speech.title_derived``): it is the reader's guess.

Meetings are found by general patterns, tried in this order:

1. convened: "召开/举行/召集 <name>会议" – the meeting being held;
2. described: "这次会议是…的<name>会" – the speaker characterising this meeting;
3. referred to: any "<name>会议" in the opening, with a leading issuing body
   ("省市委", "区委", "中央") removed, as the meeting held at this level is of that kind.

A name must say what the meeting is about: "召开会议", "一次重要会议" name none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.patterns import SALUTATION

#: Sentences of the opening searched. On the sample corpus the meeting is named in the
#: first sentence of all three untitled speeches; a second allows a greeting sentence first.
_OPENING_SENTENCES = 2
_OPENING_MAX_CHARS = 400
_NAME_MAX = 30

#: Words that end a meeting's name: 会议, 大会, or <activity>会 (座谈会, 推进会, 交流会 …).
_MEETING = (
    r"(?:会议|大会|(?:座谈|推进|交流|动员|部署|总结|报告|表彰|调度|研讨|讲评|现场|观摩|联席|汇报|分析"
    r"|评议|务虚|誓师|恳谈|对接|推介|培训|点评|约谈)会)"
)
#: Characters a name may hold: CJK, the enumeration comma, digits, brackets ("全县(区)"), quotes.
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff、0-9０-９()（）“”]")
#: Verbs and particles that introduce a name: the name starts after the last of them.
_LEAD = re.compile(r"召开|举行|召集|开好|按照|根据|贯彻|落实|学习|参加|出席|传达|围绕|通过|在|的|是|了")
_CONVENE = re.compile(r"(?:召开|举行|召集|开好)(?:了|的)?$")
_DESCRIBE = re.compile(r"(?:这次|本次|此次|今天的?)(?:会议?|大会)[，,]?(?:既|也|主要|就)?是")
#: Determiners and stock adjectives that say nothing about the meeting.
_EMPTY = re.compile(r"^(?:这次|本次|此次|今天的?|这个|一次|一个|重要的?|专门的?|专题|全体|有关|相关|各类|各种|这样的?)+")
#: An issuing body ahead of a referred-to meeting's name: 省市委, 区委, 县政府, 中央.
_ISSUER = re.compile(r"^(?:中央|[省市县区乡镇]{1,3}(?:委|政府|级))")


def _sentences(paragraphs: Sequence[str]) -> str:
    """The opening: the first sentences of the first paragraph that is not a salutation."""
    for para in paragraphs:
        rest = SALUTATION.sub("", para, count=1).strip()
        if not rest:
            continue
        parts = re.split(r"(?<=[。！？!?])", rest)
        return "".join(parts[:_OPENING_SENTENCES])[:_OPENING_MAX_CHARS]
    return ""


def _core(name: str) -> str:
    """The name without determiners and stock adjectives, and without its meeting word."""
    stripped = _EMPTY.sub("", name)
    return re.sub(rf"{_MEETING}$", "", stripped)


def _name_before(opening: str, start: int, end: int) -> tuple[int, str]:
    """The name ending with the meeting word at ``start:end``, and where it starts."""
    begin = start
    while begin > 0 and start - begin < _NAME_MAX and _NAME_CHAR.match(opening[begin - 1]):
        begin -= 1
    leads = [m.end() for m in _LEAD.finditer(opening, begin, start)]
    begin = max(leads, default=begin)
    return begin, _EMPTY.sub("", opening[begin:end])


def _candidates(opening: str) -> list[tuple[int, int, str]]:
    """(class, position, name) of every meeting named in the opening; class 0 is best."""
    found = []
    for m in re.finditer(_MEETING, opening):
        begin, name = _name_before(opening, m.start(), m.end())
        if len(_core(name)) < 2:
            continue
        before = opening[:begin]
        if _CONVENE.search(before):
            found.append((0, m.start(), name))
        elif _DESCRIBE.search(re.split(r"[。！？!?]", before)[-1]):
            found.append((1, m.start(), name))
        else:
            found.append((2, m.start(), _ISSUER.sub("", name)))
    return found


def derive_title(paragraphs: Sequence[str]) -> str | None:
    """"在<meeting>上的讲话" from the meeting the opening names, or ``None`` when it names none."""
    found = [c for c in _candidates(_sentences(paragraphs)) if len(_core(c[2])) >= 2]  # issuer removed
    if not found:
        return None
    _cls, _pos, name = min(found)
    return f"在{name}上的讲话"
