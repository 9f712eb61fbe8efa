"""The live build of a Milvus index: the pointer row, the collections it names, and loading them.

:class:`LiveIndex` is the state both halves of the store share: the read side
(:class:`~index.stores.milvus.store.MilvusStore`) and the writer (write.py), which must not import
each other. Layout and write protocol: schema.py and write.py. :meth:`LiveIndex.refresh` re-reads
the pointer row (one primary-key lookup), so a reader follows full builds and incremental
updates made by any process.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Self

from index.errors import IndexCorruptError, IndexMissingError
from index.store_uri import MilvusTarget
from index.stores.milvus import schema
from index.stores.milvus.client import DEFAULT_TIMEOUT, MilvusStoreError, connect, guard
from index.stores.milvus.expr import filter_expression
from index.types import Filters, Manifest


class LiveIndex:
    """One index in Milvus and its live build. Safe to share between threads (pymilvus clients are; state
    under a lock)."""

    def __init__(self, target: MilvusTarget, client: Any, *, lite: bool, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.target = target
        self.lite = lite
        self.timeout = timeout
        self.client = client
        self._lock = threading.RLock()
        self.meta: dict[str, Any] | None = None  # the pointer row: build number, live build, manifest
        self._manifest: Manifest | None = None
        self.chunks_collection = self.docs_collection = ""
        self._count: int | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, target: MilvusTarget, *, create: bool = False) -> Self:
        """Open the index at ``target``; ``create`` makes its pointer collection if missing (the writer).

        Without ``create`` a never-built index raises IndexMissingError; with or without it a
        damaged one (live collections gone, another layout version) raises IndexCorruptError.
        """
        timeout = target.timeout or DEFAULT_TIMEOUT
        client, version = connect(target, timeout)
        store = cls(target, client, lite=version.startswith("milvus_lite"), timeout=timeout)
        try:
            store._open_pointer(create)
            store._load()
        except BaseException:
            store.close()
            raise
        if store._manifest is None and not create:
            store.close()
            raise IndexMissingError(f"the index at {target.uri} was never completed")
        return store

    @property
    def location(self) -> str:
        return self.target.uri

    def guard(self, action: str) -> Any:
        return guard(self.target, action)

    def _open_pointer(self, create: bool) -> None:
        name = self.target.collection
        fields: set[str] = set()
        with self.guard("opening the index"):
            exists = self.client.has_collection(name, timeout=self.timeout)
            if not exists and create:
                schema.create_meta(self.client, name, self.timeout)
            elif exists:
                fields = schema.field_names(self.client.describe_collection(name, timeout=self.timeout))
                if fields == schema.META_FIELDS:
                    schema.ensure_loaded(self.client, name, self.timeout)
        if not exists and not create:
            raise IndexMissingError(f"no index at {self.location}")
        if exists and fields != schema.META_FIELDS:
            raise MilvusStoreError(f"{self.location}: collection {name!r} is not a speech-qa index (fields "
                                   f"{', '.join(sorted(fields))}); name another collection in the URI")

    def read_meta(self) -> dict[str, Any] | None:
        """The pointer row as written (None before the first build); IndexCorruptError for another layout."""
        with self.guard("reading the manifest"):
            rows = self.client.query(self.target.collection, ids=[schema.META_ID], output_fields=["manifest"],
                                     timeout=self.timeout)
        if not rows:
            return None
        meta: dict[str, Any] = json.loads(rows[0]["manifest"])
        if meta.get("schema") != schema.SCHEMA_VERSION:
            raise IndexCorruptError(f"the index at {self.location} was written by an incompatible version of "
                                    f"speech-qa (layout {meta.get('schema')}, this one reads {schema.SCHEMA_VERSION})")
        return meta

    def _load(self, meta: dict[str, Any] | None = None) -> None:
        meta = meta if meta is not None else self.read_meta()
        if meta is None or meta.get("build") is None:  # never built, or set aside by discard()
            with self._lock:
                self.meta, self._manifest = meta, None
            return
        chunks = schema.chunks_name(self.target.collection, meta["build"])
        docs = schema.docs_name(self.target.collection, meta["build"])
        with self.guard("loading the index"):
            for name in (chunks, docs):
                if not self.client.has_collection(name, timeout=self.timeout):
                    raise IndexCorruptError(f"the index at {self.location} is damaged (collection {name} is missing)")
            fields = schema.field_names(self.client.describe_collection(chunks, timeout=self.timeout))
            if not fields >= schema.CHUNK_FIELDS:
                raise IndexCorruptError(f"the index at {self.location} is damaged (collection {chunks} lacks "
                                        f"{', '.join(sorted(schema.CHUNK_FIELDS - fields))})")
            for name in (chunks, docs):
                schema.ensure_loaded(self.client, name, self.timeout)
        with self._lock:
            self.meta, self._manifest = meta, Manifest(**meta["manifest"])
            self.chunks_collection, self.docs_collection, self._count = chunks, docs, None

    def write_meta(self, meta: dict[str, Any]) -> None:
        """Upsert the pointer row (the switch-over of a full build) and serve it."""
        row = schema.pointer_row(meta)
        with self.guard("writing the manifest"):
            self.client.upsert(self.target.collection, [row], timeout=self.timeout)
        self._load(json.loads(row["manifest"]))

    def settle(self, *, full_build: bool) -> None:
        """After a write, seal what was written into segments (``flush``).

        Milvus Lite searches its unsealed rows by rebuilding their BM25 index on every query
        (measured on the 154 sample chunks: 35 ms per BM25 search unsealed, 9.5 ms sealed), so it
        is flushed after every write. A Milvus server seals segments by itself; there a flush is
        worth its cost only once, after a full build, so searches start on indexed segments.
        """
        if self.lite or full_build:
            with self.guard("sealing the written rows"):
                for name in (self.chunks_collection, self.docs_collection):
                    self.client.flush(name, timeout=4 * self.timeout)  # waits for the seal

    def refresh(self) -> bool:
        meta = self.read_meta()
        with self._lock:
            if meta == self.meta:
                return False
        self._load(meta)
        return True

    def close(self) -> None:
        with self.guard("closing"):
            self.client.close()

    # ----------------------------------------------------------------- reading
    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            raise IndexMissingError(f"no index at {self.location}")
        return self._manifest

    @property
    def has_manifest(self) -> bool:
        return self._manifest is not None

    @property
    def damage(self) -> str | None:
        """Always None: the server keeps its own files whole (nothing is skipped here)."""
        return None

    def scan(self, collection: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every row matching ``expr`` (a query iterator: Milvus caps one query's result window)."""
        rows: list[dict[str, Any]] = []
        with self.guard("reading the index"):
            iterator = self.client.query_iterator(collection, batch_size=1000, filter=expr, output_fields=fields,
                                                  timeout=self.timeout)
            try:
                while batch := iterator.next():
                    rows.extend(batch)
            finally:
                iterator.close()
        return rows

    def count_rows(self, collection: str, expr: str) -> int:
        with self.guard("counting"):
            rows = self.client.query(collection, filter=expr, output_fields=["count(*)"], timeout=self.timeout)
        return int(rows[0]["count(*)"])


    def expression(self, filters: Filters | None) -> str | None:
        """The Milvus filter for ``filters`` (FilterError for a bad one); None when they allow all."""
        return filter_expression(filters, escapes=not self.lite)


__all__ = ["LiveIndex"]
