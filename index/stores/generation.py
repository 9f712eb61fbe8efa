"""One committed state of the local store, searched as one index: segments minus tombstones.

A :class:`Generation` is what a reader serves between two writes: the manifest and layout
SQLite committed, the segments they name (memory-mapped) and the chunk ids removed since their
segment was written (tombstones, in SQLite too). Searches run over every segment and merge;
BM25 scores the segments as one collection (:func:`index.lexical.search_segments`). Row masks
(filters, tombstones) are numpy booleans per segment, so a filter at 1M passages costs a few
array operations, not a Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.bm25 import Postings
from index.lexical import LexicalIndex, search_segments, summed_frequency
from index.stores.local_schema import Layout
from index.stores.segments import Segment, shortlists
from index.types import Manifest

#: Per segment, the rows a search may return (None: all).
Masks = tuple[np.ndarray | None, ...]


@dataclass(frozen=True)
class Generation:
    """The live segments and tombstones of one committed write (``manifest`` None: never built)."""

    manifest: Manifest | None
    layout: Layout = field(default_factory=Layout)
    segments: tuple[Segment, ...] = ()
    dead: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_live", tuple(_live_mask(s, self.dead) for s in self.segments))

    @property
    def live(self) -> Masks:
        """Rows not removed since their segment was written, per segment (None: every row)."""
        return self._live  # type: ignore[attr-defined,no-any-return]

    def chunk_count(self) -> int:
        return sum(len(s) for s in self.segments) - len(self.dead)

    @property
    def cutter(self) -> LexicalIndex:
        """The segment that carries the query dictionary (cuts questions), or an empty index."""
        for segment in self.segments:
            if segment.number == self.layout.dictionary:
                return segment.lexical
        if self.segments:  # its segment is damaged and skipped (stores/health.py): full jieba, as passages were cut
            return LexicalIndex(np.zeros(0, np.int64), Postings.empty())
        return LexicalIndex(np.zeros(0, np.int64))

    def document_frequency(self, tokens: Sequence[str]) -> dict[str, int]:
        """Rows holding each token, as BM25's IDF counts them over every segment (0: unknown)."""
        lexicals = [s.lexical for s in self.segments]
        counts = summed_frequency(lexicals, [lexical.columns(tokens) for lexical in lexicals])
        return {t: counts.get(t, 0) for t in tokens}

    # ----------------------------------------------------------------- introspection (tests, checks)
    @property
    def vectors(self) -> _Ids:
        """Chunk ids the dense side can return (every segment's rows, tombstones left out)."""
        return _Ids(_ids(self, [s.dense.ntotal for s in self.segments]))

    @property
    def lexical(self) -> _Ids:
        """Chunk ids the BM25 side can return."""
        return _Ids(_ids(self, [len(s.lexical) for s in self.segments]))

    # ----------------------------------------------------------------- searching
    def masks(self, allowed: Masks | None) -> Masks:
        """Tombstones and a filter's masks combined."""
        if allowed is None:
            return self.live
        return tuple(a if live is None else a & live for a, live in zip(allowed, self.live, strict=True))

    def dense_search(self, vec: np.ndarray, k: int, allowed: Masks | None = None) -> list[tuple[int, float]]:
        query = np.ascontiguousarray(np.asarray(vec, dtype=np.float32).reshape(1, -1))
        found: list[tuple[float, int]] = []
        for segment, mask, shortlist in zip(self.segments, self.masks(allowed), shortlists(self.segments), strict=True):
            rows, scores = segment.search(query, k, mask, shortlist)
            found += [(-float(s), int(segment.ids[r])) for r, s in zip(rows, scores, strict=True)]
        found.sort()
        return [(cid, -neg) for neg, cid in found[:k]]

    def lexical_search(self, tokens: Sequence[str], k: int, allowed: Masks | None = None) -> list[tuple[int, float]]:
        parts = [(s.lexical, m) for s, m in zip(self.segments, self.masks(allowed), strict=True)]
        return search_segments(parts, tokens, k)

    def locate(self, ids: Sequence[int]) -> list[tuple[int, int]]:
        """(segment index, row) of each live chunk id; KeyError for an id not stored."""
        wanted = np.asarray(ids, dtype=np.int64)
        where = [(-1, -1)] * len(wanted)
        for s, segment in enumerate(self.segments):
            seg_ids = segment.ids
            pos = np.searchsorted(seg_ids, wanted)
            hit = (pos < len(seg_ids)) & (np.take(seg_ids, np.minimum(pos, len(seg_ids) - 1)) == wanted) \
                if len(seg_ids) else np.zeros(len(wanted), bool)
            for i in np.flatnonzero(hit):
                where[i] = (s, int(pos[i]))
        missing = [int(wanted[i]) for i, w in enumerate(where) if w[0] < 0 or int(wanted[i]) in self.dead]
        if missing:
            raise KeyError(missing[:5])
        return where

    def vectors_of(self, ids: Sequence[int], dimension: int) -> np.ndarray:
        """Stored vectors of ``ids`` in order (IVF segments give their 8-bit reconstruction)."""
        out = np.zeros((len(ids), dimension), np.float32)
        by_segment: dict[int, list[tuple[int, int]]] = {}
        for i, (s, row) in enumerate(self.locate(ids)):
            by_segment.setdefault(s, []).append((i, row))
        for s, pairs in by_segment.items():
            out[[i for i, _ in pairs]] = self.segments[s].reconstruct(np.asarray([r for _, r in pairs]))
        return out


@dataclass(frozen=True)
class _Ids:
    ids: np.ndarray


def _live_mask(segment: Segment, dead: frozenset[int]) -> np.ndarray | None:
    """False for the segment's tombstoned rows (ids are ascending: a binary search per tombstone)."""
    ids = segment.ids
    if not dead or not len(ids):
        return None
    gone = np.fromiter(dead, np.int64, len(dead))
    pos = np.searchsorted(ids, gone)
    inside = pos < len(ids)
    pos = pos[inside][np.asarray(ids)[pos[inside]] == gone[inside]]
    if not len(pos):
        return None
    mask = np.ones(len(ids), bool)
    mask[pos] = False
    return mask


def _ids(generation: Generation, counts: Sequence[int]) -> np.ndarray:
    parts = []
    for segment, count, live in zip(generation.segments, counts, generation.live, strict=True):
        ids = np.asarray(segment.ids)[:count]
        parts.append(ids if live is None else ids[live[:count]])
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)
