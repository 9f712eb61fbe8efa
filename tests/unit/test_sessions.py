"""The table of dated meetings (NPC sessions, CPC congresses) and how they are found in text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.sessions import CPC_CONGRESSES, NPC_SESSIONS, Session, find_session

_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1..99 in the spoken form the texts use (十, 十四, 二十, 二十一)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


NPC_CASES = [(term, n + 1, year) for term, years in NPC_SESSIONS.items() for n, year in enumerate(years)]


def test_tables_run_forward_in_time() -> None:
    """A typo in the table shows up as a year out of order."""
    flat = [year for term in sorted(NPC_SESSIONS) for year in NPC_SESSIONS[term]]
    assert flat == sorted(flat) and len(set(flat)) == len(flat)
    dates = [CPC_CONGRESSES[n] for n in sorted(CPC_CONGRESSES)]
    assert dates == sorted(dates) and sorted(CPC_CONGRESSES) == list(range(1, 21))


@given(st.sampled_from(NPC_CASES), st.booleans(), st.booleans())
def test_every_npc_session_is_found_in_full_or_short_form(case: tuple[int, int, int], short: bool,
                                                          traditional: bool) -> None:
    term, number, year = case
    if short:
        text = f"{cn_numeral(term)}届全国人大{cn_numeral(number)}次会议"
    else:
        text = f"第{cn_numeral(term)}届全国人民代表大会第{cn_numeral(number)}次会议"
    if traditional:
        text = text.replace("届", "屆").replace("国", "國").replace("会议", "會議").replace("会", "會")
    assert find_session(f"关于{text}的决议") == Session(
        text.replace("屆", "届").replace("國", "国").replace("會議", "会议").replace("會", "会"), str(year))


@given(st.integers(1, 20), st.sampled_from(["中国共产党第{}次全国代表大会", "党的{}大", "中共{}大", "（{}大）", "({}大)"]))
def test_every_cpc_congress_is_found(number: int, form: str) -> None:
    found = find_session("在" + form.format(cn_numeral(number)) + "上的报告")
    assert found is not None and found.date == CPC_CONGRESSES[number]


@pytest.mark.parametrize("text", [
    "第十五届全国人民代表大会第一次会议",  # not held yet: not in the table
    "第八届全国人民代表大会第六次会议",  # the 8th NPC had five sessions
    "全国人民代表大会常务委员会",
    "论十大关系",  # "十大" without 党的/中共/brackets is not a congress
    "第二十一次全国代表大会",  # which organisation's?
])
def test_no_session(text: str) -> None:
    assert find_session(text) is None


def test_first_session_named_wins_and_full_width_digits_fold() -> None:
    assert find_session("党的十九大以来，第１３届全国人民代表大会第３次会议") == Session("党的十九大", "2017-10-18")
    assert find_session("第１３届全国人民代表大会第３次会议") == Session("第13届全国人民代表大会第3次会议", "2020")
