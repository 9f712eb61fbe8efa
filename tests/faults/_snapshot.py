"""What "the same index" and "a consistent index" mean for the fault tests (issue 9).

:func:`snapshot` is everything a user can observe of an index, keyed by file and offsets rather
than chunk ids (an index rebuilt from scratch numbers its chunks anew): the documents, every
speech with its chunks and their vectors, and the hits of a few fixed searches.
:func:`check_consistent` is what a kill must never break: SQLite's chunks and the live rows of
the segments are the same set, and every segment row and phrase row belongs to a chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.stores import phrases
from index.stores.local import LocalStore
from tests.unit._index_fakes import FakeEncoder

#: Searches run on every snapshot: words of the sample speeches (tests/data), so each has hits.
QUERIES = ("统一战线工作的主题是什么", "宣传思想工作", "全面从严治党", "经济社会发展", "青年干部")
Key = tuple[str, int, int]  # (document path, start, end) of a chunk


@dataclass(frozen=True)
class Snapshot:
    documents: tuple[tuple[str, str], ...]  # (path, sha256)
    speeches: tuple[tuple[object, ...], ...]  # (path, title, date, text, chunks)
    vectors: dict[Key, tuple[float, ...]]
    dense: tuple[tuple[tuple[Key, float], ...], ...]
    lexical: tuple[dict[Key, float], ...]  # every passage BM25 finds, with its score

    def same_as(self, other: Snapshot) -> list[str]:
        """What differs (empty: the same index).

        Dense hits and scores exactly (to 1e-6; passages of equal score in any order, as the
        order of ties follows chunk ids, which differ between an updated and a fresh index). BM25
        finds exactly the same passages, but its scores are not compared (see :func:`lexical_gap`):
        until a merge drops them, rows removed since their segment was written still count in
        BM25's document frequencies and average length, as in Lucene (index/stores/generation.py),
        so an updated index scores differently from a fresh one until its segments are merged.
        """
        diff = [name for name in ("documents", "speeches") if getattr(self, name) != getattr(other, name)]
        for n, (a, b) in enumerate(zip(self.lexical, other.lexical, strict=True)):
            if a.keys() != b.keys():
                diff.append(f"lexical (query {n}: {len(a.keys() - b.keys())} more, {len(b.keys() - a.keys())} fewer)")
        if any(not _same_ranking(a, b) for a, b in zip(self.dense, other.dense, strict=True)):
            diff.append("dense")
        return diff


def snapshot(path: Path, queries: Sequence[str] = QUERIES, k: int = 8) -> Snapshot:
    store = LocalStore.open(path)
    try:
        speeches, vectors = [], {}
        for doc in store.records():
            for s in doc.speeches:
                speeches.append((doc.path, s.title, s.date, s.text,
                                 tuple((c.section, c.text, c.start, c.end, c.embed_text) for c in s.chunks)))
            for c, v in zip(doc.chunks, doc.vectors, strict=True):
                vectors[(doc.path, c.start, c.end)] = tuple(float(x) for x in v)
        encoder = FakeEncoder()
        found = [store.dense_search(encoder.encode_query(q), k) for q in queries]
        everything = max(store.chunk_count(), 1)
        found += [store.lexical_search(q, everything) for q in queries]
        keys = {r.chunk_id: (r.doc_path, r.start, r.end)
                for r in store.chunks_by_ids({cid for hits in found for cid, _ in hits})}
        dense = tuple(tuple((keys[cid], round(score, 6)) for cid, score in hits) for hits in found[:len(queries)])
        lexical = tuple({keys[cid]: score for cid, score in hits} for hits in found[len(queries):])
        return Snapshot(tuple(sorted(store.documents().items())), tuple(speeches), vectors, dense, lexical)
    finally:
        store.close()


def _same_ranking(a: Sequence[tuple[Key, float]], b: Sequence[tuple[Key, float]]) -> bool:
    """The same scores, and at every score but the last (which the cut at k may split) the same passages."""
    if [s for _, s in a] != [s for _, s in b]:
        return False
    last = a[-1][1] if a else None
    return all({k for k, s in a if s == score} == {k for k, s in b if s == score} for score in {s for _, s in a}
               if score != last)


def lexical_gap(a: Snapshot, b: Snapshot) -> float:
    """Largest relative gap between two snapshots' BM25 scores of the same passage (the kill suite
    reports it: how far an updated index's BM25 is from a fresh build's)."""
    return max((abs(x[k] - y[k]) / max(abs(y[k]), 1e-9) for x, y in zip(a.lexical, b.lexical, strict=True)
                for k in x.keys() & y.keys()), default=0.0)


def check_consistent(path: Path) -> list[str]:
    """Problems of a committed index (empty: none): lost or orphaned chunks, stray rows."""
    store = LocalStore.open(path)
    try:
        problems = []
        query = store._query  # noqa: SLF001 - the check reads SQLite directly, as doctor would
        if query("PRAGMA integrity_check")[0][0] != "ok" or query("PRAGMA foreign_key_check"):
            problems.append("SQLite integrity or foreign keys")
        chunks = sorted(r[0] for r in query("SELECT id FROM chunks"))
        generation = store.generation
        for name, ids in (("vectors", generation.vectors.ids), ("BM25", generation.lexical.ids)):
            if sorted(np.asarray(ids).tolist()) != chunks:
                problems.append(f"{name} rows != SQLite chunks ({len(ids)} vs {len(chunks)})")
        rows = {int(i) for s in generation.segments for i in np.asarray(s.ids)}
        if not generation.dead <= rows:
            problems.append("tombstones of rows no segment holds")
        phrase_rows = {r[0] for r in query(f"SELECT DISTINCT doc FROM {phrases.TERMS}")}  # contentless: its terms
        if phrase_rows != set(chunks):
            problems.append(f"phrase rows != chunks ({len(phrase_rows)} vs {len(chunks)})")
        return problems
    finally:
        store.close()
