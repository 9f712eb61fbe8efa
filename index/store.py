"""The index on disk: SQLite (documents, speeches, chunks, manifest) + FAISS vectors + BM25.

Consistency across three files is kept with a *generation* number stored in the SQLite
manifest. A write prepares ``vectors.<g+1>.faiss`` and ``lexical.<g+1>/`` next to the live
ones (each via a temporary name and a rename), then commits the SQLite transaction that
holds both the row changes and ``generation = g+1``. The commit is the single switch-over
point: an exception or a kill before it leaves generation ``g`` (rows and files) untouched;
after it, readers load the new trio. Files of generation ``g`` are kept until the next write
so a reader that just read ``g`` can still open them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.filters import FilterRows, load_filter_rows, matching_chunk_ids
from index.lexical import LexicalIndex
from index.model import Speech
from qa.errors import IndexCorruptError, IndexMissingError, QAError
from qa.types import Filters, IndexStatus, SpeechText

DB_FILE = "index.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
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
_CHUNK_SELECT = """SELECT c.id, c.speech_id, d.path, s.title, s.date, c.section, c.text, c.start, c."end",
    c.embed_text, c.pages FROM chunks c JOIN speeches s ON s.id = c.speech_id JOIN documents d ON d.id = s.doc_id"""


@dataclass(frozen=True)
class Manifest:
    """What made the index; ``generation`` names the live FAISS/BM25 files."""

    model: str
    fingerprint: str
    dimension: int
    chunker_version: str
    chunk_size: int
    chunk_overlap: int
    lexical_header: bool = True
    created: str = ""
    updated: str = ""
    generation: int = 0


@dataclass(frozen=True)
class ChunkRow:
    """A stored chunk with where it comes from; offsets are into the cleaned speech text."""

    chunk_id: int
    speech_id: int
    doc_path: str
    title: str
    date: str | None
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    embed_text: str
    pages: tuple[int, ...] = ()  # pages of a paged source (PDF) the chunk comes from


@dataclass
class DocumentRecord:
    """A new or changed file ready to store: chunks in speech order, one vector and token list each."""

    path: str
    sha256: str
    mtime: float
    encoding: str
    speeches: list[Speech]
    vectors: np.ndarray
    tokens: list[list[str]] = field(default_factory=list)


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _corrupt(path: Path, detail: str) -> IndexCorruptError:
    return IndexCorruptError(f"index at {path} is damaged ({detail}); rebuild it with `qa index build PATH`")


def _vectors_file(path: Path, generation: int) -> Path:
    return path / f"vectors.{generation}.faiss"


def _lexical_dir(path: Path, generation: int) -> Path:
    return path / f"lexical.{generation}"


class IndexStore:
    """Read access to one index folder, plus :meth:`apply` for the (locked) writer.

    Safe to share between threads: every use of the SQLite connection and of the
    in-memory FAISS/BM25 pair goes through one lock, and a write swaps them in one step.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()
        self._manifest: Manifest | None = None
        self._faiss: Any = None
        self._lexical = LexicalIndex(np.zeros(0, dtype=np.int64), None)
        self._filter_cache: FilterRows | None = None  # per loaded generation

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: Path) -> IndexStore:
        """Open an existing index for reading (IndexMissingError / IndexCorruptError otherwise)."""
        db = path / DB_FILE
        if not db.is_file():
            raise IndexMissingError(f"no index at {path}: build one with `qa index build PATH` (a folder of speech files)")
        store = cls(path, cls._connect(db, create=False))
        try:
            store._load()
        except BaseException:
            store.close()
            raise
        if store._manifest is None:
            store.close()
            raise IndexMissingError(f"the index at {path} was never completed: build it with `qa index build PATH`")
        return store

    @classmethod
    def open_for_write(cls, path: Path) -> IndexStore:
        """Open or create the index for the writer; a never-built index has ``manifest`` None."""
        path.mkdir(parents=True, exist_ok=True)
        store = cls(path, cls._connect(path / DB_FILE, create=True))
        try:
            store._conn.executescript(_SCHEMA)
            store._load()
        except sqlite3.DatabaseError as exc:
            store.close()
            raise _corrupt(path, str(exc)) from None
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def _connect(db: Path, *, create: bool) -> sqlite3.Connection:
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
            raise _corrupt(db.parent, str(exc)) from None
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _read_manifest(self) -> Manifest | None:
        rows = dict(self._conn.execute("SELECT key, value FROM manifest").fetchall())
        if not rows:
            return None
        data = json.loads(rows["manifest"])
        if data.pop("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise _corrupt(self.path, "written by an incompatible version")
        return Manifest(**data)

    def _load(self) -> None:
        """Load the live generation's FAISS and BM25 files and check they match SQLite."""
        faiss = faiss_module()
        for _attempt in range(3):
            with self._lock:
                try:
                    self._conn.execute("BEGIN")
                    manifest = self._read_manifest()
                    count = self._conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
                    self._conn.execute("COMMIT")
                except (sqlite3.DatabaseError, KeyError, TypeError, ValueError) as exc:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise _corrupt(self.path, f"cannot read {DB_FILE}: {exc}") from None
                if manifest is None:
                    self._manifest = None
                    return
                try:
                    vectors = faiss.read_index(str(_vectors_file(self.path, manifest.generation)))
                    lexical = LexicalIndex.load(_lexical_dir(self.path, manifest.generation))
                except (OSError, RuntimeError, ValueError) as exc:
                    if self._read_manifest() != manifest:
                        continue  # a writer switched generations under us: read the new one
                    raise _corrupt(self.path, f"generation {manifest.generation} files: {exc}") from None
                if not vectors.ntotal == len(lexical) == count or vectors.d != manifest.dimension:
                    raise _corrupt(self.path, f"{count} chunks, {vectors.ntotal} vectors, {len(lexical)} BM25 rows")
                self._manifest, self._faiss, self._lexical = manifest, vectors, lexical
                self._filter_cache = None
                return
        raise _corrupt(self.path, "generation kept changing while loading")

    def refresh(self) -> bool:
        """Pick up a write committed since loading (by any process); True if something changed."""
        with self._lock:
            try:
                unchanged = self._read_manifest() == self._manifest
            except (sqlite3.DatabaseError, KeyError, TypeError, ValueError) as exc:
                raise _corrupt(self.path, f"cannot read {DB_FILE}: {exc}") from None
            if unchanged:
                return False
            self._load()
            return True

    # ----------------------------------------------------------------- reading
    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            raise IndexMissingError(f"no index at {self.path}: build one with `qa index build PATH`")
        return self._manifest

    @property
    def has_manifest(self) -> bool:
        return self._manifest is not None

    @property
    def lexical(self) -> LexicalIndex:
        return self._lexical

    def chunk_count(self) -> int:
        return 0 if self._faiss is None else int(self._faiss.ntotal)

    def dense_search(self, vec: np.ndarray, k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """Inner-product search of a normalized query vector; best first, at most ``k``."""
        faiss = faiss_module()
        with self._lock:
            index = self._faiss
        if index is None or index.ntotal == 0 or k <= 0 or (allowed_ids is not None and not allowed_ids):
            return []
        query = np.ascontiguousarray(np.asarray(vec, dtype=np.float32).reshape(1, -1))
        params = None
        if allowed_ids is not None:
            selector = faiss.IDSelectorBatch(np.fromiter(allowed_ids, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = index.search(query, min(k, index.ntotal), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def lexical_search(self, query: str, k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        with self._lock:
            lexical = self._lexical
        return lexical.search(query, k, allowed_ids)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """Stored vectors of ``ids`` (rows in the same order); KeyError-free: ids must exist."""
        with self._lock:
            index = self._faiss
        dim = self.manifest.dimension
        if not ids:
            return np.zeros((0, dim), dtype=np.float32)
        return np.vstack([index.reconstruct(int(i)) for i in ids]).astype(np.float32)

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, tuple(args)).fetchall()

    def chunks_by_ids(self, ids: Iterable[int]) -> list[ChunkRow]:
        """Rows for ``ids`` in the order given; ids no longer stored are left out."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        found: dict[int, ChunkRow] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            rows = self._query(f"{_CHUNK_SELECT} WHERE c.id IN ({','.join('?' * len(part))})", part)
            for r in rows:
                found[r[0]] = ChunkRow(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5])), r[6], r[7], r[8], r[9],
                                       tuple(json.loads(r[10])))
        return [found[i] for i in wanted if i in found]

    def speech_text(self, chunk_id: int) -> SpeechText:
        rows = self._query(
            "SELECT d.path, s.title, s.date, s.text FROM chunks c JOIN speeches s ON s.id = c.speech_id "
            "JOIN documents d ON d.id = s.doc_id WHERE c.id = ?", (chunk_id,))
        if not rows:
            raise QAError(f"passage {chunk_id} is no longer in the index at {self.path}")
        return SpeechText(*rows[0])

    def documents(self) -> dict[str, str]:
        """Every indexed document: absolute path → sha256 of its raw bytes."""
        return dict(self._query("SELECT path, sha256 FROM documents ORDER BY path"))

    def embed_text_ids(self) -> dict[str, int]:
        """Embed text → a chunk id holding it: lets an update reuse vectors of unchanged passages."""
        return {text: cid for cid, text in self._query("SELECT id, embed_text FROM chunks")}

    def filter_ids(self, filters: Filters | None) -> set[int] | None:
        """Chunk ids allowed by ``filters`` (see :func:`index.filters.matching_chunk_ids`)."""
        if filters is None or filters.is_empty():
            return None
        with self._lock:
            if self._filter_cache is None:
                self._filter_cache = load_filter_rows(self._query)
            rows = self._filter_cache
        return matching_chunk_ids(rows, filters)

    def status(self) -> IndexStatus:
        m = self.manifest
        docs = self._query("SELECT count(*) FROM documents")[0][0]
        speeches = self._query("SELECT count(*) FROM speeches")[0][0]
        return IndexStatus(path=str(self.path), exists=True, documents=docs, speeches=speeches,
                           chunks=self.chunk_count(), model=m.model, dimension=m.dimension,
                           chunker_version=m.chunker_version, created=m.created, updated=m.updated,
                           doc_paths=list(self.documents()))

    # ----------------------------------------------------------------- writing
    def apply(self, manifest: Manifest, documents: Sequence[DocumentRecord], remove_paths: Sequence[str] = (),
              *, replace_all: bool = False) -> None:
        """Store new/changed ``documents`` and drop ``remove_paths`` as one atomic generation.

        Call under :func:`write_lock`. ``replace_all`` drops everything first (full build).
        A document whose path is already stored is replaced (its ``added`` date is kept).
        """
        from index.store_write import commit

        commit(self, manifest, documents, remove_paths, replace_all=replace_all)


def index_status(path: Path) -> IndexStatus:
    """Status without raising for a missing index (``exists=False``)."""
    try:
        store = IndexStore.open(path)
    except IndexMissingError:
        return IndexStatus(path=str(path), exists=False)
    try:
        return store.status()
    finally:
        store.close()


__all__ = ["ChunkRow", "DocumentRecord", "IndexStore", "Manifest", "index_status"]
