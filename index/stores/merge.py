"""When and how the local store merges segments (as Lucene does), dropping removed rows.

Every write adds at most one segment, so segments pile up; each costs a little per query.
Policy: segments are grouped in tiers by their live row count (1–9, 10–99, 100–999, …); once
a tier holds :data:`MERGE_FACTOR` segments they are merged into one of the next tier. A write
thus merges rarely and, amortized, copies each row about log10(N) times over the index's
life; at most ``9 × tiers`` segments are live (≈ 50 at 1M rows). Approximate segments, each of
which costs a query a fixed overhead, merge in tiers of :data:`ANN_MERGE_FACTOR`. Exact (flat) segments, which
every query scans whole, are merged into one IVF segment as soon as they hold
:data:`~index.stores.segments.ANN_MIN_ROWS` rows together. A segment whose removed rows reach
:data:`COMPACT_SHARE` is rewritten alone, so tombstones stay a minority.

Merging copies what segments already hold: BM25 postings (:meth:`index.bm25.Postings.merge`)
and vectors (flat ones as they are, approximate ones decoded from their 8-bit codes, which
re-encode to the same codes under the same quantizer). Nothing is re-embedded or re-tokenized.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from index.bm25 import Postings
from index.lexical import LexicalIndex
from index.stores.segments import (
    ANN_MIN_ROWS,
    SPEECHES,
    Segment,
    dense_index,
    empty_like,
    template_of,
    trained_ann,
)

#: Segments of one tier that trigger a merge (Lucene's default merge factor).
MERGE_FACTOR = 10
#: Approximate segments merge in tiers of this factor instead (sizes ANN_MIN_ROWS·3^t): each one
#: costs every query a coarse search and the rerank of its own shortlist, 2.5–3.5 ms for a
#: 200k-row segment at 1M passages against 7 ms for one 1M-row segment (scripts/bench_scale.py,
#: 2026-11-24: five 200k segments made dense search 13.6 ms). With 3, a million rows lie in at
#: most four segments and each row is re-encoded about log3(N / ANN_MIN_ROWS) times.
ANN_MERGE_FACTOR = 3
#: Share of removed rows at which a segment is rewritten without them.
COMPACT_SHARE = 0.5
_SAMPLE = 65_536  # vectors an IVF quantizer is trained on (64 per list)
_BATCH = 65_536  # rows decoded and added at a time (bounds a merge's memory to ~100 MB of vectors)


def _tier(rows: int) -> int:
    return int(math.log10(rows)) if rows > 0 else 0


def next_merge(segments: Sequence[Segment], live: Sequence[np.ndarray | None]) -> list[int] | None:
    """Positions of the segments to merge next, or None when the layout is fine."""
    counts = [len(s) if m is None else int(m.sum()) for s, m in zip(segments, live, strict=True)]
    flat = [i for i, s in enumerate(segments) if s.kind == "flat"]
    if len(flat) > 1 and sum(counts[i] for i in flat) >= ANN_MIN_ROWS:
        return flat  # exact segments never add up to more than one IVF segment's worth of scanning
    approximate: dict[int, list[int]] = {}
    for i, segment in enumerate(segments):
        if segment.kind != "flat" and counts[i]:
            approximate.setdefault(int(math.log(max(counts[i], ANN_MIN_ROWS) / ANN_MIN_ROWS, ANN_MERGE_FACTOR)),
                                   []).append(i)
    for members in approximate.values():
        if len(members) >= ANN_MERGE_FACTOR:
            return members
    tiers: dict[int, list[int]] = {}
    for i, count in enumerate(counts):
        tiers.setdefault(_tier(count), []).append(i)
    for members in tiers.values():
        if len(members) >= MERGE_FACTOR:
            return members
    for i, (segment, count) in enumerate(zip(segments, counts, strict=True)):
        if len(segment) and (len(segment) - count) / len(segment) >= COMPACT_SHARE:
            return [i]
    return None


def merge(number: int, parts: Sequence[Segment], live: Sequence[np.ndarray | None], avgdl: float,
          template: object | None, dictionary: Mapping[str, int] | None) -> Segment:
    """One segment holding ``parts``' live rows in order; carries ``dictionary`` when given."""
    keeps = [np.ones(len(p), bool) if m is None else m for p, m in zip(parts, live, strict=True)]
    ids = np.concatenate([np.asarray(p.ids)[k] for p, k in zip(parts, keeps, strict=True)])
    speeches = np.concatenate([np.asarray(p.speeches)[k] for p, k in zip(parts, keeps, strict=True)])
    postings = Postings.merge([(p.lexical.postings, k) for p, k in zip(parts, keeps, strict=True)], avgdl)
    lexical = LexicalIndex(ids, postings, entries=dictionary, extra={SPEECHES: speeches})
    if len(ids) < ANN_MIN_ROWS:
        vectors = np.concatenate([p.all_vectors()[k] for p, k in zip(parts, keeps, strict=True)]) if len(ids) \
            else np.zeros((0, parts[0].dense.d), np.float32)
        kind, dense = dense_index(vectors, None)
        return Segment(number, kind, dense, lexical)
    template = template or template_of(parts)
    ann = empty_like(template) if template is not None else trained_ann(_sample(parts, keeps))
    for part, keep in zip(parts, keeps, strict=True):  # rows are numbered in the order they are added
        for start in range(0, len(part), _BATCH):
            rows = np.flatnonzero(keep[start:start + _BATCH]) + start
            if len(rows):
                ann.add(np.ascontiguousarray(part.reconstruct(rows) if part.kind != "flat"
                                             else np.asarray(part.all_vectors()[rows])))
    return Segment(number, "ann", ann, lexical)


def _sample(parts: Sequence[Segment], keeps: Sequence[np.ndarray]) -> np.ndarray:
    """Up to :data:`_SAMPLE` live vectors spread over the parts (an IVF quantizer trains on them)."""
    total = sum(int(k.sum()) for k in keeps)
    rng = np.random.default_rng(0)
    chunks = []
    for part, keep in zip(parts, keeps, strict=True):
        rows = np.flatnonzero(keep)
        take = rows if total <= _SAMPLE else np.sort(rng.choice(rows, max(1, len(rows) * _SAMPLE // total),
                                                                replace=False))
        chunks.append(part.reconstruct(take) if part.kind != "flat" else np.asarray(part.all_vectors()[take]))
    return np.concatenate(chunks)
