"""Heading trees of the real speeches, and the rules that tell headings from numbers in text."""

from __future__ import annotations

import pytest
from _corpus import assert_outline_valid, parsed

from index.document import Section
from index.structure import build_outline, clause_title


def titles(sections: list[Section]) -> list[str]:
    return [s.title for s in sections]


def prefixes(sections: list[Section], n: int = 3) -> list[str]:
    return [s.title[:n] for s in sections]


def test_000_dun_headings_with_ascii_paren_subsections() -> None:
    roots = parsed("000").speeches[0].sections
    assert titles(roots) == ["一、在服务保障大局中彰显使命担当", "二、在聚焦重点难点中强化行动自觉"]
    assert prefixes(roots[0].children) == ["(一)", "(二)", "(三)"]
    assert roots[0].children[0].title == "(一)把迎接x大胜利召开和学习贯彻好x大精神作为工作主线"
    assert [s.level for s in roots] == [0, 0] and roots[0].children[0].level == 1


def test_001_compilation_trees() -> None:
    first, second, third, fourth, fifth = parsed("001").speeches
    assert titles(first.sections)[0] == "一、坚持更高标准提高新时代机关党建质量"
    assert titles(first.sections[0].children)[0] == "(一)要更加坚定地抓好政治建设"
    assert prefixes(first.sections[0].children) == ["(一)", "(二)", "(三)", "(四)", "(五)", "(六)"]
    assert prefixes(first.sections[1].children) == ["一要坚", "二要坚", "三要注"]  # inside a paragraph
    assert prefixes(second.sections, 2) == ["一、", "二、", "三、", "四、"]
    assert prefixes(second.sections[0].children, 2) == ["一是", "二是", "三是"]
    assert prefixes(second.sections[1].children, 2) == ["1、", "2、", "3、"]
    assert prefixes(second.sections[2].children, 2) == ["1、", "2、", "3、"]
    assert prefixes(third.sections[1].children, 3) == ["第一要", "第二要", "第三要"]
    assert prefixes(third.sections[1].children[1].children, 2) == ["一是", "二是", "三是", "四是"]
    # a heading glued to its body is cut at the space that separated them
    assert fourth.sections[1].title == "二、明确任务,抓住重点,为区域经济社会发展再立新功"
    assert prefixes(fifth.sections, 5) == ["第一层意思", "第二层意思", "第三层意思"]
    assert prefixes(fifth.sections[2].children, 2) == ["一是", "二是"]


def test_002_di_headings_with_yao_items() -> None:
    roots = parsed("002").speeches[0].sections
    assert prefixes(roots, 2) == ["第一", "第二", "第三", "第四"]
    assert roots[0].title == "第一，要选贤任能、建强堡垒，全面夯实党的基层基础"
    assert [titles(r.children) for r in roots][0] == [
        "一要突出政治建设",
        "二要筑牢战斗堡垒",
        "三要建强干部队伍",
        "四要夯实人才根基",
    ]
    assert [len(r.children) for r in roots] == [4, 3, 3, 4]


def test_003_news_text_has_only_inline_items() -> None:
    roots = parsed("003").speeches[0].sections
    assert prefixes(roots, 2) == [
        "一要",
        "二要",
        "三要",
        "一要",
        "二要",
        "三要",
        "四要",
        "一要",
        "二要",
        "三要",
    ]
    assert roots[0].title == "一要以“三大行动”筑牢基层组织体系"
    text = parsed("003").speeches[0].text
    assert text[roots[2].end] == "\n"  # an inline item ends with its paragraph


def test_004_sequence_words_and_opening_items_stay_text() -> None:
    roots = parsed("004").speeches[0].sections
    assert prefixes(roots, 2) == ["首先", "其次", "再次", "最后"]
    assert roots[0].title == "首先,我们要强化理论武装,不断提高政治站位"


@pytest.mark.parametrize(
    "text",
    [
        "会上,3位同志作了表态发言。\n2020年是关键之年。\n第3名的单位要总结经验。",
        "我们要把第一责任人的责任扛在肩上。\n一要务是发展,这是共识。",
        "各单位要结合实际。其中一是一,二是二。",  # 一是 without a following 二是 at a sentence start
    ],
)
def test_numbers_inside_sentences_are_not_headings(text: str) -> None:
    assert build_outline(text) == []


def test_large_chinese_numbers_continue_runs() -> None:
    text = "\n".join(f"{n}、第{n}项工作要抓好。" for n in ["九", "十", "十一", "十二", "二十"])
    assert prefixes(build_outline(text), 3) == ["九、第", "十、第", "十一、", "十二、"]  # 二十 breaks the run


def test_nesting_of_all_levels_and_closing_salutation() -> None:
    text = "\n".join(
        [
            "同志们:",
            "开场白。",
            "一、总体要求",
            "（一）抓班子",
            "1．选好人。",
            "（1）看政治。",
            "（2）看能力。",
            "2．用好人。",
            "（二）抓队伍",
            "二、保障措施",
            "首先，加强领导。其次，强化考核。",
            "同志们，让我们共同努力！",
        ]
    )
    roots = build_outline(text)
    assert titles(roots) == ["一、总体要求", "二、保障措施"]
    assert titles(roots[0].children) == ["（一）抓班子", "（二）抓队伍"]
    assert titles(roots[0].children[0].children) == ["1．选好人", "2．用好人"]
    assert titles(roots[0].children[0].children[0].children) == ["（1）看政治", "（2）看能力"]
    assert titles(roots[1].children) == ["首先，加强领导", "其次，强化考核"]
    assert text[roots[1].end :].startswith("同志们，让我们")  # closing remarks are no section


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_section_offsets_are_nested_and_ordered(prefix: str) -> None:
    for speech in parsed(prefix).speeches:
        assert_outline_valid(speech.sections, speech.text)
        for sec in speech.sections:
            assert speech.text[sec.start :].startswith(sec.title)


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("一要突出政治建设。党的事业越是向前发展……", "一要突出政治建设"),
        ("一、坚持更高标准提高新时代机关党建质量", "一、坚持更高标准提高新时代机关党建质量"),
        (
            "三、强化素质,适应需求,切实提升服务全局的能力和水平适应社会发展需求,全面做好新时期党群工作,不能仅仅满足。",
            "三、强化素质,适应需求,切实提升服务全局的能力和水平适应社会发展需求,全面做好新时期党群工作",
        ),  # cut at a comma
        (
            "二、明确任务,抓住重点 党群部门是党联系群众、了解社情民意、协调各方利益的重要桥梁和纽带,作用日益突显。",
            "二、明确任务,抓住重点",
        ),  # cut at the space
    ],
)
def test_clause_title(line: str, title: str) -> None:
    assert clause_title(line) == title
