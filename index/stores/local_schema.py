"""The local store's files: the SQLite schema, segment file names, and opening them.

Shared by the read side (:mod:`index.stores.local`) and the writer
(:mod:`index.stores.local_write`), which must agree on every name here and on nothing else.

Schema 3 (segments): vectors and BM25 live in immutable *segments* (``vectors.<n>.faiss`` and
``lexical.<n>/``, see :mod:`index.stores.segments`); the SQLite ``manifest`` table names the
live ones (key ``segments``) and ``tombstones`` lists chunk ids removed since their segment was
written. Chunk text and embed text are stored only when they cannot be derived (the speech
text at the chunk's offsets; title and section path in front of it), and filters compare
columns normalized once at write time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError, IndexOutdatedError
from index.stores.speech_zip import register
from index.types import ChunkRow, Manifest

DB_FILE = "index.sqlite"
SCHEMA_VERSION = 4  # 4: the phrase index is a contentless trigram table (index/stores/phrases.py)
#: 1: the first; 2: speeches carry where their title and date came from; 3: segments +
#: tombstones, derived chunk text, normalized filter columns, and a phrase index that stored
#: the folded text. All are upgraded in place by the next write (index/stores/migrate.py),
#: without re-embedding.
OLD_SCHEMAS = (1, 2, 3)
SCHEMA = """
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
    mtime REAL NOT NULL, encoding TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS speeches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, title TEXT NOT NULL, date TEXT, text TEXT NOT NULL,
    title_derived INTEGER NOT NULL DEFAULT 0, source_name TEXT, date_source TEXT, subtitle TEXT, venue TEXT,
    norm_title TEXT NOT NULL DEFAULT '', norm_name TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    speech_id INTEGER NOT NULL REFERENCES speeches(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, section TEXT NOT NULL, text TEXT,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, embed_text TEXT, embed_key INTEGER NOT NULL,
    norm_section TEXT NOT NULL DEFAULT '', pages TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS tombstones (chunk_id INTEGER PRIMARY KEY);
CREATE INDEX IF NOT EXISTS speeches_doc ON speeches(doc_id);
-- what --doc/--since/--until read (index.filters.filter_query): a scan of this small covering index
-- (a date range is a range of it) instead of the speeches table with their texts (1M passages: ~1 s cold → ~0.06 s)
CREATE INDEX IF NOT EXISTS speeches_filter ON speeches(date, norm_title, norm_name);
CREATE INDEX IF NOT EXISTS chunks_speech ON chunks(speech_id);
CREATE INDEX IF NOT EXISTS chunks_embed ON chunks(embed_key);
"""
#: A chunk row: its text is the speech's at its offsets unless stored (SQLite counts characters;
#: ``speech_text`` decompresses a stored BLOB, index/stores/speech_zip.py).
CHUNK_SELECT = """SELECT c.id, c.speech_id, d.path, s.title, s.date, c.section,
    COALESCE(c.text, substr(speech_text(s.text), c.start + 1, c."end" - c.start)), c.start, c."end", c.embed_text,
    s.title_derived, s.source_name, s.date_source, c.pages
    FROM chunks c JOIN speeches s ON s.id = c.speech_id JOIN documents d ON d.id = s.doc_id"""


@dataclass(frozen=True)
class SegmentInfo:
    """One live segment as the SQLite ``segments`` record names it."""

    number: int
    rows: int
    kind: str  # "flat", "ann" or (older indexes) "ivf": see index.stores.segments


@dataclass(frozen=True)
class Layout:
    """Which segments make up the committed index, and what a writer needs to extend it.

    ``dictionary`` is the segment whose folder holds the index's query dictionary;
    ``next_number`` the number the next new segment gets (never reused).
    """

    segments: tuple[SegmentInfo, ...] = ()
    next_number: int = 1
    dictionary: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.segments)

    def to_json(self) -> str:
        return json.dumps({"segments": [[s.number, s.rows, s.kind] for s in self.segments], "next": self.next_number,
                           "dictionary": self.dictionary, **self.extra})

    @classmethod
    def from_json(cls, text: str) -> Layout:
        data = json.loads(text)
        segments = tuple(SegmentInfo(int(n), int(r), str(k)) for n, r, k in data.pop("segments"))
        return cls(segments, int(data.pop("next")), data.pop("dictionary"), data)


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


@contextmanager
def faiss_threads() -> Iterator[None]:
    """Every core for faiss while a writer trains and encodes big segments, then one again."""
    import os

    faiss = faiss_module()
    faiss.omp_set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def corrupt(path: Path, detail: str) -> IndexCorruptError:
    return IndexCorruptError(f"the index at {path} is damaged ({detail})")


def vectors_file(path: Path, number: int) -> Path:
    return path / f"vectors.{number}.faiss"


def lexical_dir(path: Path, number: int) -> Path:
    return path / f"lexical.{number}"


def connect(db: Path, *, create: bool) -> sqlite3.Connection:
    """A connection usable from any thread (callers serialize), WAL mode, foreign keys on, and the
    ``speech_text`` SQL function that reads a stored speech text (index/stores/speech_zip.py)."""

    target = str(db) if create else db.resolve().as_uri() + "?mode=rw"
    try:
        conn = sqlite3.connect(target, uri=not create, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA journal_size_limit = 8388608")  # don't keep a big WAL after a build
        conn.execute("PRAGMA foreign_keys = ON")
        register(conn)
    except sqlite3.DatabaseError as exc:
        from index.stores.write_errors import write_error

        failed = write_error(db.parent, exc) if create else None  # the writer's disk full or read-only: no damage
        raise (failed or corrupt(db.parent, str(exc))) from None
    return conn


def manifest_schema(conn: sqlite3.Connection) -> int | None:
    """The schema version of the committed manifest, None for an index never completed."""
    row = conn.execute("SELECT value FROM manifest WHERE key = 'manifest'").fetchone()
    return None if row is None else int(json.loads(row[0]).get("schema", 1))


def read_manifest(conn: sqlite3.Connection, path: Path) -> tuple[Manifest, Layout] | None:
    """The committed manifest and segment layout, or None for an index never completed."""
    rows = dict(conn.execute("SELECT key, value FROM manifest").fetchall())
    if "manifest" not in rows:
        return None
    data = json.loads(rows["manifest"])
    schema = data.pop("schema", 1)
    if schema in OLD_SCHEMAS:
        raise IndexOutdatedError(
            f"the index at {path} was written by an older version (schema {schema}); the next write to it "
            "upgrades it in place, without re-embedding")
    if schema != SCHEMA_VERSION:
        raise corrupt(path, f"written by an incompatible version (schema {schema})")
    return Manifest(**data), Layout.from_json(rows["segments"])


def chunk_row(r: tuple[Any, ...]) -> ChunkRow:
    """A :data:`CHUNK_SELECT` result row as a :class:`ChunkRow` (embed text derived when not stored)."""
    from index.document import embed_text

    section = tuple(json.loads(r[5]))
    return ChunkRow(r[0], r[1], r[2], r[3], r[4], section, r[6], r[7], r[8],
                    r[9] if r[9] is not None else embed_text(r[3], section, r[6]),
                    bool(r[10]), r[11] or Path(r[2]).name, r[12], tuple(json.loads(r[13])))


def record_layout(conn: sqlite3.Connection, manifest: dict[str, Any], layout: Layout) -> None:
    """Store the manifest (with the schema version) and the live segments, inside the writer's
    transaction: the two keys every reader reads together, written in one place."""
    record = json.dumps({**manifest, "schema": SCHEMA_VERSION})
    conn.execute("INSERT OR REPLACE INTO manifest (key, value) VALUES ('manifest', ?)", (record,))
    conn.execute("INSERT OR REPLACE INTO manifest (key, value) VALUES ('segments', ?)", (layout.to_json(),))

