"""Why-questions are answered by the sentence that states the reason: which sentences state one
(qa.reasons), which questions ask why (qa.intent), and the choice between a reason and a measure —
on hand-built passages and on a small real store embedded with the fake encoder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from _answer_store import build_store
from _index_fakes import FakeEncoder

from index.stores.local import LocalStore
from qa.compose import choose_sentences, compose_answer
from qa.intent import classify
from qa.params import DEFAULTS
from qa.query import plan_query
from qa.ranking import Ranked, rank_passages
from qa.reasons import reason_flags, states_reason
from qa.sentences import split_sentences
from qa.types import Hit

REASON = "理论上的清醒是政治上的坚定的前提。"
MEASURE = "一是完善学习制度，深化领导干部的理论学习。"


# ------------------------------------------------------------------ which sentences state a reason
@pytest.mark.parametrize("sentence", [
    REASON, "由于延迟上市，市场已经被攻占。", "因為決勝局必定是單數局。", "为了削弱绕流，翼尖安装了小翼。",
    "问题的关键在于落实。", "汉朝军事压力迫使高句丽迁都到丸都城。", "只有坚持学习，才能提高本领。",
    "之所以要这样做，是因为基层是执政之基。", "服务是社区工作的基础，也是出发点。"])
def test_sentences_stating_a_cause_purpose_or_ground(sentence: str) -> None:
    assert states_reason(sentence)


@pytest.mark.parametrize("sentence", [
    MEASURE, "他后来成为了一名教师。", "这种矿物存在于地壳之中。", "他是北京大学的基础医学教授。",
    "大桥于1968年建成通车。", "要严格落实意识形态工作责任制。"])
def test_sentences_that_give_no_reason(sentence: str) -> None:
    assert not states_reason(sentence)


def test_the_sentence_before_therefore_is_the_reason() -> None:
    sentences = ["会议开得很晚。", "人们都很疲惫。", "因此，大家提前回家了。", "天气很好。"]
    assert reason_flags(sentences) == [False, True, True, False]


# ------------------------------------------------------------------ which questions ask why
@pytest.mark.parametrize("question", ["为什么要强化理论武装？", "Why should cadres strengthen their theoretical study?",
                                      "社區黨建為什麼要更加注重服務？", "原因是什么？"])
def test_why_questions_in_every_script(question: str) -> None:
    assert classify(question).kind == "why"


# ------------------------------------------------------------------ choosing, hand-built passages
def passage(text: str, scores: list[float]) -> Ranked:
    spans = tuple(split_sentences(text))
    assert len(spans) == len(scores)
    hit = Hit(1, 1.0, 1, "a.txt", "讲话", None, (), text, 0, len(text))
    return Ranked(hit, spans, tuple(scores), 0.9, 1.0)


def chosen_texts(ranked: list[Ranked], kind: str, **changes: float) -> list[str]:
    params = replace(DEFAULTS, max_sentences=1, point_keep_ratio=1.0, keep_ratio=1.0, **changes)
    return [ranked[c.rank].hit.text[c.span[0] : c.span[1]] for c in choose_sentences(ranked, params, kind)]


def test_a_why_question_takes_the_reason_over_a_measure_covering_a_little_more() -> None:
    ranked = [passage(MEASURE + REASON, [0.6, 0.5])]
    assert chosen_texts(ranked, "why") == [REASON]
    assert chosen_texts(ranked, "why", reason_weight=0.0) == [MEASURE]


@pytest.mark.parametrize("kind", ["how", "fact", "other", "list"])
def test_other_questions_are_unaffected_by_reasons(kind: str) -> None:
    assert chosen_texts([passage(MEASURE + REASON, [0.6, 0.5])], kind) == [MEASURE]


def test_a_reason_about_something_else_gains_nothing() -> None:
    # the bonus is a share of the sentence's own coverage: an unrelated 因为 is no answer
    ranked = [passage(MEASURE + "因为天气很好。", [0.6, 0.0])]
    assert chosen_texts(ranked, "why") == [MEASURE]


def test_a_much_better_measure_still_wins() -> None:
    assert chosen_texts([passage(MEASURE + REASON, [0.9, 0.4])], "why") == [MEASURE]


# ------------------------------------------------------------------ a real store, fake encoder
SPEECH = [((), "一是完善干部理论学习制度，加强学习督促。加强理论学习是干部政治坚定的前提。二是开展专题调研活动。")]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    opened = build_store(Path(tmp_path_factory.mktemp("reasons")) / "index", [("讲话", "2022-02-15", SPEECH)])
    yield opened
    opened.close()


def answer_text(store: LocalStore, question: str, **changes: float) -> str:
    params = replace(DEFAULTS, max_sentences=1, keep_ratio=1.0, point_keep_ratio=1.0, **changes)
    plan = plan_query(question, store, params)
    ranked = rank_passages(store, FakeEncoder(), plan, 3, params=params)
    answer = compose_answer(question, question, ranked, params, True, plan.intent.kind, plan.intent.asks)
    return "".join(s.text for s in answer.sentences)


def test_why_question_over_a_store_is_answered_by_the_reason(store: LocalStore) -> None:
    question = "为什么干部要加强理论学习制度？"
    assert answer_text(store, question) == "加强理论学习是干部政治坚定的前提。"
    assert answer_text(store, question, reason_weight=0.0) == "一是完善干部理论学习制度，加强学习督促。"


def test_how_question_over_the_same_store_keeps_the_measure(store: LocalStore) -> None:
    assert answer_text(store, "怎样加强干部理论学习制度？") == "一是完善干部理论学习制度，加强学习督促。"
