"""qa.limits: a question longer than the limit is cut, at a sentence end where one is near, with a notice."""

from __future__ import annotations

from qa.limits import MAX_QUESTION_CHARS, cut_question


def test_a_question_within_the_limit_is_untouched() -> None:
    question = "统" * MAX_QUESTION_CHARS
    assert cut_question(question) == (question, None)
    assert cut_question(f"  {question}\n") == (f"  {question}\n", None)  # edges do not count


def test_a_long_question_is_cut_at_the_last_sentence_end_in_reach() -> None:
    first = "统一战线工作的主题是什么？" + "大团结大联合。" * ((MAX_QUESTION_CHARS - 20) // 7)
    searched, notice = cut_question(first + "再问一句" * 200)
    assert searched == first and searched.endswith("。")
    assert notice is not None and f"{len(first) + 800:,}" in notice and f"first {len(first):,}" in notice


def test_without_a_sentence_end_the_cut_is_at_the_limit() -> None:
    searched, notice = cut_question("统一战线" * 1000)
    assert len(searched) == MAX_QUESTION_CHARS and notice is not None and "4,000 characters" in notice
