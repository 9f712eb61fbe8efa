"""resolve_followup: elliptical follow-ups take the previous question's frame."""

from __future__ import annotations

import pytest

from qa.followup import resolve_followup


@pytest.mark.parametrize(
    ("question", "previous", "expected"),
    [
        # same head noun: the matching topic is replaced
        ("那宣传部门呢？", "组织部门在党建中有什么职责？", "宣传部门在党建中有什么职责"),
        ("那么统战部门呢？", "组织部门有什么职责", "统战部门有什么职责"),
        ("那宣传工作呢？", "统一战线工作的主题是什么？", "宣传工作的主题是什么"),
        # no shared head: the longest noun phrase is the topic; the trailing idiom stays
        ("那党风廉政建设呢？", "怎样把意识形态工作责任制落到实处？", "怎样把党风廉政建设落到实处"),
        ("那机关呢", "党支部应该怎样设置？", "机关应该怎样设置"),
        # no marker but ends with 呢
        ("宣传部门呢", "组织部门有什么职责", "宣传部门有什么职责"),
        ("还有宣传部门呢?", "组织部门有什么职责？", "宣传部门有什么职责"),
        # "more of the same"
        ("还有呢？", "怎样壮大主流舆论？", "怎样壮大主流舆论"),
        # pronoun: an aspect of the previous topic
        ("它的作用呢？", "统一战线工作的主题是什么？", "统一战线工作的作用"),
    ],
)
def test_followups_are_resolved(question: str, previous: str, expected: str) -> None:
    assert resolve_followup(question, previous) == expected


@pytest.mark.parametrize(
    ("question", "previous"),
    [
        ("那宣传部门呢？", None),
        ("那宣传部门呢？", "  ？"),
        ("这次会议的主题是什么？", "统一战线工作的主题是什么？"),  # its own question word
        ("那怎么办呢？", "组织部门有什么职责？"),
        ("干部队伍如何做到能上能下？", "怎样壮大主流舆论？"),
        ("这次会议强调了基层党组织建设", "怎样壮大主流舆论？"),  # starts with 这 but no 呢
        ("那么关于全区组织宣传统战工作的总体部署和重点任务安排呢", "组织部门有什么职责？"),  # too long
        ("？", "组织部门有什么职责？"),
    ],
)
def test_full_questions_are_not_followups(question: str, previous: str | None) -> None:
    assert resolve_followup(question, previous) is None


def test_chained_followups_use_the_resolved_previous() -> None:
    first = resolve_followup("那宣传部门呢？", "组织部门有什么职责？")
    assert first == "宣传部门有什么职责"
    assert resolve_followup("那统战部门呢？", first) == "统战部门有什么职责"


def test_without_a_noun_phrase_the_topic_is_prepended() -> None:
    assert resolve_followup("那宣传部门呢？", "为什么？") == "宣传部门 为什么"
