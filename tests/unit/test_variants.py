"""Variants: word runs within a small edit distance of the phrase, kept only when they mean the same."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from _index_fakes import FakeEncoder, manifest, record

from index.stores.local import LocalStore
from qa.trace import trace_phrase
from qa.variants import DEFAULT_VARIANTS, candidates, edit_distance, find_variants, word_runs


def test_edit_distance_with_a_limit() -> None:
    assert edit_distance("全面建成小康社会", "全面建设小康社会", 2) == 1
    assert edit_distance("中国特色社会主义", "有中国特色的社会主义", 2) == 2
    assert edit_distance("新质生产力", "社会主义", 1) == 2  # past the limit: limit + 1


def test_word_runs_stop_at_punctuation() -> None:
    assert word_runs(["全面", "建成", "，", "小康"], 2, 4) == ["全面", "全面建成", "建成", "小康"]


def test_candidates_are_close_wordings_not_longer_or_shorter_phrases() -> None:
    words = [["全面", "建设", "小康社会", "，", "全面", "建成", "小康社会", "目标"], ["建成", "小康社会"],
             ["全面", "小康"]]
    found = candidates("全面建成小康社会", ["全面", "建成", "小康社会"], words)
    assert "全面建设小康社会" in found
    assert "建成小康社会" not in found and "全面建成小康社会目标" not in found  # contained / containing
    assert all(edit_distance(c, "全面建成小康社会", 2) <= 2 for c in found)
    assert "全面小康" not in candidates("全面小康社会", ["全面", "小康社会"], [["全面", "小康", "的"]])


class _Exact(FakeEncoder):
    """Same vector for a variant pair, orthogonal-ish otherwise: the threshold's work is seen."""

    def encode_query(self, text: str) -> np.ndarray:
        return super().encode_query(text.replace("建设", "建成"))


def test_find_variants_from_the_index(tmp_path: Path) -> None:
    texts = ["到二〇二〇年全面建成小康社会。", "我们要全面建设小康社会，加快推进现代化。", "全面建设小康社会的目标。",
             "全面推进小康建设的任务。"]
    store = LocalStore.open_for_write(tmp_path)
    store.apply(manifest(), [record("/s/a.txt", "报告", texts, "2012")])
    store.close()
    store = LocalStore.open(tmp_path)
    trace = trace_phrase(store, "全面建成小康社会")
    found = find_variants(store, _Exact(), trace)
    assert [v.text for v in found] == ["全面建设小康社会"] and found[0].similarity > 0.99 and found[0].seen >= 1
    assert find_variants(store, _Exact(), trace, params=replace(DEFAULT_VARIANTS, min_similarity=1.01)) == []
    assert find_variants(store, _Exact(), trace_phrase(store, "小康")) == []  # too short for variants
    store.close()
