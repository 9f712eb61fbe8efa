"""MilvusStore: :class:`index.stores.base.Store` over Milvus (a server, a cluster, or Milvus Lite).

Layout and write protocol: schema.py and write.py. Reads go to the live build's collections,
named by the pointer row; :meth:`refresh` re-reads that row (one primary-key lookup), so a
reader follows full builds and incremental updates made by any process.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np

from index.errors import IndexCorruptError, IndexMissingError, SpeechQAError
from index.lexical import full_cut
from index.normalize import normalize
from index.store_uri import MilvusTarget
from index.stores.base import Scored, Store
from index.stores.milvus import schema
from index.stores.milvus.client import DEFAULT_TIMEOUT, MilvusStoreError, connect, guard
from index.stores.milvus.expr import filter_expression
from index.stores.milvus.rows import embed_key
from index.types import ChunkRow, DocumentRecord, Filters, IndexStatus, Manifest, SpeechText

log = logging.getLogger(__name__)
_ROW_FIELDS = ["id", "speech_id", "doc_path", "title", "date", "section", "text", "start_at", "end_at", "embed_text",
               "title_derived", "source_name", "date_source"]
#: Ids per query by primary key or key list: keeps each expression small on any server.
_ID_BATCH = 1000
#: Milvus' largest ``limit`` of one search.
MAX_LIMIT = 16384
#: HNSW search breadth: at least this, or k. 64 keeps recall@40 of HNSW(M=16) near 0.99 at
#: ~1 ms per query on a million vectors (Milvus' guidance: ef between k and 10k).
HNSW_EF = 64


class MilvusStore:
    """One index in Milvus. Safe to share between threads (pymilvus clients are; state under a lock)."""

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

    def _guard(self, action: str) -> Any:
        return guard(self.target, action)

    def _open_pointer(self, create: bool) -> None:
        name = self.target.collection
        fields: set[str] = set()
        with self._guard("opening the index"):
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
        with self._guard("reading the manifest"):
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
        with self._guard("loading the index"):
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
        with self._guard("writing the manifest"):
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
            with self._guard("sealing the written rows"):
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
        with self._guard("closing"):
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

    def scan(self, collection: str, expr: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every row matching ``expr`` (a query iterator: Milvus caps one query's result window)."""
        rows: list[dict[str, Any]] = []
        with self._guard("reading the index"):
            iterator = self.client.query_iterator(collection, batch_size=1000, filter=expr, output_fields=fields,
                                                  timeout=self.timeout)
            try:
                while batch := iterator.next():
                    rows.extend(batch)
            finally:
                iterator.close()
        return rows

    def _count_rows(self, collection: str, expr: str) -> int:
        with self._guard("counting"):
            rows = self.client.query(collection, filter=expr, output_fields=["count(*)"], timeout=self.timeout)
        return int(rows[0]["count(*)"])

    def chunk_count(self) -> int:
        if self._manifest is None:
            return 0
        if self._count is None:
            self._count = self._count_rows(self.chunks_collection, "")
        return self._count

    def expression(self, filters: Filters | None) -> str | None:
        """The Milvus filter for ``filters`` (FilterError for a bad one); None when they allow all."""
        return filter_expression(filters, escapes=not self.lite)

    def dense_params(self, k: int) -> dict[str, Any]:
        """Search parameters of the dense field: exact on Lite (FLAT), HNSW breadth on a server."""
        return {"metric_type": "IP"} if self.lite else {"metric_type": "IP", "params": {"ef": max(k, HNSW_EF)}}

    def _search(self, data: Any, field: str, k: int, filters: Filters | None, params: dict[str, Any]) -> list[Any]:
        expr = self.expression(filters)  # FilterError before any call
        if k <= 0 or self._manifest is None:
            return []
        with self._guard("searching"):
            result = self.client.search(self.chunks_collection, data=[data], anns_field=field,
                                        limit=min(k, MAX_LIMIT), filter=expr or "", search_params=params,
                                        timeout=self.timeout)
        return list(result[0])

    def dense_search(self, vec: np.ndarray, k: int, filters: Filters | None = None) -> Scored:
        query = np.asarray(vec, dtype=np.float32).reshape(-1).tolist()
        return [(int(h["id"]), float(h["distance"]))
                for h in self._search(query, "dense", k, filters, self.dense_params(k))]

    def lexical_search(self, question: str, k: int, filters: Filters | None = None) -> Scored:
        """Milvus' BM25 over the jieba-analyzed lexical text; best first, scores > 0."""
        text = normalize(question).strip()
        if not text:
            self.expression(filters)
            return []
        hits = self._search(text, "sparse", k, filters, {"metric_type": "BM25"})
        # Milvus returns the BM25 score as the distance; Milvus Lite 3.2 returns its negative
        scored = [(int(h["id"]), abs(float(h["distance"]))) for h in hits]
        return sorted((h for h in scored if h[1] > 0), key=lambda h: -h[1])

    def cut(self, text: str) -> list[str]:
        return full_cut(text)

    def _by_ids(self, ids: Sequence[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        if self._manifest is None:
            return found
        with self._guard("reading passages"):
            for start in range(0, len(ids), _ID_BATCH):
                part = list(ids[start:start + _ID_BATCH])
                for row in self.client.query(self.chunks_collection, ids=part, output_fields=fields,
                                             timeout=self.timeout):
                    found[int(row["id"])] = row
        return found

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        wanted = [int(i) for i in ids]
        if not wanted:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        rows = self._by_ids(list(dict.fromkeys(wanted)), ["dense"])
        missing = [i for i in wanted if i not in rows]
        if missing:
            raise SpeechQAError(f"passage {missing[0]} is no longer in the index at {self.location}")
        return np.asarray([rows[i]["dense"] for i in wanted], dtype=np.float32)

    def chunks_by_ids(self, ids: Iterable[int]) -> list[ChunkRow]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        rows = self._by_ids(wanted, _ROW_FIELDS)
        return [_chunk_row(rows[i]) for i in wanted if i in rows]

    def speech_text(self, chunk_id: int) -> SpeechText:
        rows = self._by_ids([int(chunk_id)], ["speech_id", "doc_path", "title", "date"])
        if not rows:
            raise SpeechQAError(f"passage {chunk_id} is no longer in the index at {self.location}")
        row = rows[int(chunk_id)]
        pieces = self.scan(self.docs_collection, f'kind == "speech" and speech_id == {int(row["speech_id"])}',
                           ["part", "text"])
        text = "".join(p["text"] for p in sorted(pieces, key=lambda p: int(p["part"])))
        return SpeechText(row["doc_path"], row["title"], row["date"] or None, text)

    def documents(self) -> dict[str, str]:
        """Every indexed document: path → sha256 ("" for one whose write did not finish, so it is redone)."""
        if self._manifest is None:
            return {}
        rows = self.scan(self.docs_collection, 'kind == "document"', ["doc_path", "doc_sha", "state"])
        return {r["doc_path"]: r["doc_sha"] if r["state"] == "complete" else ""
                for r in sorted(rows, key=lambda r: r["doc_path"])}

    def matching_count(self, filters: Filters) -> int:
        expr = self.expression(filters)
        if self._manifest is None:
            return 0
        return self.chunk_count() if expr is None else self._count_rows(self.chunks_collection, expr)

    def status(self) -> IndexStatus:
        m = self.manifest
        docs = self.documents()
        speeches = sorted(((r["doc_path"], json.loads(r["info"])) for r in self.scan(
            self.docs_collection, 'kind == "speech" and part == 0', ["doc_path", "info"])),
            key=lambda s: (s[0], int(s[1].get("ordinal", 0))))
        undated = [f"{info.get('title', '')} ({Path(path).name})" for path, info in speeches if not info.get("date")]
        return IndexStatus(path=self.location, exists=True, documents=len(docs), speeches=len(speeches),
                           chunks=self.chunk_count(), model=m.model, dimension=m.dimension,
                           chunker_version=m.chunker_version, created=m.created, updated=m.updated,
                           doc_paths=list(docs), undated=undated)

    # ----------------------------------------------------------------- writing
    def known_vectors(self, embed_texts: Sequence[str]) -> dict[str, np.ndarray]:
        if self._manifest is None or not embed_texts:
            return {}
        keys = {embed_key(t): t for t in embed_texts}
        found: dict[str, np.ndarray] = {}
        key_list = list(keys)
        with self._guard("looking up stored vectors"):
            for start in range(0, len(key_list), _ID_BATCH):
                part = key_list[start:start + _ID_BATCH]
                rows = self.client.query(self.chunks_collection, filter=f"embed_key in {part}",
                                         output_fields=["embed_text", "embed_key", "dense"], timeout=self.timeout)
                for row in rows:
                    if keys.get(int(row["embed_key"])) == row["embed_text"]:
                        found[row["embed_text"]] = np.asarray(row["dense"], dtype=np.float32)
        return found

    def apply(self, manifest: Manifest, documents: Sequence[DocumentRecord], remove_paths: Sequence[str] = (),
              *, replace_all: bool = False) -> None:
        """Store new/changed ``documents`` and drop ``remove_paths`` (write.py says how a rerun resumes)."""
        from index.stores.milvus.write import commit

        commit(self, manifest, documents, remove_paths, replace_all=replace_all)


def _chunk_row(r: dict[str, Any]) -> ChunkRow:
    return ChunkRow(int(r["id"]), int(r["speech_id"]), r["doc_path"], r["title"], r["date"] or None,
                    tuple(json.loads(r["section"])), r["text"], int(r["start_at"]), int(r["end_at"]), r["embed_text"],
                    title_derived=bool(r["title_derived"]), source_name=r["source_name"] or Path(r["doc_path"]).name,
                    date_source=r["date_source"] or None)


def as_store(store: MilvusStore) -> Store:
    """Typed view: mypy checks here that MilvusStore implements the Store protocol."""
    return store


__all__ = ["MilvusStore", "as_store"]
