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
    lexical: tuple[tuple[Key, ...], ...]

    def same_as(self, other: Snapshot) -> list[str]:
        """What differs (empty: the same index). Dense scores to 1e-5; BM25 by ranking (IDF counts
        rows removed since their segment was written until a merge drops them, as Lucene does)."""
        diff = [name for name in ("documents", "speeches", "lexical") if getattr(self, name) != getattr(other, name)]
        if self.vectors.keys() != other.vectors.keys() or any(
                not np.allclose(v, other.vectors[k], atol=1e-6) for k, v in self.vectors.items()):
            diff.append("vectors")
        if [[k for k, _ in q] for q in self.dense] != [[k for k, _ in q] for q in other.dense] or any(
                abs(a - b) > 1e-5 for qa, qb in zip(self.dense, other.dense, strict=True)
                for (_, a), (_, b) in zip(qa, qb, strict=True)):
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
        dense = tuple(tuple((_key(store, cid), round(score, 6)) for cid, score in
                            store.dense_search(encoder.encode_query(q)[None, :], k)) for q in queries)
        lexical = tuple(tuple(_key(store, cid) for cid, _ in store.lexical_search(q, k)) for q in queries)
        return Snapshot(tuple(sorted(store.documents().items())), tuple(speeches), vectors, dense, lexical)
    finally:
        store.close()


def _key(store: LocalStore, chunk_id: int) -> Key:
    row = store.chunks_by_ids([chunk_id])[0]
    return row.doc_path, row.start, row.end


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
        phrase_rows = {r[0] for r in query("SELECT rowid FROM phrase_segments")}
        if phrase_rows != set(chunks):
            problems.append(f"phrase rows != chunks ({len(phrase_rows)} vs {len(chunks)})")
        return problems
    finally:
        store.close()
