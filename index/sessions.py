"""Meetings with a known date: NPC sessions and CPC national congresses (domain knowledge).

Official texts often name the meeting they were given at instead of a date: "第十一届全国
人民代表大会第一次会议关于政府工作报告的决议", "全面开创社会主义现代化建设的新局面 (十二大)",
"陈独秀在中国共产党第三次全国代表大会上的报告". The meeting fixes the year, so a small table
of them dates such texts (``date_source = "session"``).

Sources: the NPC's list of its sessions (npc.gov.cn, 历届全国人民代表大会 / 历次会议) gives the
year each session opened; from the 8th NPC on there is one session each March. The CPC's
national congresses are dated by their opening day (cpc.people.com.cn, 历次全国代表大会).
The table was cross-checked against every venue line of ``corpus_reports`` that states both a
date and a session (``tests/unit/test_sessions.py``). CPPCC sessions are left out: they
meet alongside the NPC, and no text in the sample corpora is dated by one alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.normalize import normalize
from index.patterns import cn_to_int

#: NPC term (届) → the year each of its sessions (第一次, 第二次, …) opened.
NPC_SESSIONS: dict[int, tuple[int, ...]] = {
    1: (1954, 1955, 1956, 1957, 1958),
    2: (1959, 1960, 1962, 1963),
    3: (1964,),  # opened 1964-12-21, closed 1965-01-04
    4: (1975,),
    5: (1978, 1979, 1980, 1981, 1982),
    6: (1983, 1984, 1985, 1986, 1987),
    7: (1988, 1989, 1990, 1991, 1992),
    **{term: tuple(range(1993 + 5 * (term - 8), 1998 + 5 * (term - 8))) for term in range(8, 14)},
    14: (2023, 2024, 2025),
}

#: CPC national congress (第N次全国代表大会) → its opening day.
CPC_CONGRESSES: dict[int, str] = {
    1: "1921-07-23", 2: "1922-07-16", 3: "1923-06-12", 4: "1925-01-11", 5: "1927-04-27",
    6: "1928-06-18", 7: "1945-04-23", 8: "1956-09-15", 9: "1969-04-01", 10: "1973-08-24",
    11: "1977-08-12", 12: "1982-09-01", 13: "1987-10-25", 14: "1992-10-12", 15: "1997-09-12",
    16: "2002-11-08", 17: "2007-10-15", 18: "2012-11-08", 19: "2017-10-18", 20: "2022-10-16",
}

_N = r"([一二三四五六七八九十]{1,3}|\d{1,2})"
#: 第十四届全国人民代表大会第二次会议 / 十四届全国人大二次会议 (matched on folded text).
_NPC = re.compile(rf"第?{_N}届全国人(?:民代表大会|大)第?{_N}次(?:全体)?会议")
#: 中国共产党第十九次全国代表大会 / 中共七大 / 党的十九大 / "(十二大)" as a title suffix.
_CPC = re.compile(
    rf"中国共产党第{_N}次全国代表大会|(?:中共|党的){_N}大(?![会学小])|[（(]{_N}大[)）]"
)


@dataclass(frozen=True)
class Session:
    """A dated meeting found in a text: its name as written (folded) and its ISO date."""

    name: str
    date: str


def _npc(match: re.Match[str]) -> Session | None:
    term, number = cn_to_int(match.group(1)), cn_to_int(match.group(2))
    years = NPC_SESSIONS.get(term or 0, ())
    if number is None or not 1 <= number <= len(years):
        return None
    return Session(match.group(), str(years[number - 1]))


def _cpc(match: re.Match[str]) -> Session | None:
    numeral = next(g for g in match.groups() if g)
    date = CPC_CONGRESSES.get(cn_to_int(numeral) or 0)
    return Session(match.group(), date) if date else None


def find_session(text: str) -> Session | None:
    """The first NPC session or CPC congress named in ``text`` that the tables know.

    Traditional script and full-width forms are folded first ("第一届全國人民代表大會第四次會議").
    """
    folded = normalize(text)
    found: list[tuple[int, Session]] = []
    for pattern, make in ((_NPC, _npc), (_CPC, _cpc)):
        for match in pattern.finditer(folded):
            session = make(match)
            if session:
                found.append((match.start(), session))
                break
    return min(found, key=lambda x: x[0])[1] if found else None
