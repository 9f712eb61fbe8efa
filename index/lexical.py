"""BM25 over jieba tokens of normalized chunk text (bm25s), persisted beside the FAISS file.

Dense retrieval misses the exact wording (提法) users type verbatim; BM25 catches it. Tokens
are computed once per chunk when it is stored (jieba runs at ~300k chars/s, too slow to redo
for the whole collection on every change) and the bm25s matrix is rebuilt from those stored
tokens on every write, which takes well under a second at this scale and keeps the index
exactly in step with SQLite without any incremental bookkeeping.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.model import embed_text
from index.normalize import normalize

_IDS_FILE = "ids.npy"
_jieba_lock = threading.Lock()
_jieba: Any = None


def _jieba_module() -> Any:
    """jieba, initialised once and silenced (it prints its dictionary loading to stderr)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def tokenize(text: str) -> list[str]:
    """Normalized search tokens of ``text``: jieba's search-mode cut, punctuation dropped.

    Search mode also emits the parts of long compounds (专职党务工作人员 → 专职, 党务, 工作,
    人员, …), so a query that words a compound differently still shares tokens with it.
    """
    words = _jieba_module().lcut_for_search(normalize(text))
    return [w for w in (w.strip() for w in words) if w and any(c.isalnum() for c in w) and not any(c.isspace() for c in w)]


def lexical_text(title: str, section: Sequence[str], body: str, *, header: bool) -> str:
    """The text BM25 indexes for a chunk: the body, with title and section path in front if ``header``."""
    return embed_text(title, tuple(section), body) if header else body


class LexicalIndex:
    """An immutable BM25 index whose row ``i`` is chunk ``ids[i]``."""

    def __init__(self, ids: np.ndarray, retriever: Any | None) -> None:
        self.ids = ids.astype(np.int64)
        self._retriever = retriever

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def build(cls, ids: Sequence[int], token_lists: Sequence[Sequence[str]]) -> LexicalIndex:
        """Index ``token_lists[i]`` as chunk ``ids[i]``; an empty collection gives an empty index."""
        if len(ids) != len(token_lists):
            raise ValueError("ids and token_lists differ in length")
        id_array = np.asarray(list(ids), dtype=np.int64)
        if not len(id_array):
            return cls(id_array, None)
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([list(t) for t in token_lists], show_progress=False)
        return cls(id_array, retriever)

    def save(self, directory: Path) -> None:
        """Write to ``directory`` via a temporary sibling and one rename (never half-written)."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(tmp), show_progress=False)
        np.save(tmp / _IDS_FILE, self.ids)
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Load what :meth:`save` wrote; raises OSError/ValueError if it is missing or broken."""
        ids = np.load(directory / _IDS_FILE, allow_pickle=False)
        if not len(ids):
            return cls(ids, None)
        import bm25s

        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(ids, retriever)

    def search(self, query: str, k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best chunks for ``query`` as ``(chunk_id, score)``, best first, scores > 0.

        ``allowed_ids`` restricts the candidates (filters); ``None`` means all. A query with
        no token known to the index, or an empty index, returns ``[]``.
        """
        return self.search_tokens(tokenize(query), k, allowed_ids)

    def search_tokens(self, tokens: Sequence[str], k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """Like :meth:`search` for already tokenized queries (the engine may tokenize once)."""
        if self._retriever is None or k <= 0:
            return []
        vocab = self._retriever.vocab_dict
        known = list(dict.fromkeys(t for t in tokens if t and t in vocab))
        if not known:
            return []
        scores = np.asarray(self._retriever.get_scores(known), dtype=np.float32)
        if allowed_ids is not None:
            scores = np.where(np.isin(self.ids, np.fromiter(allowed_ids, dtype=np.int64)), scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in order]
