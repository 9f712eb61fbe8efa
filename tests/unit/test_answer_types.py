"""Answers by question type, on a small real store embedded with the fake encoder: heading trees,
list answers, sentence choice, years as evidence, refusal rules, long questions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from _answer_store import S2, SPEECH, build_store
from _index_fakes import FakeEncoder

from index.outline import chunk_at, item_number
from index.stores.local import LocalStore
from qa.compose import compose_answer, is_question
from qa.intent import classify
from qa.limits import MAX_QUESTION_CHARS, cut_question
from qa.lists import find_list, with_list
from qa.params import DEFAULTS
from qa.query import plan_query
from qa.ranking import rank_passages
from qa.refusal import Evidence, decide, rule_for

TITLE = "在组织、宣传、统战工作会议上的讲话"
RUN = [((), "今年的工作，要抓好四点。"), ((), "首先，要强化理论武装。理论上的清醒是政治上的坚定的前提。"),
       ((), "其次，要聚焦高质量发展。"), ((), "再次，要加强社会治理。"), ((), "最后，要加强作风建设。")]
GOAL = "{}实现国内生产总值和城乡居民人均收入比2010年翻一番的目标。"
REPORT = "今年发展主要预期目标是：国内生产总值增长{}左右，城镇新增就业1100万人以上。"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    folder = tmp_path_factory.mktemp("answers") / "index"
    opened = build_store(folder, [(TITLE, "2022-02-15", SPEECH), ("在阶段性总结交流会上的讲话", None, RUN),
                                  ("2021年政府工作报告", "2021-03-05", [((), REPORT.format("6%以上"))]),
                                  ("2023年政府工作报告", "2023-03-05", [((), REPORT.format("5%"))]),
                                  ("2012年政府工作报告", "2012-03-05", [((), GOAL.format("继续"))]),
                                  ("为全面建成小康社会而奋斗 (十八大)", "2012-11-08", [((), GOAL.format("确保"))])])
    yield opened
    opened.close()


def ask(store: LocalStore, question: str, top_k: int = 5):  # type: ignore[no-untyped-def]
    plan = plan_query(question, store)
    ranked = rank_passages(store, FakeEncoder(), plan, top_k)
    answer = compose_answer(question, question, ranked, DEFAULTS, True, plan.intent.kind, plan.intent.asks)
    return with_list(answer, plan.lexical, ranked, store) if plan.intent.kind == "list" else answer


# ------------------------------------------------------------------ heading trees
def test_item_numbers_of_every_marker_kind() -> None:
    assert [item_number(t) for t in ("一、总体要求", "（三）抓落实", "2、配强班子", "第二，要把握大势", "十一是强化",
                                     "其次，要聚焦", "最后，要加强", "没有编号")] == [1, 3, 2, 2, 11, 2, 99, 0]


def test_outline_splits_runs_where_numbering_restarts(store: LocalStore) -> None:
    outline = store.outline(1)
    top = outline.runs(-1)
    assert [[outline.headings[i].title for i in run] for run in top] == [
        ["第一，要选贤任能、建强堡垒，全面夯实党的基层基础", S2]]
    second = outline.children(top[0][1])
    assert [outline.headings[i].title for i in second] == ["一要壮大主流舆论", "二要把牢意识形态", "三要突出立德润心"]
    assert outline.headings[second[0]].lead == "宣传思想工作是极端重要的工作。"


def test_every_heading_is_verbatim_in_the_passage_it_points_at(store: LocalStore) -> None:
    for speech_id in (1, 2):
        outline = store.outline(speech_id)
        rows = {r.chunk_id: r for r in store.chunks_by_ids([h.chunk_id for h in outline.headings])}
        for h in outline.headings:
            row = rows[h.chunk_id]
            assert row.text[h.start - row.start : h.start - row.start + len(h.title)] == h.title


def test_seq_run_is_one_enumeration(store: LocalStore) -> None:
    outline = store.outline(2)
    assert [[outline.headings[i].number for i in run] for run in outline.runs(-1)] == [[1, 2, 3, 99]]


def test_chunk_at_finds_the_holding_or_next_chunk() -> None:
    spans = [(7, 0, 10), (8, 12, 20)]
    assert [chunk_at(spans, p) for p in (0, 9, 10, 12, 25)] == [7, 7, 8, 8, -1]


# ------------------------------------------------------------------ list answers
def test_list_question_is_answered_by_its_sections_items_in_order(store: LocalStore) -> None:
    answer = ask(store, "营造良好舆论环境要做好哪几方面工作？")
    assert [s.text for s in answer.sentences] == ["一要壮大主流舆论", "二要把牢意识形态", "三要突出立德润心"]
    assert [s.cite for s in answer.sentences] == [1, 2, 3]  # the cited passages come first
    hits = {h.rank: h for h in answer.hits}
    for s in answer.sentences:  # each cited, verbatim at its offsets
        hit = hits[s.cite]
        assert hit.chunk_id == s.chunk_id
        assert hit.text[s.start - hit.start : s.end - hit.start] == s.text


def test_list_of_first_then_last_run(store: LocalStore) -> None:
    answer = ask(store, "今年的工作要抓好哪几点？")
    assert [s.text for s in answer.sentences] == ["首先，要强化理论武装", "其次，要聚焦高质量发展",
                                                  "再次，要加强社会治理", "最后，要加强作风建设"]


def test_items_outside_the_top_passages_are_added_and_cited(store: LocalStore) -> None:
    answer = ask(store, "营造良好舆论环境要做好哪几方面工作？", top_k=1)
    assert len(answer.sentences) == 3
    assert {s.cite for s in answer.sentences} <= {h.rank for h in answer.hits}
    assert [h.rank for h in answer.hits] == list(range(1, len(answer.hits) + 1))


def test_list_question_without_a_matching_section_gets_sentences(store: LocalStore) -> None:
    plan = plan_query("文明城市创建有哪些经验？", store)
    ranked = rank_passages(store, FakeEncoder(), plan, 5)
    assert find_list(plan.lexical, ranked, store, store.cut) is None


# ------------------------------------------------------------------ sentence choice
def test_a_question_in_the_speech_never_stands_alone(store: LocalStore) -> None:
    answer = ask(store, "为什么要强化理论武装？")
    texts = [s.text for s in answer.sentences]
    assert "理论上的清醒是政治上的坚定的前提。" in texts
    for i, text in enumerate(texts):
        if is_question(text):
            assert i + 1 < len(texts)


def test_heading_brings_the_sentence_that_carries_it(store: LocalStore) -> None:
    texts = [s.text for s in ask(store, "怎样壮大主流舆论？").sentences]
    assert "做大做强正面宣传，讲好身边故事。" in texts


def test_year_named_in_the_question_outranks_the_same_sentence_of_another_year(store: LocalStore) -> None:
    for year, number in (("2021", "6%以上"), ("2023", "5%")):
        answer = ask(store, f"{year}年国内生产总值增长的预期目标是多少？")
        assert answer.hits[0].date is not None and answer.hits[0].date.startswith(year)
        assert number in answer.sentences[0].text


def test_a_congress_named_in_the_question_outranks_a_report_of_its_year(store: LocalStore) -> None:
    answer = ask(store, "十八大提出要实现什么翻一番的目标？")
    assert answer.hits[0].title.endswith("(十八大)")
    assert [s.text for s in answer.sentences] == [GOAL.format("确保")]


# ------------------------------------------------------------------ intent and refusal
@pytest.mark.parametrize(("question", "kind"), [
    ("营造良好舆论环境要做好哪几方面工作？", "list"), ("为什么要强化理论武装？", "why"), ("怎样壮大主流舆论？", "how"),
    ("2024年城镇新增就业目标是多少？", "fact"), ("统一战线工作的主题是什么？", "other"),
    ("What are the main tasks of the government?", "list"), ("How many jobs were created?", "fact"),
    ("社區黨建為什麼要更加注重服務？", "why")])
def test_question_kinds(question: str, kind: str) -> None:
    assert classify(question).kind == kind


def test_english_means_english_words_not_latin_names() -> None:
    assert classify("What does 统一战线 mean?").english
    assert not classify("Mozilla Firefox的开发者是谁？").english
    assert not classify("2021年赤字率是多少？").english


def test_years_named_by_number_or_by_congress() -> None:
    assert classify("2021年赤字率是多少？").years == ("2021",)
    assert classify("十八大提出了什么目标？").years == ("2012",)
    assert classify("三大任务是什么？").years == ()


def test_calibrated_rule_and_its_fallback_for_another_model() -> None:
    near, far = Evidence(0.9, 0.1, 1.0, False), Evidence(0.7, 0.9, 1.0, False)
    assert rule_for(DEFAULTS.calibrated_model) == "calibrated"
    assert rule_for("some/other-model") == "fallback"
    assert decide(near, "calibrated") and not decide(far, "calibrated")
    # another model's cosines are not read at all: only the words found
    assert not decide(near, "fallback") and decide(far, "fallback")


def test_english_needs_its_words_found_in_the_collection() -> None:
    strong = Evidence(0.99, 0.9, 1.0, True)
    assert decide(strong, "calibrated")
    assert not decide(replace(strong, share=0.0), "calibrated")
    assert not decide(replace(strong, share=0.0), "fallback")


def test_long_question_is_cut_with_a_notice(store: LocalStore) -> None:
    text, notice = cut_question("怎样壮大主流舆论？" * 600)
    assert len(text) <= MAX_QUESTION_CHARS and notice and f"{MAX_QUESTION_CHARS:,}" in notice
    assert cut_question("怎样壮大主流舆论？") == ("怎样壮大主流舆论？", None)
    plan = plan_query("怎样壮大主流舆论？" * 600, store)
    assert plan.notice and len(plan.question) <= MAX_QUESTION_CHARS
    assert np.isfinite(rank_passages(store, FakeEncoder(), plan, 3)[0].score)


def test_term_counts(store: LocalStore) -> None:
    counts = store.term_counts(["舆论", "不存在的词"])
    assert counts["舆论"] >= 1 and counts["不存在的词"] == 0
