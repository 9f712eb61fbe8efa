"""Build and update the index: read files, embed only what is new, store one atomic generation.

Embedding is the only slow step (~11 passages/s on this CPU), so every update works out the
smallest set of passages to send to the encoder: unchanged files (same sha256 of the raw
bytes) are not even parsed, and a passage whose embed text is already in the index (an
edited file's untouched paragraphs, a speech reprinted in a compilation) reuses its stored
vector. The encoder itself is loaded only once something needs embedding, so ``add`` of
unchanged files or ``remove`` never imports torch.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.lexical import lexical_text, tokenize
from index.model import ParsedDocument, embed_text
from index.store import DocumentRecord, IndexStore, Manifest
from index.store_write import discard, write_lock
from qa.errors import IndexCorruptError, ModelMismatchError, QAError, ReadError
from qa.settings import Settings
from qa.types import IndexReport

#: progress(done, total, what): ``what`` is "reading" (per file) or "embedding" (per batch).
Progress = Callable[[int, int, str], None]
#: (settings, how many passages the job will embed, if known) -> encoder.
EncoderFactory = Callable[[Settings, int | None], Any]


def _list_files(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to read, and ``(path, reason)`` for every other file found that is not read."""
    from index.listing import list_documents
    from index.reader import SUPPORTED_SUFFIXES

    listing = list_documents(paths, SUPPORTED_SUFFIXES)
    return list(listing.files), [(str(p.resolve()), why) for p, why in listing.skipped]


def _parse(path: Path, chunk_size: int, chunk_overlap: int) -> ParsedDocument:
    from index.reader import parse_document

    return parse_document(path, chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def _chunker_version() -> str:
    from index.chunker import CHUNKER_VERSION

    return str(CHUNKER_VERSION)


def _default_encoder(settings: Settings, expected_passages: int | None) -> Any:
    from index.embed import load_passage_encoder

    return load_passage_encoder(settings, expected_passages)


def _default_fingerprint(settings: Settings) -> str:
    from index.embed import model_fingerprint

    return str(model_fingerprint(settings))


@dataclass
class _Plan:
    """What one update will do, worked out before anything is embedded or written."""

    parsed: list[tuple[Path, str, ParsedDocument]] = field(default_factory=list)  # (file, sha256, doc)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def chunk_count(self) -> int:
        """Passages the parsed files hold: at most what this update will embed."""
        return sum(len(speech.chunks) for _file, _sha, doc in self.parsed for speech in doc.speeches)


class Indexer:
    """Full builds and incremental updates of the index at ``settings.index_path``.

    One writer at a time (thread lock + file lock); readers keep using the previous
    generation until a write commits and then pick it up with ``IndexStore.refresh()``.
    """

    def __init__(self, settings: Settings, encoder_factory: EncoderFactory | None = None, *,
                 fingerprint: Callable[[Settings], str] | None = None, lexical_header: bool = True) -> None:
        self.settings = settings
        self.path = settings.index_path
        self._encoder_factory = encoder_factory or _default_encoder
        self._fingerprint = fingerprint or _default_fingerprint
        self._encoder: Any = None
        self.lexical_header = lexical_header

    # ----------------------------------------------------------------- public
    def build(self, paths: Sequence[Path], progress: Progress | None = None) -> IndexReport:
        """Index exactly ``paths`` from scratch, replacing the whole index in one switch-over."""
        started = time.perf_counter()
        with write_lock(self.path):
            store = self._open_for_write(discard_broken=True)
            try:
                files, unread = _list_files(paths)
                plan = self._read(files, {}, self.settings.chunk_size, self.settings.chunk_overlap, progress)
                plan.skipped[:0] = unread
                if not plan.parsed:
                    reasons = "; ".join(f"{p}: {r}" for p, r in plan.skipped) or "no supported files"
                    raise QAError(f"nothing to index in {', '.join(map(str, paths))} ({reasons})")
                manifest = self._new_manifest(plan.chunk_count())
                records, embedded = self._records(plan, None, manifest, progress)
                store.apply(manifest, records, replace_all=True)
            finally:
                store.close()
        return IndexReport(added=plan.added + plan.updated, skipped=plan.skipped, chunks_embedded=embedded,
                           seconds=time.perf_counter() - started)

    def add(self, paths: Sequence[Path], progress: Progress | None = None) -> IndexReport:
        """Index new and changed files among ``paths``; unchanged ones are skipped unread."""
        return self._update(lambda known: (*_list_files(paths), []), progress)

    def sync(self, folder: Path, progress: Progress | None = None) -> IndexReport:
        """Make the index mirror ``folder``: add new/changed files, remove every other document."""
        def files_and_removals(known: dict[str, str]) -> tuple[list[Path], list[tuple[str, str]], list[str]]:
            files, unread = _list_files([folder])
            present = {str(f.resolve()) for f in files}
            return files, unread, [p for p in known if p not in present]

        return self._update(files_and_removals, progress)

    def remove(self, paths: Sequence[Path]) -> IndexReport:
        """Drop documents by file path or by folder (everything indexed under it); no embedding."""
        started = time.perf_counter()
        with write_lock(self.path):
            store = IndexStore.open(self.path)
            try:
                manifest = store.manifest
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
                    store.apply(manifest, [], removed)
            finally:
                store.close()
        return IndexReport(removed=removed, skipped=skipped, seconds=time.perf_counter() - started)

    # ----------------------------------------------------------------- steps
    def _update(self, listing: Callable[[dict[str, str]], tuple[list[Path], list[tuple[str, str]], list[str]]],
                progress: Progress | None) -> IndexReport:
        """add/sync: ``listing(known paths → sha256)`` gives the files to index, those not read, those to drop."""
        started = time.perf_counter()
        with write_lock(self.path):
            store = self._open_for_write(discard_broken=False)
            try:
                known = store.documents()
                if store.has_manifest:
                    self._check_model_name(store.manifest)
                files, unread, removals = listing(known)
                size, overlap = self.settings.chunk_size, self.settings.chunk_overlap
                if store.has_manifest:  # keep the index uniform: cut new files as the rest were cut
                    size, overlap = store.manifest.chunk_size, store.manifest.chunk_overlap
                plan = self._read(files, known, size, overlap, progress)
                plan.skipped[:0] = unread
                plan.removed = removals
                embedded = 0
                if plan.parsed or plan.removed:
                    manifest = store.manifest if store.has_manifest else self._new_manifest(plan.chunk_count())
                    records, embedded = self._records(plan, store if store.has_manifest else None, manifest, progress)
                    store.apply(manifest, records, plan.removed)
            finally:
                store.close()
        return IndexReport(added=plan.added, updated=plan.updated, removed=plan.removed, unchanged=plan.unchanged,
                           skipped=plan.skipped, chunks_embedded=embedded, seconds=time.perf_counter() - started)

    def _open_for_write(self, *, discard_broken: bool) -> IndexStore:
        """The store to write; a full build moves a damaged index aside instead of failing."""
        try:
            return IndexStore.open_for_write(self.path)
        except IndexCorruptError:
            if not discard_broken:
                raise
            discard(self.path)
            return IndexStore.open_for_write(self.path)

    def _read(self, files: Sequence[Path], known: dict[str, str], chunk_size: int, chunk_overlap: int,
              progress: Progress | None) -> _Plan:
        """Hash every file, parse the new or changed ones; unreadable files go to ``skipped``."""
        plan = _Plan()
        for done, file in enumerate(files, 1):
            path = str(file.resolve())
            try:
                sha = hashlib.sha256(file.read_bytes()).hexdigest()
                if known.get(path) == sha:
                    plan.unchanged.append(path)
                    continue
                doc = _parse(file, chunk_size, chunk_overlap)
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

    def _records(self, plan: _Plan, store: IndexStore | None, manifest: Manifest,
                 progress: Progress | None) -> tuple[list[DocumentRecord], int]:
        """Embed what is not in the index yet; return store-ready records and how many were embedded."""
        texts: list[str] = []
        records: list[DocumentRecord] = []
        for file, sha, doc in plan.parsed:
            tokens: list[list[str]] = []
            for speech in doc.speeches:
                for chunk in speech.chunks:
                    texts.append(embed_text(speech.title, chunk.section, chunk.text))
                    tokens.append(tokenize(lexical_text(speech.title, chunk.section, chunk.text,
                                                        header=manifest.lexical_header)))
            records.append(DocumentRecord(str(file.resolve()), sha, file.stat().st_mtime, doc.encoding,
                                          doc.speeches, np.zeros((0, manifest.dimension), np.float32), tokens))
        known = store.embed_text_ids() if store is not None else {}
        fresh = [t for t in dict.fromkeys(texts) if t not in known]
        if fresh and store is not None:
            self._check_fingerprint(manifest)
        vectors = dict(zip(fresh, self._embed(fresh, manifest.dimension, progress), strict=True))
        reused = [t for t in dict.fromkeys(texts) if t in known]
        vectors.update(zip(reused, store.vectors([known[t] for t in reused]) if store else [], strict=True))
        offset = 0
        for record in records:
            n = len(record.tokens)
            rows = [vectors[t] for t in texts[offset:offset + n]]
            record.vectors = np.asarray(rows, np.float32).reshape(n, manifest.dimension)
            offset += n
        return records, len(fresh)

    def _embed(self, texts: list[str], dimension: int, progress: Progress | None) -> np.ndarray:
        """Encode ``texts`` in batches of similar length (less padding), reporting each batch."""
        out = np.zeros((len(texts), dimension), dtype=np.float32)
        if not texts:
            return out
        encoder = self._load_encoder(len(texts))
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        size = max(1, self.settings.batch_size)
        for start in range(0, len(order), size):
            batch = order[start:start + size]
            vecs = np.asarray(encoder.encode_passages([texts[i] for i in batch], batch_size=size), np.float32)
            if vecs.shape != (len(batch), dimension):
                raise QAError(f"model {self.settings.model} returned vectors of shape {vecs.shape}, expected "
                              f"({len(batch)}, {dimension})")
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            out[batch] = vecs / np.where(norms > 0, norms, 1.0)
            if progress:
                progress(min(start + size, len(order)), len(order), "embedding")
        return out

    # ----------------------------------------------------------------- model
    def _load_encoder(self, expected_passages: int | None) -> Any:
        """The encoder, loaded once; the job size lets a small job skip the torch start-up."""
        if self._encoder is None:
            self._encoder = self._encoder_factory(self.settings, expected_passages)
        return self._encoder

    def _new_manifest(self, expected_passages: int | None) -> Manifest:
        encoder = self._load_encoder(expected_passages)
        return Manifest(model=self.settings.model, fingerprint=self._fingerprint(self.settings),
                        dimension=int(encoder.dimension), chunker_version=_chunker_version(),
                        chunk_size=self.settings.chunk_size, chunk_overlap=self.settings.chunk_overlap,
                        lexical_header=self.lexical_header)

    def _check_model_name(self, manifest: Manifest) -> None:
        if manifest.model != self.settings.model:
            raise ModelMismatchError(
                f"the index at {self.path} was built with model {manifest.model!r} but the configured model is "
                f"{self.settings.model!r}: rebuild it with `qa index build PATH`, or use --model {manifest.model}")

    def _check_fingerprint(self, manifest: Manifest) -> None:
        current = self._fingerprint(self.settings)
        if current != manifest.fingerprint:
            raise ModelMismatchError(
                f"the index at {self.path} was built with model {manifest.model!r} (fingerprint "
                f"{manifest.fingerprint}) but the configured model files differ (fingerprint {current}): "
                "rebuild it with `qa index build PATH`")


__all__ = ["EncoderFactory", "Indexer", "Progress"]
