"""The local store's writer: one atomic generation per write.

Order of a write (readers never see a half state):

1. ``BEGIN IMMEDIATE`` on the writer's own connection; delete replaced/removed documents
   (chunks cascade, their phrase segments are deleted by chunk id) and insert new ones, with
   each chunk's BM25 tokens and each speech's phrase segments (:mod:`index.stores.phrases`).
2. Apply the same removals/additions to a *clone* of the live FAISS index; rebuild BM25 from
   the chunk tokens now in the (uncommitted) transaction; check the three agree.
3. Write ``vectors.<g+1>.faiss`` (temp file, fsync, rename) and ``lexical.<g+1>/`` (temp dir,
   rename) beside the live generation ``g``.
4. Store the manifest with ``generation = g+1`` and ``COMMIT``: the switch-over.
5. Return the new :class:`Generation` for the store to swap in; delete generations older than ``g``
   (kept one write longer, so a reader that just read ``g`` can still open its files).

Failure anywhere before 4 rolls back SQLite and deletes the half-made generation files; a kill
leaves SQLite's journal to roll back on next open and orphan files for the next write to sweep
away. Either way readers still see generation ``g``.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.lexical import LexicalIndex, tokenize
from index.stores import phrases
from index.stores.local_schema import (
    DB_FILE,
    SCHEMA,
    SCHEMA_VERSION,
    Generation,
    connect,
    corrupt,
    faiss_module,
    lexical_dir,
    now,
    vectors_file,
)
from index.stores.speech_meta import SPEECH_META_COLUMNS, add_speech_meta_columns, speech_meta_values
from index.stores.waiting import Waiter
from index.types import DocumentRecord, Manifest


@contextmanager
def write_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One writer at a time per index folder: a thread lock plus an flock for other processes.

    A second writer waits; ``on_wait`` is called once if that takes a while (stores/waiting.py).
    """
    key = str(path.resolve())
    with _registry_lock:
        lock = _thread_locks.setdefault(key, threading.Lock())
    waiter = Waiter(on_wait)
    waiter.thread_lock(lock)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with open(path / ".write.lock", "a") as handle:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - non-POSIX: the thread lock is all we have
                yield
                return
            waiter.flock(handle)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        lock.release()


_registry_lock = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}


def discard(path: Path) -> None:
    """Move a damaged index's database aside (``*.broken``) so a full build can start afresh."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
        if (path / name).exists():
            os.replace(path / name, path / f"{name}.{stamp}.broken")


def commit(path: Path, live: Generation, manifest: Manifest, documents: Sequence[DocumentRecord],
           remove_paths: Sequence[str], *, replace_all: bool) -> Generation:
    """Write one generation over ``live``; on return it is committed, on exception nothing changed."""
    faiss = faiss_module()
    old = live.manifest
    generation = (old.generation if old else 0) + 1
    stamp = now()
    files = (vectors_file(path, generation), lexical_dir(path, generation))
    keep_base = not replace_all and old is not None and old.dimension == manifest.dimension
    vectors: Any = (faiss.clone_index(live.vectors) if keep_base
                    else faiss.IndexIDMap2(faiss.IndexFlatIP(manifest.dimension)))
    conn = connect(path / DB_FILE, create=True)
    try:
        conn.executescript(SCHEMA)
        add_speech_meta_columns(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            phrases.ensure(conn)
            if not keep_base:
                conn.execute("DELETE FROM documents")
                phrases.clear(conn)
            gone, added_dates = _delete_documents(conn, [*remove_paths, *(d.path for d in documents)])
            if gone:
                vectors.remove_ids(np.asarray(gone, dtype=np.int64))
                phrases.drop(conn, gone)
            for doc in documents:
                ids = _insert_document(conn, doc, added_dates.get(doc.path, stamp), stamp, manifest.lexical_header)
                _add_vectors(vectors, doc, ids, manifest.dimension)
            lexical = _rebuild_lexical(conn)
            count = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            if not count == vectors.ntotal == len(lexical):
                raise corrupt(path, f"{count} chunks but {vectors.ntotal} vectors after the update")
            _write_faiss(vectors, files[0])
            lexical.save(files[1])
            created = old.created if keep_base and old else stamp
            new_manifest = replace(manifest, created=created, updated=stamp, generation=generation)
            record = json.dumps({**asdict(new_manifest), "schema": SCHEMA_VERSION})
            conn.execute("INSERT OR REPLACE INTO manifest (key, value) VALUES ('manifest', ?)", (record,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            _remove(files)
            raise
    finally:
        conn.close()
    _sweep(path, keep={generation, generation - 1})
    return Generation(new_manifest, vectors, lexical)


def _delete_documents(conn: Any, paths: Sequence[str]) -> tuple[list[int], dict[str, str]]:
    """Delete stored documents among ``paths``; return their chunk ids and ``added`` dates."""
    chunk_ids: list[int] = []
    added: dict[str, str] = {}
    for path in dict.fromkeys(paths):
        row = conn.execute("SELECT id, added FROM documents WHERE path = ?", (path,)).fetchone()
        if row is None:
            continue
        added[path] = row[1]
        chunk_ids += [r[0] for r in conn.execute(
            "SELECT c.id FROM chunks c JOIN speeches s ON s.id = c.speech_id WHERE s.doc_id = ?", (row[0],))]
        conn.execute("DELETE FROM documents WHERE id = ?", (row[0],))
    return chunk_ids, added


def _insert_document(conn: Any, doc: DocumentRecord, added: str, stamp: str, header: bool) -> list[int]:
    """Insert one document with its speeches and chunks; return the new chunk ids in order.

    BM25 tokens are cut here, once per stored chunk (jieba runs at ~300k chars/s, too slow to
    redo for the whole collection on every write): the chunk's embed text (title and section
    path in front) when the manifest says ``lexical_header``, else the bare body.
    """
    cur = conn.execute(
        "INSERT INTO documents (path, sha256, mtime, encoding, added, updated) VALUES (?, ?, ?, ?, ?, ?)",
        (doc.path, doc.sha256, doc.mtime, doc.encoding, added, stamp))
    doc_id = cur.lastrowid
    chunk_ids: list[int] = []
    for s_ord, speech in enumerate(doc.speeches):
        sid = conn.execute(f"INSERT INTO speeches (doc_id, ordinal, title, date, text, {', '.join(SPEECH_META_COLUMNS)}) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (doc_id, s_ord, speech.title, speech.date, speech.text, *speech_meta_values(speech))).lastrowid
        first = len(chunk_ids)
        for c_ord, chunk in enumerate(speech.chunks):
            tokens = tokenize(chunk.embed_text if header else chunk.text)
            chunk_ids.append(conn.execute(
                'INSERT INTO chunks (speech_id, ordinal, section, text, start, "end", embed_text, tokens, pages) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, c_ord, json.dumps(list(chunk.section), ensure_ascii=False), chunk.text, chunk.start,
                 chunk.end, chunk.embed_text, " ".join(tokens), json.dumps(list(chunk.pages)))).lastrowid)
        phrases.add_speech(conn, sid, speech.text, [(cid, c.start) for cid, c in
                                                    zip(chunk_ids[first:], speech.chunks, strict=True)])
    return chunk_ids


def _add_vectors(index: Any, doc: DocumentRecord, ids: list[int], dimension: int) -> None:
    vecs = np.ascontiguousarray(doc.vectors, dtype=np.float32)
    if vecs.shape != (len(ids), dimension):
        raise ValueError(f"{doc.path}: {vecs.shape} vectors for {len(ids)} chunks of dimension {dimension}")
    if ids:
        index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))


def _rebuild_lexical(conn: Any) -> LexicalIndex:
    rows = conn.execute("SELECT id, tokens FROM chunks ORDER BY id").fetchall()
    return LexicalIndex.build([r[0] for r in rows], [r[1].split() for r in rows])


def _write_faiss(index: Any, target: Path) -> None:
    faiss = faiss_module()
    tmp = target.with_name(target.name + ".tmp")
    faiss.write_index(index, str(tmp))
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        for p in (path, path.with_name(path.name + ".tmp")):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif p.exists():
                p.unlink(missing_ok=True)


def _sweep(folder: Path, keep: set[int]) -> None:
    """Delete generation files not in ``keep`` and leftovers of interrupted writes."""
    for entry in folder.iterdir():
        parts = entry.name.split(".")
        if parts[0] not in ("vectors", "lexical") or len(parts) < 2:
            continue
        if entry.name.endswith(".tmp") or not parts[1].isdigit() or int(parts[1]) not in keep:
            _remove([entry])
