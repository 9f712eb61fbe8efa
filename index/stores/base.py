"""The one small interface every store implements: what the indexer and the engine need.

Kept to plain types (index.types) and numpy arrays, so the engine, the ranking and both front
ends never know which store answers: the local FAISS + SQLite + BM25 folder, or a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from index.outline import Outline
from index.types import ChunkRow, DocumentRecord, Filters, IndexStatus, Manifest, PhraseMatches, SpeechText

#: (chunk id, score) pairs, best first.
Scored = list[tuple[int, float]]


class Store(Protocol):
    """A searchable index of chunks, written one atomic update at a time."""

    @property
    def location(self) -> str:
        """Folder or URI, for messages."""
        ...

    @property
    def manifest(self) -> Manifest:
        """What built the index; IndexMissingError when it was never built."""
        ...

    @property
    def has_manifest(self) -> bool: ...

    @property
    def damage(self) -> str | None:
        """What part of the index cannot be served (damaged files left out), in user words; None
        when it is served whole. Readers say it with every answer (never a half state silently)."""
        ...

    def refresh(self) -> bool:
        """Pick up an update committed since loading (by any process); True if something changed."""
        ...

    def close(self) -> None: ...

    # ----------------------------------------------------------------- reading
    def chunk_count(self) -> int: ...

    def dense_search(self, vec: np.ndarray, k: int, filters: Filters | None = None) -> Scored:
        """Inner-product search of a normalized query vector, at most ``k``."""
        ...

    def lexical_search(self, question: str, k: int, filters: Filters | None = None) -> Scored:
        """BM25 search of the question's words, scores > 0, at most ``k``."""
        ...

    def cut(self, text: str) -> list[str]:
        """The question's words as the lexical side cuts them (normalized, precise mode)."""
        ...

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many passages hold each of ``terms`` (lexical tokens; 0 when unknown): tells which
        words of a translated question the collection uses at all."""
        ...

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """Stored vectors of ``ids``, rows in the same order (the ids must exist)."""
        ...

    def chunks_by_ids(self, ids: Iterable[int]) -> list[ChunkRow]:
        """Rows for ``ids`` in the order given; ids no longer stored are left out."""
        ...

    def speech_text(self, chunk_id: int) -> SpeechText: ...

    def outline(self, speech_id: int) -> Outline:
        """The heading tree of stored speech ``speech_id`` (``ChunkRow.speech_id``), with the passage
        holding each heading: what list answers are made of (index.outline)."""
        ...

    def documents(self) -> dict[str, str]:
        """Every indexed document: path → sha256 of its raw bytes."""
        ...

    def find_phrase(self, phrase: str, filters: Filters | None = None) -> PhraseMatches:
        """Every occurrence of ``phrase`` in whole speech texts, matched after folding (NFKC,
        traditional→simplified, lower case) with whitespace ignored on both sides; offsets
        into the cleaned speech text, each with the chunk that cites it.
        SpeechQAError for an empty or over-long phrase."""
        ...

    def matching_count(self, filters: Filters) -> int:
        """How many chunks ``filters`` allow (FilterError for an invalid filter)."""
        ...

    def status(self) -> IndexStatus: ...

    # ----------------------------------------------------------------- writing
    def known_vectors(self, embed_texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of passages whose embed text is among ``embed_texts`` (to skip re-embedding)."""
        ...

    def apply(self, manifest: Manifest, documents: Sequence[DocumentRecord], remove_paths: Sequence[str] = (),
              *, replace_all: bool = False) -> None:
        """Store new/changed ``documents`` and drop ``remove_paths`` as one atomic update.

        The caller holds the writer lock. ``replace_all`` drops everything first (a full
        build); a document whose path is already stored is replaced.
        """
        ...
