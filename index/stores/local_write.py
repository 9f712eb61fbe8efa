"""The local store's writer: one atomic generation per write, costing what the write adds.

Order of a write (readers never see a half state):

1. ``BEGIN IMMEDIATE`` on the writer's own connection; delete replaced/removed documents
   (chunks cascade; their phrase segments are deleted first, from the speech text) and record their chunk ids
   as *tombstones*; insert new documents and each speech's phrase segments
   (:mod:`index.stores.phrases`).
2. Make one new segment of the inserted chunks (vectors + BM25 of their tokens); merge
   segments if a tier is full (:mod:`index.stores.merge`), dropping their tombstoned rows.
3. Write each new segment's files, ``vectors.<n>.faiss`` then ``lexical.<n>/`` (temp names,
   rename), beside the live ones: nothing live is ever rewritten.
4. Store the layout (live segment numbers) and the manifest with ``generation = g+1``, and
   ``COMMIT``: the switch-over.
5. Return the new :class:`Generation` for the store to swap in; delete segment files that
   neither this generation nor the previous one names (kept one write longer, so a reader that
   just read ``g`` can still open its files).

Failure anywhere before 4 rolls back SQLite and deletes the new files; a kill leaves SQLite's
journal to roll back on next open and orphan files for the next write to sweep away. Either
way readers still see generation ``g``. The cost of a write is its own chunks plus, now and
then, a merge (amortized about log10(N) copies per row), never a rewrite of the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.document import embed_text
from index.filters import section_key, speech_keys
from index.lexical import LexicalIndex, dictionary_entries, jieba_module, tokenize
from index.stores import phrases, trash
from index.stores.generation import Generation
from index.stores.local_schema import (
    DB_FILE,
    SCHEMA,
    Layout,
    connect,
    corrupt,
    faiss_threads,
    now,
    record_layout,
)
from index.stores.merge import merge, next_merge
from index.stores.segments import SPEECHES, Segment, dense_index, template_of
from index.stores.speech_zip import pack
from index.stores.waiting import Waiter
from index.stores.write_errors import write_failures
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
        with write_failures(path):  # a read-only folder fails here, before any work
            path.mkdir(parents=True, exist_ok=True)
            handle = open(path / ".write.lock", "a")  # noqa: SIM115 - closed by the with below
        with handle:
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
    with write_failures(path):
        for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"):
            if (path / name).exists():
                os.replace(path / name, path / f"{name}.{stamp}.broken")


def embed_key(text: str) -> int:
    """64-bit key of an embed text, to find a passage's stored vector without reading every text."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


@dataclass
class _Added:
    """The chunks a write inserts, in insert order (ascending ids), with what their segment needs."""

    ids: list[int] = field(default_factory=list)
    speeches: list[int] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)


def commit(path: Path, live: Generation, manifest: Manifest, documents: Sequence[DocumentRecord],
           remove_paths: Sequence[str], *, replace_all: bool) -> Generation:
    """Write one generation over ``live``; on return it is committed, on exception nothing changed."""
    old = live.manifest
    number = (old.generation if old else 0) + 1
    stamp = now()
    keep_base = not replace_all and old is not None and old.dimension == manifest.dimension
    made: list[Segment] = []
    conn = connect(path / DB_FILE, create=True)
    try:
        conn.executescript(SCHEMA)
        conn.execute("BEGIN IMMEDIATE")
        try:
            segments = list(live.segments) if keep_base else []
            dead = set(live.dead) if keep_base else set()
            phrases.ensure(conn)
            if not keep_base:
                conn.execute("DELETE FROM documents")
                conn.execute("DELETE FROM tombstones")
                phrases.clear(conn)
                trash.clear(conn)
            else:  # what this write removes or replaces stays reusable for a while (stores/trash.py)
                trash.keep(conn, live, [*remove_paths, *(d.path for d in documents)], number, embed_key)
            phrases.drop(conn, [*remove_paths, *(d.path for d in documents)])  # needs the rows deleted next
            gone, added_dates = _delete_documents(conn, [*remove_paths, *(d.path for d in documents)])
            conn.executemany("INSERT INTO tombstones (chunk_id) VALUES (?)", [(i,) for i in gone])
            dead |= set(gone)
            added = _Added()
            for doc in documents:
                _insert_document(conn, doc, added_dates.get(doc.path, stamp), stamp, manifest, added)
            layout = live.layout if keep_base else Layout(next_number=live.layout.next_number)
            segments, purged, layout = _new_layout(segments, dead, layout, added, manifest.dimension)
            dead -= purged
            conn.executemany("DELETE FROM tombstones WHERE chunk_id = ?", [(i,) for i in sorted(purged)])
            made = [s for s in segments if s.number >= live.layout.next_number]
            count = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
            if count != sum(len(s) for s in segments) - len(dead):
                raise corrupt(path, f"{count} chunks but {sum(len(s) for s in segments) - len(dead)} indexed rows")
            for segment in made:
                segment.save(path)
            created = old.created if keep_base and old else stamp
            new_manifest = replace(manifest, created=created, updated=stamp, generation=number)
            record_layout(conn, asdict(new_manifest), layout)
            conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error, OSError):  # a full or read-only disk must not hide the first error
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                remove_files([p for s in made for p in segment_files(path, s.number)])
            raise
    finally:
        conn.close()
    generation = Generation(new_manifest, layout, tuple(segments), frozenset(dead))
    with suppress(OSError):  # committed: files left on a full or read-only disk go with the next write
        _sweep(path, keep={s.number for s in layout.segments} | {s.number for s in live.layout.segments})
    return generation


def _new_layout(segments: list[Segment], dead: set[int], layout: Layout, added: _Added,
                dimension: int) -> tuple[list[Segment], set[int], Layout]:
    """Segments after adding ``added`` as one segment and merging what the policy asks for,
    the tombstones the merges made obsolete, and the layout naming them."""
    host = next((s for s in segments if s.number == layout.dictionary), None)
    dictionary: Mapping[str, int] | None = None
    next_number = layout.next_number
    rows = sum(len(s) for s in segments) + len(added.ids)
    tokens = sum(float(np.sum(s.lexical.postings.lengths)) for s in segments) + sum(len(t) for t in added.tokens)
    avgdl = tokens / rows if rows else 0.0
    if added.ids:
        lexical = LexicalIndex.build(added.ids, added.tokens, avgdl=avgdl, dictionary=False)
        dictionary = _extended_dictionary(host.lexical if host is not None else None, lexical.postings.vocab)
        if dictionary is not None:
            lexical = lexical.with_entries(dictionary)
        lexical.extra[SPEECHES] = np.asarray(added.speeches, np.int64)
        template = template_of(segments)
        with faiss_threads():
            kind, dense = dense_index(np.asarray(added.vectors, np.float32).reshape(-1, dimension), template)
        segments.append(Segment(next_number, kind, dense, lexical))
        host = segments[-1] if dictionary is not None else host
        next_number += 1
    purged: set[int] = set()
    while (group := next_merge(segments, Generation(None, layout, tuple(segments), frozenset(dead)).live)) is not None:
        parts = [segments[i] for i in group]
        masks = Generation(None, layout, tuple(parts), frozenset(dead)).live
        carries = host is not None and any(p.number == host.number for p in parts)
        with faiss_threads():
            merged = merge(next_number, parts, masks, avgdl, template_of(segments),
                           host.lexical.dictionary() if carries and host is not None else None)
        for part, mask in zip(parts, masks, strict=True):
            if mask is not None:
                purged |= set(np.asarray(part.ids)[~mask].tolist())
        dead = dead - purged
        segments = [s for i, s in enumerate(segments) if i not in group]
        if len(merged) or carries:  # a segment of removed rows only is dropped, unless it holds the dictionary
            segments.insert(min(group), merged)
            next_number += 1
        host = merged if carries else host
    return segments, purged, replace(layout, segments=tuple(s.info for s in segments), next_number=next_number,
                                     dictionary=host.number if host is not None else None)


def _extended_dictionary(host: LexicalIndex | None, vocab: Sequence[str]) -> dict[str, int] | None:
    """The index's query dictionary with ``vocab``'s words added, or None when it has them all."""
    if host is None:
        return dictionary_entries(vocab)
    known = host.dictionary()
    freq = jieba_module().dt.FREQ
    missing = [w for w in vocab if not known.get(w) and freq.get(w)]  # saved prefixes have frequency 0
    return dictionary_entries(missing, base=known) if missing else None


def segment_files(path: Path, number: int) -> list[Path]:
    return [path / f"vectors.{number}.faiss", path / f"lexical.{number}"]


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


def _insert_document(conn: Any, doc: DocumentRecord, added: str, stamp: str, manifest: Manifest, out: _Added) -> None:
    """Insert one document with its speeches and chunks; collect the new chunks into ``out``.

    BM25 tokens are cut here, once per stored chunk: the chunk's embed text (title and section
    path in front) when the manifest says ``lexical_header``, else the bare body. A chunk's
    text and embed text are stored only when they differ from what can be derived.
    """
    vecs = np.ascontiguousarray(doc.vectors, dtype=np.float32)
    if vecs.shape != (len(doc.chunks), manifest.dimension):
        raise ValueError(f"{doc.path}: {vecs.shape} vectors for {len(doc.chunks)} chunks of dimension "
                         f"{manifest.dimension}")
    doc_id = conn.execute(
        "INSERT INTO documents (path, sha256, mtime, encoding, added, updated) VALUES (?, ?, ?, ?, ?, ?)",
        (doc.path, doc.sha256, doc.mtime, doc.encoding, added, stamp)).lastrowid
    row = 0
    for s_ord, speech in enumerate(doc.speeches):
        sid = conn.execute(
            "INSERT INTO speeches (doc_id, ordinal, title, date, text, title_derived, source_name, date_source, "
            "subtitle, venue, norm_title, norm_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, s_ord, speech.title, speech.date, pack(speech.text), int(speech.title_derived),
             speech.source_name, speech.date_source, speech.subtitle, speech.venue,
             *speech_keys(speech.title, doc.path))).lastrowid
        first = len(out.ids)
        for c_ord, chunk in enumerate(speech.chunks):
            text = None if speech.text[chunk.start:chunk.end] == chunk.text else chunk.text
            embedded = None if embed_text(speech.title, chunk.section, chunk.text) == chunk.embed_text \
                else chunk.embed_text
            out.ids.append(conn.execute(
                'INSERT INTO chunks (speech_id, ordinal, section, text, start, "end", embed_text, embed_key, '
                "norm_section, pages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, c_ord, json.dumps(list(chunk.section), ensure_ascii=False), text, chunk.start, chunk.end,
                 embedded, embed_key(chunk.embed_text), section_key(chunk.section),
                 json.dumps(list(chunk.pages)))).lastrowid)
            out.speeches.append(sid)
            out.tokens.append(tokenize(chunk.embed_text if manifest.lexical_header else chunk.text))
            out.vectors.append(vecs[row])
            row += 1
        phrases.add_speech(conn, sid, speech.text, [(cid, c.start) for cid, c in
                                                    zip(out.ids[first:], speech.chunks, strict=True)])


def remove_files(paths: Sequence[Path]) -> None:
    """Delete files or folders and their ``.tmp`` leftovers (missing ones are fine)."""
    for path in paths:
        for p in (path, path.with_name(path.name + ".tmp")):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif p.exists():
                p.unlink(missing_ok=True)


def _sweep(folder: Path, keep: set[int]) -> None:
    """Delete segment files not in ``keep`` and leftovers of interrupted writes."""
    for entry in folder.iterdir():
        parts = entry.name.split(".")
        if parts[0] not in ("vectors", "lexical") or len(parts) < 2:
            continue
        if entry.name.endswith(".tmp") or not parts[1].isdigit() or int(parts[1]) not in keep:
            remove_files([entry])
