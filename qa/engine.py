"""QAEngine: the single API the CLI and the TUI call.

It opens the index lazily, embeds the question with the query encoder, retrieves with
BM25 and dense search, fuses and reranks (qa.ranking), composes an extractive answer
(qa.compose) and returns typed results (qa.types). Writes go through index.indexer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from index.normalize import to_simplified
from index.store import IndexStore, index_status
from qa.errors import EmptyQuestionError, FilterError, ModelMismatchError
from qa.settings import Settings
from qa.types import Answer, Filters, Hit, IndexReport, IndexStatus, SpeechText

#: progress(done, total, what) — called from the worker thread doing the work.
Progress = Callable[[int, int, str], None]


class QAEngine:
    """Retrieval + answer composition over one index. Safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._store: IndexStore | None = None
        self._encoder: Any = None

    # ----------------------------------------------------------------- loading
    def _open_store(self) -> IndexStore:
        with self._lock:
            if self._store is None:
                self._store = IndexStore.open(self.settings.index_path)
            else:
                self._store.refresh()
            return self._store

    def _query_encoder(self, store: IndexStore) -> Any:
        """The query encoder, checked against the model the index was built with."""
        built_with = store.manifest.model
        if built_with != self.settings.model:
            raise ModelMismatchError(
                f"the index at {store.path} was built with model {built_with!r} but {self.settings.model!r} is "
                f"configured: use --model {built_with!r} or rebuild with `qa index build`")
        with self._lock:
            if self._encoder is None:
                from index.embed import load_query_encoder

                self._encoder = load_query_encoder(self.settings)
            return self._encoder

    @property
    def store(self) -> IndexStore:
        """The open index (opened on first use); raises IndexMissingError when there is none."""
        return self._open_store()

    @property
    def query_encoder(self) -> Any:
        """The query encoder, checked against the index's model."""
        return self._query_encoder(self._open_store())

    def warm_up(self) -> None:
        """Load the index and the query encoder now (the TUI calls this in a worker)."""
        store = self._open_store()
        self._query_encoder(store).encode_query("预热")
        from qa.sentences import normalize_same_length

        normalize_same_length("預熱")  # loads the OpenCC tables
        store.lexical_search("预热", 1)  # loads jieba

    # ----------------------------------------------------------------- asking
    def _retrieve(self, question: str, top_k: int | None, filters: Filters | None) -> tuple[str, list[Any]]:
        from qa.ranking import rank_passages

        if not question or not question.strip():
            raise EmptyQuestionError("the question is empty: type a question, e.g. qa ask \"统一战线工作的主题是什么？\"")
        question = question.strip()
        store = self._open_store()
        encoder = self._query_encoder(store)
        allowed = store.filter_ids(filters)
        if allowed is not None and not allowed:
            raise FilterError(f"no passage matches the filters ({_describe(filters)}); `qa index status` lists the speeches")
        ranked = rank_passages(store, encoder, question, top_k or self.settings.top_k, allowed)
        return question, ranked

    def search(self, question: str, *, top_k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        """Ranked passages, best first, near-duplicates folded."""
        _q, ranked = self._retrieve(question, top_k, filters)
        return [r.hit for r in ranked]

    def ask(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
            previous: str | None = None) -> Answer:
        """Answer ``question``; ``previous`` (the last question) resolves elliptical follow-ups."""
        from qa.compose import compose_answer
        from qa.followup import resolve_followup

        started = time.perf_counter()
        # folded to simplified first: jieba's part-of-speech tags (which find the topic) know
        # simplified words, so a traditional-script follow-up resolves like a simplified one
        resolved = resolve_followup(to_simplified(question), to_simplified(previous)) if previous else None
        asked, ranked = self._retrieve(resolved or question, top_k, filters)
        answer = compose_answer(question.strip(), asked, ranked)
        if resolved:
            answer = _with(answer, resolved_question=resolved)
        return _with(answer, seconds=time.perf_counter() - started)

    # ----------------------------------------------------------------- index
    def status(self) -> IndexStatus:
        return index_status(self.settings.index_path)

    def speech_text(self, chunk_id: int) -> SpeechText:
        """The whole cleaned speech holding ``chunk_id`` (for reading a hit in context)."""
        return self._open_store().speech_text(chunk_id)

    def _indexer(self) -> Any:
        from index.indexer import Indexer

        return Indexer(self.settings)

    def _after_write(self, report: IndexReport) -> IndexReport:
        with self._lock:
            if self._store is not None:
                self._store.refresh()
        return report

    def build(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IndexReport:
        return self._after_write(self._indexer().build(paths, progress))

    def add(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IndexReport:
        return self._after_write(self._indexer().add(paths, progress))

    def remove(self, paths: Sequence[Path]) -> IndexReport:
        return self._after_write(self._indexer().remove(paths))

    def sync(self, folder: Path, *, progress: Progress | None = None) -> IndexReport:
        return self._after_write(self._indexer().sync(folder, progress))


def _describe(filters: Filters | None) -> str:
    """``--doc X --since Y`` as the user typed the filters."""
    if filters is None:
        return ""
    return " ".join(f"--{k} {v}" for k, v in vars(filters).items() if v)


def _with(answer: Answer, **changes: Any) -> Answer:
    from dataclasses import replace

    return replace(answer, **changes)
