"""Fixtures for running the end-to-end suite on every store: the local folder and Milvus.

* ``milvus_server`` — one ``milvus-lite server`` on 127.0.0.1 (a free port) for the session;
  each index on it is a collection of its own.
* ``store_kind`` — "local" or "milvus"; tests taking ``store_engine`` or ``new_engine`` run once
  per store. Without pymilvus/milvus-lite the Milvus runs are skipped, except in CI (CI=true),
  where that is a failure: CI must run them.
* Passages are embedded once per session: the local ``real_engine`` index is the cache
  (:class:`CachedEncoder`), so a Milvus build costs only its upload, and every store holds the
  same vectors (parity is then a property of the stores alone).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.config import IndexConfig
from index.embed import Encoder, STEncoder
from qa.engine import QAEngine
from qa.settings import Settings

STORE_KINDS = ["local", pytest.param("milvus", marks=pytest.mark.milvus)]
_names = itertools.count()


def require_milvus() -> None:
    """Skip where Milvus Lite is not installed, except in CI (CI=true), where that fails the test."""
    try:
        import milvus_lite  # noqa: F401
        import pymilvus  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI", "").lower() == "true":
            raise AssertionError(f"CI must run the Milvus tests: {exc} (pip install -e '.[test]')") from None
        pytest.skip(f"Milvus Lite is not installed ({exc}): pip install -e '.[milvus]'")


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One ``milvus-lite server`` on 127.0.0.1 for the session; each test uses its own collections."""
    require_milvus()
    from index.stores.milvus.lite_server import MilvusLiteServer

    server = MilvusLiteServer(tmp_path_factory.mktemp("milvus") / "data").start()
    yield server
    server.stop()


@pytest.fixture()
def own_milvus_server(tmp_path: Path) -> Iterator[Any]:
    """A server of the test's own (not started), for tests that kill it."""
    require_milvus()
    from index.stores.milvus.lite_server import MilvusLiteServer

    server = MilvusLiteServer(tmp_path / "milvus-data")
    yield server
    server.kill()


class CachedEncoder:
    """The real passage encoder, but a passage the session's local index holds is not embedded again.

    The indexer still receives and counts every passage it sends, so ``chunks_embedded`` means
    what it does in production; only the model calls are saved (a miss embeds for real).
    """

    def __init__(self, config: IndexConfig, cache: dict[str, np.ndarray], expected: int | None) -> None:
        self.name = config.model
        self.engine = "cached"
        self.dimension = len(next(iter(cache.values())))
        self._config, self._cache, self._expected = config, cache, expected
        self._real: Encoder | None = None

    def _encoder(self) -> Encoder:
        if self._real is None:
            from index.embed import load_passage_encoder

            self._real = load_passage_encoder(self._config, self._expected)
        return self._real

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32, progress: Any = None) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self._encoder().encode_passages(missing, batch_size), strict=True))
        if progress:
            progress(len(texts), len(texts))
        return np.asarray([self._cache[t] for t in texts], dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encoder().encode_query(text)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder().encode_queries(texts)


@pytest.fixture(scope="session")
def st_encoder(real_settings: Settings) -> STEncoder:
    """torch fp32 over the export shared by the whole run (tests/conftest.py's model_dir): the reference."""
    from index.embed import load_encoder

    encoder = load_encoder(real_settings.index_config, "torch", "passage_encoder")
    assert isinstance(encoder, STEncoder)
    return encoder


@pytest.fixture(scope="session")
def passage_cache(real_engine: QAEngine) -> dict[str, np.ndarray]:
    """Vectors of every sample passage, from the local index the session built."""
    from index.stores.copy import read_local

    _manifest, records = read_local(real_engine.config)
    return {c.embed_text: v for r in records for c, v in zip(r.chunks, r.vectors, strict=True)}


@pytest.fixture(scope="session", params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "milvus":
        require_milvus()
    return str(request.param)


@pytest.fixture(scope="session")
def engine_of(request: pytest.FixtureRequest, real_settings: Settings, tmp_path_factory: pytest.TempPathFactory,
              passage_cache: dict[str, np.ndarray]) -> Callable[..., QAEngine]:
    """``engine_of(kind, server=None)``: an engine over a new, empty index of store ``kind`` (a Milvus
    one on ``server``, default the session's), embedding through the session's cache."""
    def make(kind: str, server: Any = None) -> QAEngine:
        settings = replace(real_settings, index_dir=tmp_path_factory.mktemp("index"))
        if kind == "milvus":
            server = server or request.getfixturevalue("milvus_server")
            settings = replace(settings, store=server.uri(f"t{os.getpid()}_{next(_names)}"))
        return QAEngine(settings, encoder_factory=lambda config, n: CachedEncoder(config, passage_cache, n))
    return make


@pytest.fixture(scope="session")
def new_engine(store_kind: str, engine_of: Callable[..., QAEngine]) -> Callable[[], QAEngine]:
    """``new_engine()``: an engine over a new, empty index of ``store_kind``."""
    return lambda: engine_of(store_kind)


@pytest.fixture(scope="session")
def store_engine(store_kind: str, real_engine: QAEngine, new_engine: Callable[[], QAEngine],
                 sample_files: list[Path]) -> QAEngine:
    """The sample speeches' index in ``store_kind``: the session's local one, or a Milvus one built once."""
    if store_kind == "local":
        return real_engine
    engine = new_engine()
    engine.build(sample_files)
    return engine


def all_keys(engine: QAEngine, filters: Any = None) -> set[tuple[str, int, int]]:
    """(file, start, end) of every passage ``filters`` allow, through the Store interface alone:
    both stores search exactly (FAISS IndexFlatIP, Milvus FLAT on Lite), so asking for as many
    passages as the index holds lists every allowed one."""
    store = engine.store
    probe = np.zeros(store.manifest.dimension, dtype=np.float32)
    probe[0] = 1.0
    ids = [cid for cid, _ in store.dense_search(probe, max(store.chunk_count(), 1), filters)]
    return {(r.doc_path, r.start, r.end) for r in store.chunks_by_ids(ids)}
