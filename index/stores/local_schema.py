"""The local store's files: the SQLite schema, file names per generation, and opening them.

Shared by the read side (:mod:`index.stores.local`) and the writer
(:mod:`index.stores.local_write`), which must agree on every name here and on nothing else.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError
from index.lexical import LexicalIndex
from index.types import ChunkRow, Manifest

DB_FILE = "index.sqlite"
SCHEMA_VERSION = 2  # 2: speeches carry where their title and date came from (index/stores/speech_meta.py)
READABLE_SCHEMAS = (1, 2)
SCHEMA = """
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
    mtime REAL NOT NULL, encoding TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS speeches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, title TEXT NOT NULL, date TEXT, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    speech_id INTEGER NOT NULL REFERENCES speeches(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, embed_text TEXT NOT NULL, tokens TEXT NOT NULL,
    pages TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS speeches_doc ON speeches(doc_id);
CREATE INDEX IF NOT EXISTS chunks_speech ON chunks(speech_id);
"""
#: ``{meta}``: :func:`index.stores.speech_meta.speech_meta_select` (older indexes lack those columns).
CHUNK_SELECT = """SELECT c.id, c.speech_id, d.path, s.title, s.date, c.section, c.text, c.start, c."end",
    c.embed_text, {meta}, c.pages FROM chunks c JOIN speeches s ON s.id = c.speech_id JOIN documents d ON d.id = s.doc_id"""


@dataclass(frozen=True)
class Generation:
    """One consistent trio: the manifest committed in SQLite and the vector and BM25 files it names.

    The writer builds a new one; the store swaps it in whole, so readers never mix two.
    ``manifest`` is None (and the rest empty) for an index created but never committed.
    """

    manifest: Manifest | None
    vectors: Any  # a faiss IndexIDMap2, or None before the first commit
    lexical: LexicalIndex


def empty_generation() -> Generation:
    import numpy as np

    return Generation(None, None, LexicalIndex(np.zeros(0, dtype=np.int64), None))


def faiss_module() -> Any:
    """faiss, limited to one OpenMP thread on first use.

    A single-query search over ~10k vectors takes ~1 ms on one thread but 30-40 ms with
    OpenMP's thread pool on this 2-core machine (the threads spin and contend), and the
    product only ever searches one query at a time.
    """
    import faiss

    global _faiss_ready
    if not _faiss_ready:
        faiss.omp_set_num_threads(1)
        _faiss_ready = True
    return faiss


_faiss_ready = False


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def corrupt(path: Path, detail: str) -> IndexCorruptError:
    return IndexCorruptError(f"the index at {path} is damaged ({detail})")


def vectors_file(path: Path, generation: int) -> Path:
    return path / f"vectors.{generation}.faiss"


def lexical_dir(path: Path, generation: int) -> Path:
    return path / f"lexical.{generation}"


def connect(db: Path, *, create: bool) -> sqlite3.Connection:
    """A connection usable from any thread (callers serialize), WAL mode, foreign keys on."""
    target = str(db) if create else db.resolve().as_uri() + "?mode=rw"
    try:
        conn = sqlite3.connect(target, uri=not create, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA journal_size_limit = 8388608")  # don't keep a big WAL after a build
        conn.execute("PRAGMA foreign_keys = ON")
        columns = {row[1] for row in conn.execute("PRAGMA table_info(chunks)")}
        if columns and "pages" not in columns:  # an index from before page numbers were kept
            conn.execute("ALTER TABLE chunks ADD COLUMN pages TEXT NOT NULL DEFAULT '[]'")
    except sqlite3.DatabaseError as exc:
        raise corrupt(db.parent, str(exc)) from None
    return conn


def read_manifest(conn: sqlite3.Connection, path: Path) -> Manifest | None:
    """The committed manifest, or None for an index never completed."""
    rows = dict(conn.execute("SELECT key, value FROM manifest").fetchall())
    if not rows:
        return None
    data = json.loads(rows["manifest"])
    if data.pop("schema", SCHEMA_VERSION) not in READABLE_SCHEMAS:
        raise corrupt(path, "written by an incompatible version")
    return Manifest(**data)


def chunk_row(r: tuple[Any, ...]) -> ChunkRow:
    """A :data:`CHUNK_SELECT` result row as a :class:`ChunkRow`."""
    return ChunkRow(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), r[6], r[7], r[8], r[9],
                    bool(r[10]), r[11] or Path(r[2]).name, r[12], tuple(json.loads(r[13])))
