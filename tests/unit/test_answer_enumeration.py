"""List questions answered by an enumeration inside a sentence (qa/enumeration.py), not a heading run.

A store with the fake encoder: a section whose heading run covers the question's topic words, and a
passage holding the sentence that enumerates the items of the kind asked for. Without the rule the
heading run answers; with it, the enumerating sentence does, whole and cited, its passage first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from _answer_store import Paragraph, build_store
from _index_fakes import FakeEncoder

from index.lexical import full_cut
from index.stores.local import LocalStore
from qa.compose import compose_answer
from qa.enumeration import asked_kind, names_kind, runs
from qa.intent import classify
from qa.lists import with_list
from qa.params import DEFAULTS, RankingParams
from qa.query import plan_query
from qa.ranking import rank_passages
from qa.types import Answer

A = "一、去年文明城市创建取得新成效"
B = "二、深化文明城市创建，重点抓好三方面工作"
UNITS = "在全市文明城市创建总结大会上，我区税务局、东湖街道等6个单位受到表彰。"
LEADERS = "区领导张立新、王海、刘明分别就文明城市创建工作作了安排部署。"
SPEECH: list[Paragraph] = [
    ((A,), A + "。" + UNITS + "推动机关、企事业单位、学校共建共享。"),
    ((A,), "会议充分肯定了文明城市创建成绩。" + LEADERS),
    ((B,), B + "。深化文明城市创建重点抓好三方面工作："),
    ((B, "一是完善文明城市创建机制"), "一是完善文明城市创建机制。建立健全工作责任制。"),
    ((B, "二是加强文明城市创建阵地建设"), "二是加强文明城市创建阵地建设。建好用好实践站。"),
    ((B, "三是开展文明城市创建志愿服务"), "三是开展文明城市创建志愿服务。壮大志愿者队伍。"),
]
#: A passage about something else that enumerates a kind the question may ask for.
TREES = "植物园种植了松树、柏树、银杏等树种。"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    opened = build_store(tmp_path_factory.mktemp("enum") / "index", [("在文明城市创建工作会议上的讲话", "2022-02-15", SPEECH),
                                                                            ("在植物园开园仪式上的讲话", None, [((), TREES)])])
    yield opened
    opened.close()


def ask(store: LocalStore, question: str, params: RankingParams = DEFAULTS) -> Answer:
    plan = plan_query(question, store, params)
    ranked = rank_passages(store, FakeEncoder(), plan, 5, params=params)
    answer = compose_answer(question, question, ranked, params, True, plan.intent.kind, plan.intent.asks)
    assert plan.intent.kind == "list"
    return with_list(answer, plan.lexical, ranked, store, params)


@pytest.mark.parametrize(("question", "kind"), [
    ("文明城市创建有哪些单位受到表彰？", ("单位",)),
    ("区委提出了哪些抓落实的作风要求？", ("作风", "要求")),  # a relative clause only qualifies the kind
    ("哪些区领导在会上作了讲话？", ("区领导",)),  # a one-character word joins the next
    ("“一国两制”解决了哪些地区的问题？", ("地区",)),  # generic after 的: the words before it
    ("今年政府工作有哪些主要任务？", ("任务",)),  # a qualifier is not the kind
    ("营造良好舆论环境要做好哪几方面工作？", ()),  # generic: any enumeration may answer
    ("机关党建要从哪些方面提高质量？", ()),
    ("统一战线工作的主题是什么？", ()),
])
def test_asked_kind(question: str, kind: tuple[str, ...]) -> None:
    assert asked_kind(question, full_cut) == kind


def test_enumeration_names_its_kind_outside_its_items() -> None:
    assert [r.items for r in runs(UNITS)] == [2]
    assert names_kind(UNITS, ("单位",))  # after the run: "…等6个单位"
    assert names_kind(LEADERS, ("区领导",))  # before it: "区领导张立新、…"
    assert names_kind("要大力弘扬“事不过夜、马上就办”的作风。", ("作风",))  # after the quotes and 的
    assert not names_kind("推动机关、企事业单位、学校共建共享。", ("单位",))  # only inside an inner item
    assert not names_kind("在全市总结大会上，我区税务局受到表彰。", ("单位",))  # no run
    assert not names_kind(UNITS, ())


def test_list_questions_are_now_every_which_question() -> None:
    assert classify("哪些区领导在会上作了讲话？").kind == "list"


def test_enumerating_sentence_answers_over_a_heading_run_of_another_kind(store: LocalStore) -> None:
    answer = ask(store, "文明城市创建有哪些单位受到表彰？")
    assert [s.text for s in answer.sentences] == [UNITS]
    first = answer.hits[0]
    assert answer.sentences[0].cite == first.rank == 1
    assert first.text[answer.sentences[0].start - first.start : answer.sentences[0].end - first.start] == UNITS
    assert [h.rank for h in answer.hits] == list(range(1, len(answer.hits) + 1))


def test_kind_before_the_run(store: LocalStore) -> None:
    answer = ask(store, "哪些区领导就文明城市创建作了安排部署？")
    assert [s.text for s in answer.sentences] == [LEADERS]


def test_heading_run_still_answers_a_generic_list_question(store: LocalStore) -> None:
    answer = ask(store, "深化文明城市创建要抓好哪几方面工作？")
    assert [s.text for s in answer.sentences] == ["一是完善文明城市创建机制", "二是加强文明城市创建阵地建设",
                                                  "三是开展文明城市创建志愿服务"]


def test_an_enumeration_in_a_passage_far_below_the_best_is_no_answer(store: LocalStore) -> None:
    question = "完善文明城市创建机制要种植哪些树种？"  # the trees passage scores 0.45 of the best
    assert [s.text for s in ask(store, question, replace(DEFAULTS, enum_passage_ratio=0.0)).sentences] == [TREES]
    assert TREES not in [s.text for s in ask(store, question).sentences]
