"""A text without headings names its subject in its first sentence: later passages are about it too.

Fast: a small real store embedded with the fake encoder."""

from __future__ import annotations

from pathlib import Path

from _answer_store import build_store
from _index_fakes import FakeEncoder

from qa.query import plan_query
from qa.ranking import rank_passages

PLANT = [((), "假苹婆是梧桐科苹婆属的半落叶乔木，别称七姐果。"), ((), "花为圆锥花序腋生，花的颜色是淡红色。")]
OTHER = [((), "五月艾是菊科蒿属的植物。"), ((), "头状花序多数，花黄色，分布于越南。")]


def _best(tmp_path: Path, plant: list[tuple[tuple[str, ...], str]]) -> dict[str, float]:
    store = build_store(tmp_path / "idx", [("TRIAL_1", None, plant), ("TRIAL_2", None, OTHER)])
    try:
        ranked = rank_passages(store, FakeEncoder(), plan_query("假苹婆的花是什么颜色？", store), 4)
        return {r.hit.text[:4]: max(r.sentence_scores) for r in ranked}
    finally:
        store.close()


def test_a_later_passage_is_about_the_subject_its_text_opens_with(tmp_path: Path) -> None:
    best = _best(tmp_path, PLANT)
    # the colour of 假苹婆's flowers: not the passage that only names it, nor another plant's flowers
    assert best["花为圆锥"] > best["假苹婆是"] and best["花为圆锥"] > best["头状花序"]


def test_headings_say_what_a_passage_is_about_where_there_are_any(tmp_path: Path) -> None:
    headed = [(("形态",), text) if i else ((), text) for i, (_, text) in enumerate(PLANT)]
    best = _best(tmp_path, headed)
    assert best["花为圆锥"] < best["假苹婆是"]  # the heading 形态 stands in for the opening sentence
