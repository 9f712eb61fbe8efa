"""``doctor --repair``: rebuild what is damaged from the database alone, as one new generation.

SQLite holds every passage's text (stored, or derived from the speech text and its offsets)
and embed text (stored, or derived by :func:`index.document.embed_text`), so a lost or damaged
segment can be made again without the original files:

* the chunks no intact segment holds (``SELECT id FROM chunks`` minus the intact segments'
  ids) become **one new segment**, in id order like every segment;
* its BM25 rows are cut from their texts exactly as the writer cuts them
  (:func:`index.lexical.tokenize`, embed text or body per ``manifest.lexical_header``);
* its vectors come from a damaged segment's FAISS file where that file is still sound (only
  its BM25 folder was damaged: its ids are those of its BM25 folder when that loads, else the
  ones no other segment accounts for) and are **re-embedded** otherwise, with the index's own
  model (``manifest.model``; an encoder factory can be given, as for the indexer);
* when the segment holding the query dictionary was lost, the new one carries a dictionary
  made from every segment's vocabulary;
* tombstones of rows no segment holds any more are dropped; segment rows of chunks the
  database lost without a tombstone get one.

The new segment is written beside the live ones and the layout naming it is committed in one
SQLite transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, generation + 1), under the writer lock:
readers switch to it at their next refresh, exactly as after an ordinary write. Damaged files
and leftovers of interrupted writes are deleted after the commit. A damaged database is not
repaired (the segments do not hold the texts): the report leaves that problem with no fix,
and only a build from the original files helps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.config import IndexConfig
from index.errors import ModelLoadError
from index.lexical import LexicalIndex, dictionary_entries, tokenize
from index.stores.doctor import check, leftovers
from index.stores.health import check_segment, dense_problem, lexical_problem
from index.stores.local_schema import (
    CHUNK_SELECT,
    DB_FILE,
    Layout,
    SegmentInfo,
    chunk_row,
    connect,
    corrupt,
    faiss_module,
    faiss_threads,
    now,
    read_manifest,
    record_layout,
    vectors_file,
)
from index.stores.local_write import remove_files, segment_files, write_lock
from index.stores.segments import SPEECHES, Segment, dense_index, template_of
from index.types import ChunkRow, Manifest, RepairReport

if TYPE_CHECKING:
    from index.embed import Encoder
    from index.encoder_loading import EncoderFactory


def repair(config: IndexConfig, folder: Path, encoder_factory: EncoderFactory | None = None) -> RepairReport:
    """Fix what :func:`index.stores.doctor.check` finds, holding the writer lock; report before/after."""
    with write_lock(folder):
        before = check(folder, locked=True)
        if not before.problems or not before.repairable:
            return RepairReport(str(folder), (), before.problems)
        conn = connect(folder / DB_FILE, create=False)
        try:
            reembedded, generation, dropped = _rebuild(config, folder, conn, encoder_factory)
        finally:
            conn.close()
        layout = _layout(folder)
        remove_files([p for n in dropped for p in segment_files(folder, n)] + leftovers(folder, layout))
        after = check(folder, locked=True)
    fixed = tuple(p for p in before.problems if p not in after.problems)
    return RepairReport(str(folder), fixed, after.problems, reembedded, generation)


def _layout(folder: Path) -> Layout:
    conn = connect(folder / DB_FILE, create=False)
    try:
        committed = read_manifest(conn, folder)
    finally:
        conn.close()
    return committed[1] if committed else Layout()


def _rebuild(config: IndexConfig, folder: Path, conn: sqlite3.Connection,
             encoder_factory: EncoderFactory | None) -> tuple[int, int | None, list[int]]:
    """(passages re-embedded, generation committed or None, segment numbers dropped)."""
    committed = read_manifest(conn, folder)
    if committed is None:
        return 0, None, []
    manifest, layout = committed
    intact: list[Segment] = []
    damaged: list[SegmentInfo] = []
    for info in layout.segments:
        segment, _issues = check_segment(folder, info, dictionary=info.number == layout.dictionary,
                                         dimension=manifest.dimension, deep=True)
        if segment is not None:
            intact.append(segment)
        else:
            damaged.append(info)
    stored = {r[0] for r in conn.execute("SELECT id FROM chunks")}
    dead = {r[0] for r in conn.execute("SELECT chunk_id FROM tombstones")}
    held = {int(i) for s in intact for i in np.asarray(s.ids)}
    missing = sorted(stored - held)
    host = layout.dictionary
    lost_host = host is not None and all(s.number != host for s in intact)
    made: Segment | None = None
    reembedded = 0
    if missing or lost_host:
        sound = _sound_vectors(folder, damaged, manifest.dimension, (stored | dead) - held)
        made, reembedded = _segment(config, manifest, layout.next_number, _rows(conn, missing), sound, intact,
                                    dictionary=lost_host, encoder_factory=encoder_factory)
        host = made.number if lost_host else host
    segments = [*intact, *([made] if made is not None else [])]
    held |= {int(i) for i in np.asarray(made.ids)} if made is not None else set()
    new_dead = (dead & held) | (held - stored)  # stray rows (chunks lost without a tombstone) get one
    if made is None and new_dead == dead and not damaged:
        return 0, None, []
    new_layout = replace(layout, segments=tuple(s.info for s in segments),
                         next_number=layout.next_number + (made is not None), dictionary=host)
    generation = _commit(folder, conn, manifest, new_layout, segments, new_dead, made)
    return reembedded, generation, [info.number for info in damaged]


def _rows(conn: sqlite3.Connection, ids: Sequence[int]) -> list[ChunkRow]:
    """The stored rows of ``ids``, in id order (texts and embed texts derived where not stored)."""
    rows: list[ChunkRow] = []
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        rows += [chunk_row(r) for r in conn.execute(
            f"{CHUNK_SELECT} WHERE c.id IN ({','.join('?' * len(part))}) ORDER BY c.id", part)]
    return rows


@dataclass(frozen=True)
class _Sound:
    """A damaged segment's FAISS index that is itself sound, and the chunk ids of its rows."""

    ids: list[int]
    kind: str
    dense: Any
    file: Path


def _sound_vectors(folder: Path, damaged: Sequence[SegmentInfo], dimension: int, candidates: set[int]) -> list[_Sound]:
    """The damaged segments whose vectors are sound (only their BM25 part was damaged).

    A segment's rows are its ids in ascending order; the ids come from its BM25 folder when
    that loads, else (one such segment only) from the ids no other segment accounts for.
    """
    found: list[_Sound] = []
    unknown = set(candidates)
    guessable = []
    for info in damaged:
        lexical, _ = lexical_problem(folder, info, dictionary=False)
        dense, _ = dense_problem(folder, info, dimension)
        if lexical is not None:
            ids = [int(i) for i in np.asarray(lexical.ids)]
            unknown -= set(ids)
            if dense is not None:
                found.append(_Sound(ids, info.kind, dense, vectors_file(folder, info.number)))
        elif dense is not None:
            guessable.append((info, dense))
    if len(guessable) == 1 and len(unknown) == guessable[0][0].rows:
        info, dense = guessable[0]
        found.append(_Sound(sorted(unknown), info.kind, dense, vectors_file(folder, info.number)))
    return found


def _dense(rows: Sequence[ChunkRow], sound: Sequence[_Sound], intact: Sequence[Segment],
           embed: Callable[[list[str]], np.ndarray], dimension: int) -> tuple[str, Any, int]:
    """(kind, FAISS index, passages embedded) for ``rows``: a sound index of exactly these rows is
    kept as it is (an IVF one re-encoded would lose a little more), else vectors are gathered
    from sound indexes and the rest embedded."""
    wanted = [r.chunk_id for r in rows]
    exact = next((s for s in sound if s.ids == wanted), None)
    if exact is not None:
        return exact.kind, faiss_module().read_index(str(exact.file)), 0  # read whole: the old file is deleted
    kept = {i: v for s in sound for i, v in zip(s.ids, _all_vectors(s.dense), strict=True)}
    todo = [r for r in rows if r.chunk_id not in kept]
    fresh = embed([r.embed_text for r in todo]) if todo else np.zeros((0, dimension), np.float32)
    found = dict(zip((r.chunk_id for r in todo), fresh, strict=True)) | kept
    vectors = np.asarray([found[i] for i in wanted], np.float32).reshape(-1, dimension)
    template = template_of(intact)
    with faiss_threads():
        kind, dense = dense_index(vectors, template)
    return kind, dense, len(todo)


def _all_vectors(dense: Any) -> np.ndarray:
    n = int(dense.ntotal)
    return np.asarray(dense.reconstruct_n(0, n), np.float32) if n else np.zeros((0, int(dense.d)), np.float32)


def _segment(config: IndexConfig, manifest: Manifest, number: int, rows: Sequence[ChunkRow],
             sound: Sequence[_Sound], intact: Sequence[Segment], *, dictionary: bool,
             encoder_factory: EncoderFactory | None) -> tuple[Segment, int]:
    """The new segment of ``rows`` (and the number of passages embedded for it)."""
    kind, dense, embedded = _dense(rows, sound, intact, lambda texts: _encode(config, manifest, texts, encoder_factory),
                                   manifest.dimension)
    tokens = [tokenize(r.embed_text if manifest.lexical_header else r.text) for r in rows]
    total_rows = sum(len(s) for s in intact) + len(rows)
    total_tokens = sum(float(np.sum(s.lexical.postings.lengths)) for s in intact) + sum(len(t) for t in tokens)
    lexical = LexicalIndex.build([r.chunk_id for r in rows], tokens,
                                 avgdl=total_tokens / total_rows if total_rows else 0.0, dictionary=False)
    if dictionary:
        vocab = {word for part in (*(s.lexical for s in intact), lexical) for word in part.postings.vocab}
        lexical = lexical.with_entries(dictionary_entries(sorted(vocab)))
    lexical.extra[SPEECHES] = np.asarray([r.speech_id for r in rows], np.int64)
    return Segment(number, kind, dense, lexical), embedded


def _encode(config: IndexConfig, manifest: Manifest, texts: list[str],
            encoder_factory: EncoderFactory | None) -> np.ndarray:
    """``texts`` embedded with the index's own model (its name in the manifest)."""
    from index import embed

    own = replace(config, model=manifest.model)
    encoder: Encoder = (encoder_factory or embed.load_passage_encoder)(own, len(texts))
    vectors = np.asarray(encoder.encode_passages(texts, batch_size=config.batch_size), np.float32)
    if vectors.shape != (len(texts), manifest.dimension):
        raise ModelLoadError(f"model {manifest.model!r} makes vectors of shape {vectors.shape[1:]}, but the index at "
                             f"{config.index_path} holds vectors of dimension {manifest.dimension}")
    return vectors


def _commit(folder: Path, conn: sqlite3.Connection, manifest: Manifest, layout: Layout, segments: Sequence[Segment],
            dead: set[int], made: Segment | None) -> int:
    """Write the new segment, then name it in one transaction with the tombstones (generation + 1)."""
    try:
        if made is not None:
            made.save(folder)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM tombstones")
        conn.executemany("INSERT INTO tombstones (chunk_id) VALUES (?)", [(i,) for i in sorted(dead)])
        count = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        if count != sum(len(s) for s in segments) - len(dead):
            raise corrupt(folder, f"{count} chunks but {sum(len(s) for s in segments) - len(dead)} rows after repair")
        fresh = replace(manifest, updated=now(), generation=manifest.generation + 1)
        record_layout(conn, asdict(fresh), layout)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if made is not None:
            remove_files(segment_files(folder, made.number))
        raise
    return fresh.generation


__all__ = ["repair"]
