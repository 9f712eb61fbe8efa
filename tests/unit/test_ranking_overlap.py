"""Dense and BM25 search side by side (qa.ranking._search_both): the same passages as searching
one after the other, whichever side finishes first, and an error of either side still reaches
the caller."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _answer_store import build_store
from _index_fakes import FakeEncoder

import qa.ranking as ranking
from index.errors import SpeechQAError
from index.stores.local import LocalStore
from qa.params import DEFAULTS, RankingParams

SPEECHES = [
    ("组织工作会议讲话", "2021-03-01", [(("一、加强基层党建",), "要把党支部建设成坚强战斗堡垒。"),
                                    (("二、干部队伍建设",), "干部能上能下，要完善考核评价机制。")]),
    ("宣传工作会议讲话", "2022-03-01", [(("一、壮大主流舆论",), "要壮大主流舆论，把牢意识形态主导权。"),
                                    (("二、理论武装",), "理论上的清醒是政治上坚定的前提，要强化理论武装。")]),
    ("统战工作会议讲话", "2023-03-01", [(("一、凝聚共识",), "统一战线要紧扣中心献计出力。"),
                                    (("二、宗教工作",), "坚持宗教中国化方向，做好宗教工作。")]),
]
QUESTIONS = ["干部如何能上能下？", "为什么要强化理论武装？", "统一战线怎样献计出力？", "宗教工作"]


class SlowDense:
    """The store, with a dense side that takes ``delay`` seconds or raises ``error``."""

    def __init__(self, store: LocalStore, delay: float = 0.0, error: Exception | None = None,
                 lexical_error: Exception | None = None) -> None:
        self._store, self._delay, self._error, self._lexical_error = store, delay, error, lexical_error
        self.dense_threads: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def dense_search(self, *args: Any) -> Any:
        self.dense_threads.append(threading.current_thread().name)
        time.sleep(self._delay)
        if self._error is not None:
            raise self._error
        return self._store.dense_search(*args)

    def lexical_search(self, *args: Any) -> Any:
        if self._lexical_error is not None:
            raise self._lexical_error
        return self._store.lexical_search(*args)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStore]:
    opened = build_store(Path(tmp_path_factory.mktemp("overlap")) / "index", SPEECHES)
    yield opened
    opened.close()


def one_after_the_other(store: Any, qvec: np.ndarray, question: str, filters: Any, size: int, _params: Any) -> Any:
    return store.dense_search(qvec, size, filters), store.lexical_search(question, size, filters), {}


def ranked(store: Any, question: str, params: RankingParams = DEFAULTS) -> list[tuple[int, float, tuple[float, ...]]]:
    return [(r.hit.chunk_id, r.score, r.sentence_scores)
            for r in ranking.rank_passages(store, FakeEncoder(), question, 4, params=params)]


EAGER = replace(DEFAULTS, overlap_min_s=0.0)  # side by side whatever the sides take


@pytest.mark.parametrize("delay", [0.0, 0.05])  # 0.05 s: BM25 finishes first, and rows are read meanwhile
def test_side_by_side_ranks_as_one_after_the_other(store: LocalStore, monkeypatch: pytest.MonkeyPatch,
                                                   delay: float) -> None:
    monkeypatch.setattr(ranking, "idle_cores", lambda: 2)
    slow = SlowDense(store, delay)
    ranked(slow, QUESTIONS[0], EAGER)  # the first search of a store times both sides, one after the other
    assert slow.dense_threads == [threading.current_thread().name]
    together = {q: ranked(slow, q, EAGER) for q in QUESTIONS}
    assert all(name.startswith("qa-dense") for name in slow.dense_threads[1:])
    monkeypatch.setattr(ranking, "_search_both", one_after_the_other)
    assert together == {q: ranked(store, q) for q in QUESTIONS}
    assert all(together.values())


@pytest.mark.parametrize(("idle", "params"), [(1, EAGER), (2, DEFAULTS)])
def test_a_busy_machine_or_quick_sides_search_one_after_the_other(store: LocalStore, monkeypatch: pytest.MonkeyPatch,
                                                                  idle: int, params: RankingParams) -> None:
    """Busy: no core to spare. Quick: this small store's sides take well under 2 ms."""
    monkeypatch.setattr(ranking, "idle_cores", lambda: idle)
    slow = SlowDense(store)
    for question in QUESTIONS:
        assert ranked(slow, question, params)
    assert slow.dense_threads == [threading.current_thread().name] * len(QUESTIONS)


def side_by_side(slow: SlowDense, monkeypatch: pytest.MonkeyPatch) -> SlowDense:
    monkeypatch.setattr(ranking, "idle_cores", lambda: 2)
    ranking._side_times[slow] = (1.0, 1.0)  # noqa: SLF001 - as if both sides had been slow so far
    return slow


def test_an_error_of_the_dense_side_reaches_the_caller(store: LocalStore, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = side_by_side(SlowDense(store, 0.02, error=SpeechQAError("dense side broke")), monkeypatch)
    with pytest.raises(SpeechQAError, match="dense side broke"):
        ranked(slow, QUESTIONS[0])
    assert slow.dense_threads[0].startswith("qa-dense")


def test_an_error_of_bm25_waits_for_the_dense_side_and_is_raised(store: LocalStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    slow = side_by_side(SlowDense(store, 0.05, lexical_error=SpeechQAError("bm25 broke")), monkeypatch)
    started = time.perf_counter()
    with pytest.raises(SpeechQAError, match="bm25 broke"):
        ranked(slow, QUESTIONS[0])
    assert time.perf_counter() - started >= 0.05  # no search is left running behind the error
    assert slow.dense_threads[0].startswith("qa-dense")


@pytest.mark.parametrize(("env", "expected"), [({}, "1000"), ({"GOMP_SPINCOUNT": "77"}, "77")])
def test_openmp_threads_sleep_soon_unless_the_user_says_otherwise(env: dict[str, str], expected: str) -> None:
    base = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    out = subprocess.run([sys.executable, "-c", "import index, os; print(os.environ['GOMP_SPINCOUNT'])"],
                         env={**base, **env}, capture_output=True, text=True, check=True).stdout
    assert out.strip() == expected
