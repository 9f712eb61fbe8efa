"""Build and update the index: read files, chunk, embed only what is new, store one atomic update.

Embedding is the only slow step (~11 passages/s on this CPU), so every update works out the
smallest set of passages to send to the encoder: unchanged files (same sha256 of the raw
bytes and of their ``speeches.toml`` entry) are not even parsed, and a passage whose embed
text is already in the index (an edited file's untouched paragraphs, a speech reprinted in a
compilation) reuses its stored vector. The encoder itself is loaded only once something needs embedding, so ``add`` of
unchanged files or ``remove`` never imports torch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.document import ParsedDocument, embed_text
from index.embed import Encoder, check_index_model
from index.encoder_loading import EncoderFactory, EncoderLoader, estimate_passages
from index.errors import (
    IndexCorruptError,
    IndexMissingError,
    NothingToIndexError,
    ReadError,
    SpeechQAError,
)
from index.plan import Approval, ChangePlan, check_removals
from index.selection import Selector, files_selection, remove_selection, sync_selection
from index.stages import EMBEDDING, READING, UPGRADING, Progress, waiting
from index.stores import Store, discard, needs_upgrade, open_store, writer_lock
from index.types import ChunkRecord, DocumentRecord, IndexReport, Manifest, SpeechRecord


def _list_files(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to read, and ``(path, reason)`` for every other file found that is not read."""
    from index.listing import list_documents
    from index.reader import SUPPORTED_SUFFIXES

    listing = list_documents(paths, SUPPORTED_SUFFIXES)
    return list(listing.files), [(str(p.resolve()), why) for p, why in listing.skipped]


def _parse(path: Path) -> ParsedDocument:
    from index.reader import parse_document

    return parse_document(path)


def _chunk(doc: ParsedDocument, chunk_size: int, chunk_overlap: int) -> ParsedDocument:
    from index.chunker import chunk_document

    return chunk_document(doc, chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def _fingerprint_file(path: Path) -> str:
    from index.reader import document_fingerprint

    return document_fingerprint(path)


def _chunker_version() -> str:
    from index.chunker import CHUNKER_VERSION

    return str(CHUNKER_VERSION)


def _default_encoder(config: IndexConfig, expected_passages: int | None) -> Encoder:
    from index.embed import load_passage_encoder

    return load_passage_encoder(config, expected_passages)


def _default_fingerprint(config: IndexConfig) -> str:
    from index.embed import model_fingerprint

    return str(model_fingerprint(config))


def document_record(file: Path, sha256: str, doc: ParsedDocument, vectors: np.ndarray) -> DocumentRecord:
    """A chunked document as the store takes it: every chunk with the text its vector is made from."""
    speeches = tuple(
        SpeechRecord(s.title, s.date, s.text, tuple(
            ChunkRecord(c.section, c.text, c.start, c.end, embed_text(s.title, c.section, c.text), c.pages)
            for c in s.chunks),
            title_derived=s.title_derived, source_name=s.source_name, subtitle=s.subtitle, venue=s.venue,
            date_source=s.date_source)
        for s in doc.speeches)
    return DocumentRecord(str(file.resolve()), sha256, file.stat().st_mtime, doc.encoding, speeches, vectors)


@dataclass
class _Plan:
    """What one update will do, worked out before anything is embedded or written."""

    parsed: list[tuple[Path, str, ParsedDocument]] = field(default_factory=list)  # (file, sha256, chunked doc)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def chunk_count(self) -> int:
        """Passages the parsed files hold: at most what this update will embed."""
        return sum(len(speech.chunks) for _file, _sha, doc in self.parsed for speech in doc.speeches)

    def embed_texts(self) -> list[str]:
        """The distinct texts the parsed files' passages are embedded from."""
        return list(dict.fromkeys(embed_text(s.title, c.section, c.text)
                                  for _file, _sha, doc in self.parsed for s in doc.speeches for c in s.chunks))


class Indexer:
    """Full builds and incremental updates of the index ``config`` points at.

    One writer at a time (the store's writer lock); readers keep using the previous state
    until a write commits and then pick it up with ``Store.refresh()``. ``sync`` and ``remove``
    refuse to drop most of the index without an :class:`~index.plan.Approval` (index/plan.py).
    """

    def __init__(self, config: IndexConfig, encoder_factory: EncoderFactory | None = None, *,
                 fingerprint: Callable[[IndexConfig], str] | None = None, lexical_header: bool = True) -> None:
        self.config = config
        self._encoders = EncoderLoader(config, encoder_factory or _default_encoder)
        self._fingerprint = fingerprint or _default_fingerprint
        self.lexical_header = lexical_header

    @property
    def export_seconds(self) -> float:
        """Seconds the one-time export of the bundled model took in this job (0: it was not needed)."""
        return self._encoders.export_seconds

    @property
    def location(self) -> str:
        return str(self.config.index_path)

    # ----------------------------------------------------------------- public
    def build(self, paths: Sequence[Path], progress: Progress | None = None) -> IndexReport:
        """Index exactly ``paths`` from scratch, replacing the whole index in one switch-over."""
        started = time.perf_counter()
        with self._lock(progress):
            store = self._open_for_write(discard_broken=True, progress=progress)
            try:
                files, unread = _list_files(paths)
                if files:
                    self._encoders.start(estimate_passages(files, self.config))  # meanwhile: read
                plan = self._read(files, {}, self.config.chunk_size, self.config.chunk_overlap, progress)
                plan.skipped[:0] = unread
                if not plan.parsed:
                    reasons = "; ".join(f"{p}: {r}" for p, r in plan.skipped) or "no supported files"
                    raise NothingToIndexError(f"nothing to index in {', '.join(map(str, paths))} ({reasons})")
                manifest = self._new_manifest(plan.chunk_count(), progress)
                records, embedded = self._records(plan, None, manifest, progress)
                store.apply(manifest, records, replace_all=True)
            finally:
                store.close()
        return IndexReport(added=plan.added + plan.updated, skipped=plan.skipped, chunks_embedded=embedded,
                           seconds=time.perf_counter() - started, model_export_s=self.export_seconds)

    def add(self, paths: Sequence[Path], progress: Progress | None = None) -> IndexReport:
        """Index new and changed files among ``paths``; unchanged ones are skipped unread."""
        return self._update("add", paths, self._selection("add", paths), progress, None)

    def sync(self, folder: Path, progress: Progress | None = None, *, approval: Approval | None = None) -> IndexReport:
        """Make the index mirror ``folder``: add new/changed files, remove every other document.

        A missing folder is an error; removing more than half of the index (an empty or wrong
        folder) raises :class:`~index.plan.UnconfirmedRemovalError` unless ``approval`` covers it.
        """
        return self._update("sync", [folder], self._selection("sync", [folder]), progress, approval)

    def remove(self, paths: Sequence[Path], progress: Progress | None = None, *,
               approval: Approval | None = None) -> IndexReport:
        """Drop documents by file path or by folder (everything indexed under it); no embedding."""
        return self._update("remove", paths, self._selection("remove", paths), progress, approval)

    def plan(self, action: str, paths: Sequence[Path]) -> ChangePlan:
        """What ``action`` ("build", "add", "sync", "remove") over ``paths`` would change: a dry run.

        Reads and chunks the files to count the passages to embed; writes nothing, takes no
        lock and loads no model.
        """
        try:
            store: Store | None = open_store(self.config)
        except IndexMissingError:
            store = None
        except IndexCorruptError:
            if action != "build":
                raise
            store = None  # a build sets the damaged index aside
        try:
            known = store.documents() if store is not None else {}
            found = self._selection(action, paths)(known)
            fresh = action == "build"  # a build re-reads and re-embeds everything
            size, overlap = self.config.chunk_size, self.config.chunk_overlap
            if store is not None and not fresh:
                size, overlap = store.manifest.chunk_size, store.manifest.chunk_overlap
            plan = self._read(found.files, {} if fresh else known, size, overlap, None)
            texts = plan.embed_texts()
            reusable = store.known_vectors(texts) if store is not None and not fresh else {}
            return ChangePlan(action, tuple(map(str, paths)), self.location, len(known), added=tuple(plan.added),
                              updated=tuple(plan.updated), unchanged=tuple(plan.unchanged),
                              removed=tuple(p for p in found.removals if p not in plan.added),
                              skipped=tuple(found.skipped + plan.skipped), removed_in_bulk=found.bulk,
                              to_embed=len(texts) - len(reusable), empty_source=found.empty_source)
        finally:
            if store is not None:
                store.close()

    # ----------------------------------------------------------------- steps
    @staticmethod
    def _selection(action: str, paths: Sequence[Path]) -> Selector:
        """The selection of each job; a build's drops every indexed document (it replaces them all)."""
        if action == "sync":
            return sync_selection(paths[0], _list_files)
        if action == "remove":
            return remove_selection(paths)
        if action not in ("build", "add"):
            raise ValueError(f"unknown index action {action!r}")
        return files_selection(paths, _list_files, replace_all=action == "build")

    @contextmanager
    def _lock(self, progress: Progress | None) -> Iterator[None]:
        """The writer lock; a job kept waiting by another says so through ``progress``."""
        def tell() -> None:
            if progress:
                progress(0, 0, waiting(self.location))

        with writer_lock(self.config, tell):
            yield

    def _update(self, action: str, targets: Sequence[Path], select: Selector, progress: Progress | None,
                approval: Approval | None) -> IndexReport:
        """add/sync/remove: ``select(known paths → sha256)`` says which files to index and which to drop."""
        started = time.perf_counter()
        with self._lock(progress):
            # remove never creates an index; add/sync create one where there is none
            store = open_store(self.config) if action == "remove" else self._open_for_write(discard_broken=False, progress=progress)
            try:
                known = store.documents()
                found = select(known)
                check_removals(ChangePlan(action, tuple(map(str, targets)), self.location, len(known),
                                          removed=tuple(found.removals), removed_in_bulk=found.bulk,
                                          empty_source=found.empty_source), approval)
                if store.has_manifest and found.files:
                    check_index_model(store.manifest, self.config, store.location)
                size, overlap = self.config.chunk_size, self.config.chunk_overlap
                if store.has_manifest:  # keep the index uniform: cut new files as the rest were cut
                    size, overlap = store.manifest.chunk_size, store.manifest.chunk_overlap
                plan = self._read(found.files, known, size, overlap, progress)
                plan.removed, plan.skipped = found.removals, found.skipped + plan.skipped
                embedded = 0
                if plan.parsed or plan.removed:
                    manifest = (store.manifest if store.has_manifest
                                else self._new_manifest(plan.chunk_count(), progress))
                    records, embedded = self._records(plan, store if store.has_manifest else None, manifest, progress)
                    store.apply(manifest, records, plan.removed)
            finally:
                store.close()
        return IndexReport(added=plan.added, updated=plan.updated, removed=plan.removed, unchanged=plan.unchanged,
                           skipped=plan.skipped, chunks_embedded=embedded, seconds=time.perf_counter() - started,
                           model_export_s=self.export_seconds)

    def _open_for_write(self, *, discard_broken: bool, progress: Progress | None = None) -> Store:
        """The store to write; a full build sets a damaged index aside instead of failing."""
        if progress is not None and needs_upgrade(self.config):
            progress(0, 0, UPGRADING)
        try:
            return open_store(self.config, create=True)
        except IndexCorruptError:
            if not discard_broken:
                raise
            discard(self.config)
            return open_store(self.config, create=True)

    def _read(self, files: Sequence[Path], known: dict[str, str], chunk_size: int, chunk_overlap: int,
              progress: Progress | None) -> _Plan:
        """Hash every file, read and chunk the new or changed ones; unreadable files go to ``skipped``."""
        plan = _Plan()
        for done, file in enumerate(files, 1):
            path = str(file.resolve())
            try:
                sha = _fingerprint_file(file)
                if known.get(path) == sha:
                    plan.unchanged.append(path)
                    continue
                doc = _chunk(_parse(file), chunk_size, chunk_overlap)
            except ReadError as exc:
                plan.skipped.append((path, str(exc)))
                continue
            except OSError as exc:
                plan.skipped.append((path, f"cannot read {path}: {exc.strerror or exc}"))
                continue
            finally:
                if progress:
                    progress(done, len(files), READING)
            plan.parsed.append((file, sha, doc))
            (plan.updated if path in known else plan.added).append(path)
        return plan

    def _records(self, plan: _Plan, store: Store | None, manifest: Manifest,
                 progress: Progress | None) -> tuple[list[DocumentRecord], int]:
        """Embed what is not in the index yet; return store-ready records and how many were embedded."""
        empty = np.zeros((0, manifest.dimension), np.float32)
        records = [document_record(file, sha, doc, empty) for file, sha, doc in plan.parsed]
        texts = [c.embed_text for r in records for c in r.chunks]
        vectors = store.known_vectors(texts) if store is not None else {}
        fresh = [t for t in dict.fromkeys(texts) if t not in vectors]
        if fresh and store is not None:
            check_index_model(manifest, self.config, store.location, self._fingerprint(self.config))
        vectors.update(zip(fresh, self._embed(fresh, manifest.dimension, progress), strict=True))
        out = []
        for record in records:
            rows = [vectors[c.embed_text] for c in record.chunks]
            matrix = np.asarray(rows, np.float32).reshape(len(rows), manifest.dimension)
            out.append(DocumentRecord(record.path, record.sha256, record.mtime, record.encoding, record.speeches,
                                      matrix))
        return out, len(fresh)

    def _embed(self, texts: list[str], dimension: int, progress: Progress | None) -> np.ndarray:
        """Encode ``texts`` in one call (the encoder batches and reports each batch)."""
        if not texts:
            return np.zeros((0, dimension), dtype=np.float32)
        encoder = self._encoders.get(len(texts), progress)
        report = (lambda done, total: progress(done, total, EMBEDDING)) if progress else None
        vecs = np.asarray(encoder.encode_passages(texts, batch_size=self.config.batch_size, progress=report),
                          np.float32)
        if vecs.shape != (len(texts), dimension):
            raise SpeechQAError(f"model {self.config.model} returned vectors of shape {vecs.shape}, expected "
                                f"({len(texts)}, {dimension})")
        return vecs

    # ----------------------------------------------------------------- model
    def _new_manifest(self, expected_passages: int | None, progress: Progress | None = None) -> Manifest:
        encoder = self._encoders.get(expected_passages, progress)
        return Manifest(model=self.config.model, fingerprint=self._fingerprint(self.config),
                        dimension=int(encoder.dimension), chunker_version=_chunker_version(),
                        chunk_size=self.config.chunk_size, chunk_overlap=self.config.chunk_overlap,
                        lexical_header=self.lexical_header, encoder=encoder.engine)


__all__ = ["EncoderFactory", "Indexer", "Progress", "document_record"]
