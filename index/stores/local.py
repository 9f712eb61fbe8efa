"""The local store's read side: SQLite (documents, speeches, chunks, manifest) + segments.

Consistency between SQLite and the segment files is kept with a *generation* number and a
*layout* (the live segments) stored in the SQLite manifest (see :mod:`index.stores.local_write`
for how a write makes one). This class only reads: it loads the live
:class:`~index.stores.generation.Generation` (segments memory-mapped, tombstones), checks it
agrees with SQLite (a reader skips a damaged segment and says so in :attr:`LocalStore.damage`,
a writer refuses it: see :mod:`index.stores.health`), and swaps in a newer one when a write commits (its own, through
:meth:`LocalStore.swap`, or another process's, through :meth:`LocalStore.refresh`). Safe to
share between threads: every use of the connection and of the generation goes through one lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexMissingError, SpeechQAError
from index.filters import filter_query
from index.outline import Outline, flatten
from index.stores import trash
from index.stores.base import Scored
from index.stores.generation import Generation, Masks
from index.stores.local_schema import (
    CHUNK_SELECT,
    DB_FILE,
    OLD_SCHEMAS,
    SCHEMA,
    chunk_row,
    connect,
    corrupt,
    manifest_schema,
    read_manifest,
)
from index.stores.speech_zip import read_error
from index.stores.write_errors import write_error, write_failures
from index.types import (
    ChunkRecord,
    ChunkRow,
    DocumentRecord,
    Filters,
    IndexStatus,
    Manifest,
    PhraseMatches,
    Problem,
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
        self._gen = Generation(None)
        self._allowed: dict[Filters, Masks] = {}
        self._outlines: dict[int, Outline] = {}
        self._strict = True  # a writer never serves (nor extends) a generation with damaged segments
        self._problems: tuple[Problem, ...] = ()
        self._warning: str | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: Path) -> LocalStore:
        """Open an existing index for reading (IndexMissingError / IndexCorruptError otherwise)."""
        db = path / DB_FILE
        if not db.is_file():
            raise IndexMissingError(f"no index at {path}")
        store = cls(path, connect(db, create=False))
        store._strict = False
        try:
            store._load(strict=False)
        except BaseException:
            store.close()
            raise
        if not store.has_manifest:
            store.close()
            raise IndexMissingError(f"the index at {path} was never completed")
        return store

    @classmethod
    def open_for_write(cls, path: Path) -> LocalStore:
        """Open or create the index for the writer (upgrading an older one in place first)."""
        from index.stores.migrate import upgrade

        with write_failures(path):
            path.mkdir(parents=True, exist_ok=True)
        store = cls(path, connect(path / DB_FILE, create=True))
        try:
            if _has_manifest_table(store._conn) and manifest_schema(store._conn) in OLD_SCHEMAS:
                upgrade(store._conn, path)
            store._conn.executescript(SCHEMA)
            store._load()
        except sqlite3.DatabaseError as exc:
            store.close()  # a full disk or a read-only folder is no damage: a build must not set it aside
            raise (write_error(path, exc) or corrupt(path, str(exc))) from None
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _load(self, *, strict: bool = True) -> None:
        """Load the live generation's segments; a reader skips damaged ones (index.stores.health)."""
        from index.stores.health import load_generation

        with self._lock:
            loaded = load_generation(self._conn, self.path, strict=strict)
            self.swap(loaded.generation)
            self._problems = loaded.problems
            self._warning = loaded.warning

    def swap(self, generation: Generation) -> None:
        """Serve ``generation`` from now on (the writer calls this right after its commit)."""
        with self._lock:
            self._gen = generation
            self._allowed = {}
            self._outlines = {}

    def refresh(self) -> bool:
        with self._lock:
            try:
                committed = read_manifest(self._conn, self.path)
            except (sqlite3.DatabaseError, KeyError, TypeError, ValueError) as exc:
                raise corrupt(self.path, f"cannot read {DB_FILE}: {exc}") from None
            if (committed[0] if committed else None) == self._gen.manifest:
                return False
            self._load(strict=self._strict)
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
    def damage(self) -> str | None:
        """What this reader cannot serve (damaged segment files skipped), in user words; None: all."""
        with self._lock:
            return self._warning

    @property
    def problems(self) -> tuple[Problem, ...]:
        with self._lock:
            return self._problems

    @property
    def has_manifest(self) -> bool:
        return self.generation.manifest is not None

    def chunk_count(self) -> int:
        return self.generation.chunk_count()

    def dense_search(self, vec: np.ndarray, k: int, filters: Filters | None = None) -> Scored:
        generation = self.generation
        allowed = self.filter_masks(filters)
        if k <= 0 or not generation.segments:
            return []
        return generation.dense_search(vec, k, allowed)

    def lexical_search(self, question: str, k: int, filters: Filters | None = None) -> Scored:
        generation = self.generation
        allowed = self.filter_masks(filters)
        if k <= 0 or not generation.segments:
            return []
        return generation.lexical_search(generation.cutter.query_tokens(question), k, allowed)

    def cut(self, text: str) -> list[str]:
        return self.generation.cutter.cut(text)

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        return self.generation.document_frequency(terms)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        return self.generation.vectors_of(list(ids), self.manifest.dimension)

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(args)).fetchall()
            except sqlite3.DatabaseError as exc:  # a damaged page: a user error naming the file, not a traceback
                raise corrupt(self.path, f"cannot read {DB_FILE}: {read_error(exc)}") from None

    def chunks_by_ids(self, ids: Iterable[int]) -> list[ChunkRow]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        found: dict[int, ChunkRow] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            for r in self._query(f"{CHUNK_SELECT} WHERE c.id IN ({','.join('?' * len(part))})", part):
                found[r[0]] = chunk_row(r)
        return [found[i] for i in wanted if i in found]

    def speech_text(self, chunk_id: int) -> SpeechText:
        rows = self._query(
            "SELECT d.path, s.title, s.date, speech_text(s.text) FROM chunks c JOIN speeches s ON s.id = c.speech_id "
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
        rows = self._query("SELECT title, speech_text(text) FROM speeches WHERE id = ?", (speech_id,))
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

    def filter_masks(self, filters: Filters | None) -> Masks | None:
        """Per segment, the live rows ``filters`` allow (FilterError if invalid); None = no filter.

        The speeches and sections allowed come from SQL over columns normalized at write time;
        rows are matched by their segment's speech and chunk ids, with numpy. Kept per
        generation for the last few filters (a chat repeats its filters).
        """
        if filters is None or filters.is_empty():
            return None
        generation = self.generation
        with self._lock:
            if filters in self._allowed and self.generation is generation:
                return self._allowed[filters]
        query = filter_query(filters)
        speeches = self._ids(f"SELECT id FROM speeches WHERE {query.speech_where}", query.speech_args) \
            if query.speech_where else None
        chunks = self._ids("SELECT id FROM chunks WHERE instr(norm_section, ?) > 0", (query.section,)) \
            if query.section else None
        masks = []
        for segment in generation.segments:
            mask = np.ones(len(segment), bool)
            if speeches is not None:
                mask &= _member(np.asarray(segment.speeches), speeches)
            if chunks is not None:
                mask &= _member(np.asarray(segment.ids), chunks)
            masks.append(mask)
        allowed = generation.masks(tuple(masks))
        with self._lock:
            if self.generation is generation:
                if len(self._allowed) >= _ALLOWED_CACHE:
                    self._allowed.pop(next(iter(self._allowed)))
                self._allowed[filters] = allowed
        return allowed

    def _ids(self, sql: str, args: Sequence[Any]) -> np.ndarray:
        with self._lock:
            return np.fromiter((r[0] for r in self._conn.execute(sql, tuple(args))), np.int64)

    def filter_ids(self, filters: Filters | None) -> set[int] | None:
        """Chunk ids allowed by ``filters`` (see :meth:`filter_masks`); None = all."""
        masks = self.filter_masks(filters)
        return None if masks is None else _kept(self.generation, masks, "ids")

    def find_phrase(self, phrase: str, filters: Filters | None = None) -> PhraseMatches:
        from index.stores import phrases

        generation = self.generation
        masks = self.filter_masks(filters)
        found = phrases.find(self._query, phrases.fold_phrase(phrase),
                             None if masks is None else _kept(generation, masks, "ids"))
        dates = self._query(phrases.SPEECH_DATES)
        if masks is not None:
            kept = _kept(generation, masks, "speeches")
            dates = [(sid, date) for sid, date in dates if sid in kept]
        return PhraseMatches(tuple(found), tuple(date for _sid, date in dates))

    def matching_count(self, filters: Filters) -> int:
        masks = self.filter_masks(filters)
        return self.chunk_count() if masks is None else sum(int(m.sum()) for m in masks if m is not None)

    def status(self) -> IndexStatus:
        m = self.manifest
        docs = self._query("SELECT count(*) FROM documents")[0][0]
        chunks = self._query("SELECT count(*) FROM chunks")[0][0]  # all of them, served or not
        speeches = self._query("SELECT count(*) FROM speeches")[0][0]
        undated = [f"{title} ({Path(path).name})" for title, path in self._query(
            "SELECT s.title, d.path FROM speeches s JOIN documents d ON d.id = s.doc_id WHERE s.date IS NULL "
            "ORDER BY d.path, s.ordinal")]
        return IndexStatus(path=str(self.path), exists=True, documents=docs, speeches=speeches,
                           chunks=chunks, model=m.model, dimension=m.dimension,
                           chunker_version=m.chunker_version, created=m.created, updated=m.updated,
                           doc_paths=list(self.documents()), undated=undated,
                           problems=list(self.problems))

    def records(self) -> Iterator[DocumentRecord]:
        """Every stored document as the writer took it, vectors included (to copy the index elsewhere)."""
        for doc_id, path, sha, mtime, encoding in self._query(
                "SELECT id, path, sha256, mtime, encoding FROM documents ORDER BY path"):
            speeches: list[SpeechRecord] = []
            ids: list[int] = []
            for sid, title, date, text, derived, source, date_source, subtitle, venue in self._query(
                    "SELECT id, title, date, speech_text(text), title_derived, source_name, date_source, subtitle, "
                    "venue FROM speeches WHERE doc_id = ? ORDER BY ordinal", (doc_id,)):
                rows = [chunk_row(r) for r in self._query(f"{CHUNK_SELECT} WHERE c.speech_id = ? ORDER BY c.ordinal",
                                                          (sid,))]
                ids += [r.chunk_id for r in rows]
                chunks = tuple(ChunkRecord(r.section, r.text, r.start, r.end, r.embed_text, r.pages) for r in rows)
                speeches.append(SpeechRecord(title, date, text, chunks, title_derived=bool(derived),
                                             source_name=source or Path(path).name, subtitle=subtitle, venue=venue,
                                             date_source=date_source))
            yield DocumentRecord(path, sha, mtime, encoding, tuple(speeches), self.vectors(ids))

    # ----------------------------------------------------------------- writing
    def known_vectors(self, embed_texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these embed texts, found by their 64-bit key and checked by text: live
        passages first, then those removed by the last few writes (the trash)."""
        from index.stores.local_write import embed_key

        wanted = {embed_key(t): t for t in dict.fromkeys(embed_texts)}
        if not wanted or not self.has_manifest or self.problems:  # a damaged index: embed afresh
            return {}
        texts = set(wanted.values())
        ids: dict[str, int] = {}
        keys = list(wanted)
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            for row in map(chunk_row, self._query(f"{CHUNK_SELECT} WHERE c.embed_key IN ({','.join('?' * len(part))})",
                                                  part)):
                if row.embed_text in texts:
                    ids.setdefault(row.embed_text, row.chunk_id)
        found = list(ids)
        known = dict(zip(found, self.vectors([ids[t] for t in found]), strict=True))
        rest = {k: t for k, t in wanted.items() if t not in known}
        return known | trash.vectors(self._query, rest, self.manifest.dimension)  # removed lately (stores/trash.py)

    def apply(self, manifest: Manifest, documents: Sequence[DocumentRecord], remove_paths: Sequence[str] = (),
              *, replace_all: bool = False) -> None:
        from index.stores.local_write import commit

        if self.problems:
            raise corrupt(self.path, "; ".join(p.what for p in self.problems))
        with write_failures(self.path):  # disk full, read-only: one clear message, nothing changed
            self.swap(commit(self.path, self.generation, manifest, documents, remove_paths, replace_all=replace_all))


def _kept(generation: Generation, masks: Masks, column: str) -> set[int]:
    """The chunk ids (``column`` "ids") or speech ids ("speeches") of the rows ``masks`` allow."""
    return {int(v) for s, m in zip(generation.segments, masks, strict=True) for v in np.asarray(getattr(s, column))[m]}


def _member(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``values[i] in allowed`` for every i, through a lookup table over the id range."""
    if not len(values) or not len(allowed):
        return np.zeros(len(values), bool)
    table = np.zeros(max(int(values.max()), int(allowed.max())) + 1, bool)
    table[allowed] = True
    return table[values]


def _has_manifest_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'manifest'").fetchone() is not None


__all__ = ["LocalStore"]
