"""The local store's read side: SQLite (documents, speeches, chunks, manifest) + FAISS + BM25.

Consistency across the three is kept with a *generation* number stored in the SQLite manifest
(see :mod:`index.stores.local_write` for how a write makes one). This class only reads: it
loads the live :class:`Generation`, checks the three agree, and swaps in a newer one when a
write commits (its own, through :meth:`LocalStore.swap`, or another process's, through
:meth:`LocalStore.refresh`). Safe to share between threads: every use of the connection and of
the generation goes through one lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexMissingError, SpeechQAError
from index.filters import FilterRows, load_filter_rows, matching_chunk_ids
from index.lexical import LexicalIndex
from index.outline import Outline, flatten
from index.stores.base import Scored
from index.stores.local_schema import (
    CHUNK_SELECT,
    DB_FILE,
    SCHEMA,
    Generation,
    chunk_row,
    connect,
    corrupt,
    empty_generation,
    faiss_module,
    lexical_dir,
    read_manifest,
    vectors_file,
)
from index.stores.speech_meta import (
    SPEECH_META_COLUMNS,
    add_speech_meta_columns,
    has_speech_meta,
    speech_meta_select,
)
from index.types import (
    ChunkRecord,
    ChunkRow,
    DocumentRecord,
    Filters,
    IndexStatus,
    Manifest,
    PhraseMatches,
    SpeechRecord,
    SpeechText,
)

_ALLOWED_CACHE = 32  # filter sets kept per generation (a chat repeats its filters)
_OUTLINE_CACHE = 64  # speech outlines kept per generation (answers come from few speeches)


class LocalStore:
    """Read access to one index folder, plus :meth:`apply` for the (locked) writer."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()
        self._gen = empty_generation()
        self._filter_rows: FilterRows | None = None  # per generation
        self._allowed: dict[Filters, set[int] | None] = {}
        self._outlines: dict[int, Outline] = {}
        self._speech_meta = False  # schema-2 speech columns present (an older index lacks them)

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: Path) -> LocalStore:
        """Open an existing index for reading (IndexMissingError / IndexCorruptError otherwise)."""
        db = path / DB_FILE
        if not db.is_file():
            raise IndexMissingError(f"no index at {path}")
        store = cls(path, connect(db, create=False))
        try:
            store._load()
        except BaseException:
            store.close()
            raise
        if not store.has_manifest:
            store.close()
            raise IndexMissingError(f"the index at {path} was never completed")
        return store

    @classmethod
    def open_for_write(cls, path: Path) -> LocalStore:
        """Open or create the index for the writer; a never-built index has no manifest yet."""
        path.mkdir(parents=True, exist_ok=True)
        store = cls(path, connect(path / DB_FILE, create=True))
        try:
            store._conn.executescript(SCHEMA)
            add_speech_meta_columns(store._conn)
            store._load()
        except sqlite3.DatabaseError as exc:
            store.close()
            raise corrupt(path, str(exc)) from None
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _load(self) -> None:
        """Load the live generation's FAISS and BM25 files and check they match SQLite."""
        faiss = faiss_module()
        for _attempt in range(3):
            with self._lock:
                try:
                    self._conn.execute("BEGIN")
                    manifest = read_manifest(self._conn, self.path)
                    count = self._conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
                    self._speech_meta = has_speech_meta(self._conn)
                    self._conn.execute("COMMIT")
                except (sqlite3.DatabaseError, KeyError, TypeError, ValueError) as exc:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise corrupt(self.path, f"cannot read {DB_FILE}: {exc}") from None
                if manifest is None:
                    self.swap(empty_generation())
                    return
                try:
                    vectors = faiss.read_index(str(vectors_file(self.path, manifest.generation)))
                    lexical = LexicalIndex.load(lexical_dir(self.path, manifest.generation))
                except (OSError, RuntimeError, ValueError) as exc:
                    if read_manifest(self._conn, self.path) != manifest:
                        continue  # a writer switched generations under us: read the new one
                    raise corrupt(self.path, f"generation {manifest.generation} files: {exc}") from None
                if not vectors.ntotal == len(lexical) == count or vectors.d != manifest.dimension:
                    raise corrupt(self.path, f"{count} chunks, {vectors.ntotal} vectors, {len(lexical)} BM25 rows")
                self.swap(Generation(manifest, vectors, lexical))
                return
        raise corrupt(self.path, "generation kept changing while loading")

    def swap(self, generation: Generation) -> None:
        """Serve ``generation`` from now on (the writer calls this right after its commit)."""
        with self._lock:
            self._gen = generation
            self._filter_rows = None
            self._allowed = {}
            self._outlines = {}

    def refresh(self) -> bool:
        with self._lock:
            try:
                unchanged = read_manifest(self._conn, self.path) == self._gen.manifest
            except (sqlite3.DatabaseError, KeyError, TypeError, ValueError) as exc:
                raise corrupt(self.path, f"cannot read {DB_FILE}: {exc}") from None
            if unchanged:
                return False
            self._load()
            return True

    # ----------------------------------------------------------------- reading
    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def generation(self) -> Generation:
        with self._lock:
            return self._gen

    @property
    def manifest(self) -> Manifest:
        manifest = self.generation.manifest
        if manifest is None:
            raise IndexMissingError(f"no index at {self.path}")
        return manifest

    @property
    def has_manifest(self) -> bool:
        return self.generation.manifest is not None

    def chunk_count(self) -> int:
        vectors = self.generation.vectors
        return 0 if vectors is None else int(vectors.ntotal)

    def dense_search(self, vec: np.ndarray, k: int, filters: Filters | None = None) -> Scored:
        faiss = faiss_module()
        index = self.generation.vectors
        allowed = self.filter_ids(filters)
        if index is None or index.ntotal == 0 or k <= 0 or (allowed is not None and not allowed):
            return []
        query = np.ascontiguousarray(np.asarray(vec, dtype=np.float32).reshape(1, -1))
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = index.search(query, min(k, index.ntotal), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def lexical_search(self, question: str, k: int, filters: Filters | None = None) -> Scored:
        return self.generation.lexical.search(question, k, self.filter_ids(filters))

    def cut(self, text: str) -> list[str]:
        return self.generation.lexical.cut(text)

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        return self.generation.lexical.document_frequency(terms)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        index = self.generation.vectors
        if not ids:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        return np.vstack([index.reconstruct(int(i)) for i in ids]).astype(np.float32)

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, tuple(args)).fetchall()

    def chunks_by_ids(self, ids: Iterable[int]) -> list[ChunkRow]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        found: dict[int, ChunkRow] = {}
        select = CHUNK_SELECT.format(meta=speech_meta_select(self._speech_meta))
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            for r in self._query(f"{select} WHERE c.id IN ({','.join('?' * len(part))})", part):
                found[r[0]] = chunk_row(r)
        return [found[i] for i in wanted if i in found]

    def speech_text(self, chunk_id: int) -> SpeechText:
        rows = self._query(
            "SELECT d.path, s.title, s.date, s.text FROM chunks c JOIN speeches s ON s.id = c.speech_id "
            "JOIN documents d ON d.id = s.doc_id WHERE c.id = ?", (chunk_id,))
        if not rows:
            raise SpeechQAError(f"passage {chunk_id} is no longer in the index at {self.path}")
        return SpeechText(*rows[0])

    def outline(self, speech_id: int) -> Outline:
        """Rebuilt from the stored text with the reader's own rule (a pure function of it), cached."""
        from index.structure import build_outline

        with self._lock:
            if speech_id in self._outlines:
                return self._outlines[speech_id]
        rows = self._query("SELECT title, text FROM speeches WHERE id = ?", (speech_id,))
        if not rows:
            raise SpeechQAError(f"speech {speech_id} is no longer in the index at {self.path}")
        title, text = rows[0]
        spans = self._query('SELECT id, start, "end" FROM chunks WHERE speech_id = ? ORDER BY start', (speech_id,))
        outline = flatten(speech_id, title, text, build_outline(text), [tuple(r) for r in spans])
        with self._lock:
            if len(self._outlines) >= _OUTLINE_CACHE:
                self._outlines.pop(next(iter(self._outlines)))
            self._outlines[speech_id] = outline
        return outline

    def documents(self) -> dict[str, str]:
        return dict(self._query("SELECT path, sha256 FROM documents ORDER BY path"))

    def filter_ids(self, filters: Filters | None) -> set[int] | None:
        """Chunk ids allowed by ``filters`` (see :func:`index.filters.matching_chunk_ids`); None = all."""
        if filters is None or filters.is_empty():
            return None
        with self._lock:
            if filters in self._allowed:
                return self._allowed[filters]
            if self._filter_rows is None:
                self._filter_rows = load_filter_rows(self._query)
            rows = self._filter_rows
        allowed = matching_chunk_ids(rows, filters)
        with self._lock:
            if len(self._allowed) >= _ALLOWED_CACHE:
                self._allowed.pop(next(iter(self._allowed)))
            self._allowed[filters] = allowed
        return allowed

    def find_phrase(self, phrase: str, filters: Filters | None = None) -> PhraseMatches:
        from index.stores import phrases

        allowed = self.filter_ids(filters)
        found = phrases.find(self._query, phrases.fold_phrase(phrase), allowed)
        dates = self._query(phrases.SPEECH_DATES)
        if allowed is not None:
            with self._lock:
                if self._filter_rows is None:
                    self._filter_rows = load_filter_rows(self._query)
                chunk_rows = self._filter_rows[1]
            kept = {sid for cid, sid, _sec in chunk_rows if cid in allowed}
            dates = [(sid, date) for sid, date in dates if sid in kept]
        return PhraseMatches(tuple(found), tuple(date for _sid, date in dates))

    def matching_count(self, filters: Filters) -> int:
        allowed = self.filter_ids(filters)
        return self.chunk_count() if allowed is None else len(allowed)

    def status(self) -> IndexStatus:
        m = self.manifest
        docs = self._query("SELECT count(*) FROM documents")[0][0]
        speeches = self._query("SELECT count(*) FROM speeches")[0][0]
        undated = [f"{title} ({Path(path).name})" for title, path in self._query(
            "SELECT s.title, d.path FROM speeches s JOIN documents d ON d.id = s.doc_id WHERE s.date IS NULL "
            "ORDER BY d.path, s.ordinal")]
        return IndexStatus(path=str(self.path), exists=True, documents=docs, speeches=speeches,
                           chunks=self.chunk_count(), model=m.model, dimension=m.dimension,
                           chunker_version=m.chunker_version, created=m.created, updated=m.updated,
                           doc_paths=list(self.documents()), undated=undated)

    def records(self) -> Iterator[DocumentRecord]:
        """Every stored document as the writer took it, vectors included (to copy the index elsewhere)."""
        meta = ", ".join(SPEECH_META_COLUMNS) if self._speech_meta else "0, NULL, NULL, NULL, NULL"
        for doc_id, path, sha, mtime, encoding in self._query(
                "SELECT id, path, sha256, mtime, encoding FROM documents ORDER BY path"):
            speeches: list[SpeechRecord] = []
            ids: list[int] = []
            for sid, title, date, text, derived, source, date_source, subtitle, venue in self._query(
                    f"SELECT id, title, date, text, {meta} FROM speeches WHERE doc_id = ? ORDER BY ordinal", (doc_id,)):
                rows = self._query('SELECT id, section, text, start, "end", embed_text FROM chunks '
                                   "WHERE speech_id = ? ORDER BY ordinal", (sid,))
                ids += [r[0] for r in rows]
                chunks = tuple(ChunkRecord(tuple(json.loads(r[1])), r[2], r[3], r[4], r[5]) for r in rows)
                speeches.append(SpeechRecord(title, date, text, chunks, title_derived=bool(derived),
                                             source_name=source or Path(path).name, subtitle=subtitle, venue=venue,
                                             date_source=date_source))
            yield DocumentRecord(path, sha, mtime, encoding, tuple(speeches), self.vectors(ids))

    # ----------------------------------------------------------------- writing
    def known_vectors(self, embed_texts: Sequence[str]) -> dict[str, np.ndarray]:
        wanted = set(embed_texts)
        if not wanted or not self.has_manifest:
            return {}
        ids: dict[str, int] = {}
        for cid, text in self._query("SELECT id, embed_text FROM chunks"):
            if text in wanted:
                ids.setdefault(text, cid)
        texts = list(ids)
        return dict(zip(texts, self.vectors([ids[t] for t in texts]), strict=True))

    def apply(self, manifest: Manifest, documents: Sequence[DocumentRecord], remove_paths: Sequence[str] = (),
              *, replace_all: bool = False) -> None:
        from index.stores.local_write import commit

        self.swap(commit(self.path, self.generation, manifest, documents, remove_paths, replace_all=replace_all))


__all__ = ["LocalStore"]
