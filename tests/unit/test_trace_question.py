"""History questions are recognised by general patterns, and ordinary questions are left alone."""

from __future__ import annotations

import pytest

from qa.trace_question import TraceQuestion, parse_trace_question


@pytest.mark.parametrize(("question", "phrase"), [
    ("'新质生产力'是哪一年首次提出的？", "新质生产力"),
    ("“新质生产力”是哪一年首次提出的？", "新质生产力"),
    ("新质生产力这个提法最早出现在哪一年？", "新质生产力"),
    ("新质生产力首次提出是在哪一年", "新质生产力"),
    ("什么时候首次提出新质生产力？", "新质生产力"),
    ("实事求是是什么时候提出的？", "实事求是"),
    ("“共同富裕”最早见于哪篇报告？", "共同富裕"),
    ("新質生產力是哪一年首次提出的？", "新質生產力"),
    ("When was 'new quality productive forces' first mentioned?", "new quality productive forces"),
])
def test_first_use_questions(question: str, phrase: str) -> None:
    assert parse_trace_question(question) == TraceQuestion(phrase, "first")


@pytest.mark.parametrize(("question", "phrase"), [
    ("小康社会的提法是怎么变化的？", "小康社会"),
    ("小康社会这一提法是如何演变的？", "小康社会"),
    ("“中国特色社会主义”的表述有哪些变化？", "中国特色社会主义"),
    ("“小康社会”怎么变化的", "小康社会"),
    ("How did the wording of xiaokang society change?", "xiaokang society"),
])
def test_change_of_wording_questions(question: str, phrase: str) -> None:
    assert parse_trace_question(question) == TraceQuestion(phrase, "change")


@pytest.mark.parametrize("question", [
    "机关专职党务工作人员按什么比例配备？", "统一战线工作的主题是什么？", "党的十九大是哪一年召开的？",
    "2024年政府工作报告提出了哪些任务？", "什么是新质生产力？", "经济发展有什么变化？", "今年经济形势发生了什么变化？",
    "社区党建为什么要更加注重服务？", "",
])
def test_other_questions_are_not_history_questions(question: str) -> None:
    assert parse_trace_question(question) is None
