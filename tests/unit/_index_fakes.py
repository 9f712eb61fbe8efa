"""Deterministic stand-ins for the embedding model and the reader, for index tests.

The fake encoder maps hashed character uni/bi-grams to a normalized 64-d vector, so
similar texts get similar vectors and every call is counted; the fake reader turns a
small text format into speeches with exact offsets, without depending on the real reader.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index.document import Chunk, ParsedDocument, Speech, embed_text
from index.embed import Progress, encode_in_batches
from index.errors import ReadError
from index.types import ChunkRecord, DocumentRecord, Manifest, SpeechRecord

DIM = 64


class FakeEncoder:
    """Hashed character n-grams → normalized vectors; records what it was asked to embed."""

    name = "fake-model"
    engine = "fake"
    dimension = DIM

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(DIM, dtype=np.float32)
        for n in (1, 2):
            for i in range(len(text) - n + 1):
                digest = hashlib.md5(text[i:i + n].encode()).digest()
                vec[digest[0] % DIM] += 1.0 if digest[1] % 2 else -1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def _batch(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += texts
        return np.vstack([self._vector(t) for t in texts])

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
                        ) -> np.ndarray:
        """Length-sorted batches of ``batch_size``, one call counted per batch, as real encoders do."""
        return encode_in_batches(texts, batch_size, progress, self._batch, DIM)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)


class Factory:
    """Encoder factory that counts model loads; every load returns the same fake."""

    def __init__(self) -> None:
        self.loads = 0
        self.expected: list[int | None] = []
        self.encoder = FakeEncoder()

    def __call__(self, config: object, expected_passages: int | None) -> FakeEncoder:
        self.loads += 1
        self.expected.append(expected_passages)
        return self.encoder


def fake_parse(path: Path) -> ParsedDocument:
    """Format: first line ``title|date``; then ``# heading`` lines and one chunk per other line.

    A file containing ``BROKEN`` raises ReadError, as an undecodable file would.
    """
    raw = path.read_text(encoding="utf-8")
    if "BROKEN" in raw:
        raise ReadError(f"{path}: cannot decode")
    head, _, body = raw.partition("\n")
    title, _, date = head.partition("|")
    chunks: list[Chunk] = []
    section: tuple[str, ...] = ()
    pos = 0
    for line in body.split("\n"):
        if line.startswith("# "):
            section = (line[2:],)
        elif line.strip():
            chunks.append(Chunk(section, line, pos, pos + len(line)))
        pos += len(line) + 1
    return ParsedDocument(path, "utf-8", [Speech(title, date or None, body, [], chunks)])


def fake_list(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    out: list[Path] = []
    for p in paths:
        out += sorted(p.glob("*.txt")) if p.is_dir() else [p]
    return out, []


def write_speech(folder: Path, name: str, title: str, lines: Sequence[str], date: str = "") -> Path:
    path = folder / name
    path.write_text("\n".join([f"{title}|{date}", *lines]), encoding="utf-8")
    return path


def manifest(dimension: int = DIM, model: str = "fake-model") -> Manifest:
    return Manifest(model=model, fingerprint="fp-1", dimension=dimension, chunker_version="test-1",
                    chunk_size=400, chunk_overlap=40)


def record(path: str, title: str, texts: Sequence[str], date: str | None = None,
           sections: Sequence[tuple[str, ...]] | None = None, encoder: FakeEncoder | None = None) -> DocumentRecord:
    """A store-ready document with one speech whose chunks are ``texts`` joined by newlines."""
    body = "\n".join(texts)
    chunks, pos = [], 0
    for i, text in enumerate(texts):
        section = tuple(sections[i]) if sections else ()
        chunks.append(ChunkRecord(section, text, pos, pos + len(text), embed_text(title, section, text)))
        pos += len(text) + 1
    enc = encoder or FakeEncoder()
    vectors = enc.encode_passages(list(texts))
    return DocumentRecord(path, hashlib.sha256(body.encode()).hexdigest(), 0.0, "utf-8",
                          (SpeechRecord(title, date, body, tuple(chunks)),), vectors)


def use_fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the indexer read :func:`fake_parse` documents (no chunker, fixed chunker version)."""
    from index import indexer as indexer_module

    monkeypatch.setattr(indexer_module, "_parse", fake_parse)
    monkeypatch.setattr(indexer_module, "_chunk", lambda doc, size, overlap: doc)
    monkeypatch.setattr(indexer_module, "_list_files", fake_list)
    monkeypatch.setattr(indexer_module, "_chunker_version", lambda: "test-1")


def write_records(path: Path, *records: DocumentRecord, remove: Sequence[str] = (), replace_all: bool = False) -> None:
    """One write of ``records`` (and removal of the ``remove`` paths) to the local index at ``path``."""
    from index.stores.local import LocalStore

    store = LocalStore.open_for_write(path)
    try:
        store.apply(manifest(), list(records), list(remove), replace_all=replace_all)
    finally:
        store.close()

