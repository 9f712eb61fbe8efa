"""Word list numbering rendered as Word draws it: formats, label templates, starts, restarts."""

from __future__ import annotations

import pytest
from lxml import etree

from index.formats.numbering import Numbering, format_number
from tests._docx import NS, level, numbering


@pytest.mark.parametrize(
    ("fmt", "n", "label"),
    [
        ("chineseCounting", 1, "一"), ("chineseCounting", 10, "十"), ("chineseCounting", 11, "十一"),
        ("chineseCounting", 20, "二十"), ("chineseCounting", 21, "二十一"), ("chineseCounting", 105, "一百零五"),
        ("chineseCounting", 110, "一百一十"), ("japaneseCounting", 12, "十二"), ("taiwaneseCountingThousand", 3, "三"),
        ("chineseLegalSimplified", 12, "壹拾贰"), ("ideographDigital", 10, "一〇"), ("ideographTraditional", 2, "乙"),
        ("decimalEnclosedCircle", 3, "③"), ("decimalEnclosedCircle", 21, "21"), ("decimalFullWidth", 12, "１２"),
        ("decimalZero", 7, "07"), ("upperRoman", 14, "XIV"), ("lowerRoman", 4, "iv"), ("upperLetter", 2, "B"),
        ("lowerLetter", 27, "aa"), ("decimal", 42, "42"), ("someFutureFormat", 5, "5"),
    ],
)
def test_number_formats(fmt: str, n: int, label: str) -> None:
    assert format_number(n, fmt) == label


def parse(abstracts: dict[int, list[str]], nums: dict[int, tuple[int, str]]) -> Numbering:
    return Numbering.parse(etree.fromstring(f"<w:numbering {NS}>{numbering(abstracts, nums)}</w:numbering>"))


OUTLINE = [level(0, "chineseCounting", "%1、"), level(1, "chineseCounting", "（%2）"), level(2, "decimal", "%3.")]


def test_levels_count_and_restart_below_the_level_that_advances() -> None:
    lists = parse({1: OUTLINE}, {5: (1, "")})
    seq = [(0,), (1,), (1,), (2,), (0,), (1,), (2,), (2,)]
    assert [lists.label("5", lv[0]) for lv in seq] == ["一、", "（一）", "（二）", "1.", "二、", "（一）", "1.", "2."]


def test_instances_of_one_list_continue_and_start_override_restarts() -> None:
    lists = parse({1: OUTLINE}, {5: (1, ""), 6: (1, ""),
                                 7: (1, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>')})
    assert [lists.label("5", 0), lists.label("6", 0), lists.label("7", 0), lists.label("7", 0)] == \
        ["一、", "二、", "一、", "二、"]


def test_start_value_never_restart_and_multi_level_label() -> None:
    levels = [level(0, "decimal", "第%1章", start=3),
              level(1, "decimal", "%1.%2", extra='<w:lvlRestart w:val="0"/><w:suff w:val="nothing"/>')]
    lists = parse({1: levels}, {1: (1, "")})
    got = [lists.label("1", 0), lists.label("1", 1), lists.label("1", 0), lists.label("1", 1)]
    assert got == ["第3章 ", "3.1", "第4章 ", "4.2"]  # level 2 never restarts; a tab after 第3章 becomes a space


def test_legal_numbering_bullets_and_unknown_lists() -> None:
    levels = [level(0, "chineseCounting", "%1"), level(1, "lowerRoman", "%1.%2", extra="<w:isLgl/>"),
              level(2, "bullet", "\uf0b7")]
    lists = parse({1: levels}, {1: (1, "")})
    assert [lists.label("1", 0), lists.label("1", 1), lists.label("1", 2)] == ["一 ", "1.1 ", ""]
    assert lists.label("0", 0) == "" and lists.label("99", 0) == ""


def test_lvl_override_replaces_a_level() -> None:
    override = f'<w:lvlOverride w:ilvl="0">{level(0, "upperLetter", "%1)", start=2)}</w:lvlOverride>'
    lists = parse({1: OUTLINE}, {1: (1, override)})
    assert [lists.label("1", 0), lists.label("1", 0)] == ["B)", "C)"]
