"""The writer's half of the Milvus store (:class:`~index.stores.milvus.store.MilvusStore`): idempotent, resumable updates.

Milvus has no transactions, so a write is made of steps that are each safe to repeat:

* Rows have ids derived from content (rows.py), so writing them again overwrites.
* A document is written as: its row marked ``pending`` (with the new sha256) → rows of other
  versions of it deleted → its speeches and chunks upserted → its row marked ``complete``.
  ``documents()`` reports a pending document with no sha256, so the next add/sync finds it
  changed and writes it again; a removal marks it pending before deleting anything.
* A full build writes into a fresh pair of collections (schema.build_key) and then upserts
  the pointer row: readers switch at that one step, as at the local store's SQLite commit,
  and a rerun after an interruption finds the pair, skips documents already complete with
  the same sha256, and finishes. The previous build is kept until the next full build, so a
  reader that has not refreshed yet still finds it.

Incremental updates (add/remove/sync) write into the live pair: a reader may see a document
half-written while it is being updated (never duplicated: old versions are deleted first).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from index.errors import IndexCorruptError
from index.store_uri import MilvusTarget
from index.stores.milvus import schema
from index.stores.milvus.client import DEFAULT_TIMEOUT, connect, guard
from index.stores.milvus.expr import quote
from index.stores.milvus.live import LiveIndex
from index.stores.milvus.rows import chunk_rows, document_id, document_row, speech_rows
from index.types import DocumentRecord, Manifest

#: Rows per upsert call: ~256 x (384 floats + 1-2 kB of text) stays far below gRPC's 64 MB
#: message limit while keeping the number of round trips low.
BATCH = 256


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def commit(store: LiveIndex, manifest: Manifest, documents: Sequence[DocumentRecord],
           remove_paths: Sequence[str], *, replace_all: bool) -> None:
    """Apply one update; on return the store serves it. A failure leaves a state a rerun completes."""
    old = store.meta
    now = _now()
    full_build = replace_all or not store.has_manifest
    if full_build:
        number = int(old["number"]) + 1 if old else 1
        key = schema.build_key(number, manifest)
        writer = _Writer(store, key, manifest, now)
        writer.ensure_collections()
        present = writer.states()
        wanted = {d.path for d in documents}
        for path in present:
            if path not in wanted:
                writer.remove(path)
        for doc in documents:
            if present.get(doc.path) == (doc.sha256, "complete"):
                continue  # written whole by an interrupted attempt of this same build
            writer.write(doc, added=now)
        previous = old.get("build") if old else None
        store.write_meta({"number": number, "build": key, "previous": previous,
                           "manifest": asdict(replace(manifest, created=now, updated=now, generation=1))})
        _drop_stale_builds(store, keep={key, previous})
    else:
        assert old is not None  # there is a live build
        writer = _Writer(store, str(old["build"]), manifest, now)
        writer.check_dimension()
        for path in dict.fromkeys(remove_paths):
            writer.remove(path)
        added = writer.added_dates([d.path for d in documents])
        for doc in documents:
            writer.write(doc, added=added.get(doc.path, now))
        live = store.manifest
        store.write_meta({**old, "manifest": asdict(replace(manifest, created=live.created, updated=now,
                                                             generation=live.generation + 1))})
    store.settle(full_build=full_build)


class _Writer:
    """Writes into one build's pair of collections."""

    def __init__(self, store: LiveIndex, key: str, manifest: Manifest, now: str) -> None:
        self.store, self.manifest, self.now = store, manifest, now
        self.chunks = schema.chunks_name(store.target.collection, key)
        self.docs = schema.docs_name(store.target.collection, key)
        self.client, self.timeout = store.client, store.timeout

    def _guard(self, action: str) -> Any:
        return guard(self.store.target, action)

    def ensure_collections(self) -> None:
        with self._guard("creating the index collections"):
            if not self.client.has_collection(self.chunks, timeout=self.timeout):
                schema.create_chunks(self.client, self.chunks, self.manifest.dimension, lite=self.store.lite,
                                     timeout=self.timeout)
            if not self.client.has_collection(self.docs, timeout=self.timeout):
                schema.create_docs(self.client, self.docs, self.timeout)
            for name in (self.chunks, self.docs):  # an interrupted attempt's pair, after a restart
                schema.ensure_loaded(self.client, name, self.timeout)
        self.check_dimension()

    def check_dimension(self) -> None:
        with self._guard("reading the index layout"):
            description = self.client.describe_collection(self.chunks, timeout=self.timeout)
        if schema.dense_dimension(description) != self.manifest.dimension:
            raise IndexCorruptError(f"the index at {self.store.target.uri} holds vectors of dimension "
                                    f"{schema.dense_dimension(description)}, not {self.manifest.dimension}")

    def states(self) -> dict[str, tuple[str, str]]:
        """Documents in this build: path → (sha256, state)."""
        rows = self.store.scan(self.docs, 'kind == "document"', ["doc_path", "doc_sha", "state"])
        return {r["doc_path"]: (r["doc_sha"], r["state"]) for r in rows}

    def added_dates(self, paths: Sequence[str]) -> dict[str, str]:
        """``added`` dates of the documents among ``paths`` already stored (kept on replace)."""
        if not paths:
            return {}
        ids = [document_id(p) for p in paths]
        with self._guard("reading documents"):
            rows = self.client.query(self.docs, ids=ids, output_fields=["doc_path", "info"], timeout=self.timeout)
        return {r["doc_path"]: json.loads(r["info"]).get("added", self.now) for r in rows}

    def write(self, doc: DocumentRecord, *, added: str) -> None:
        """Store ``doc`` whole, replacing any other version of it (see the module docstring)."""
        path, sha = quote(doc.path), quote(doc.sha256)
        chunks = list(chunk_rows(doc, lexical_header=self.manifest.lexical_header))  # checks before writing
        with self._guard(f"writing {doc.path}"):
            self.client.upsert(self.docs, [document_row(doc, "pending", added, self.now)], timeout=self.timeout)
            self.client.delete(self.chunks, filter=f"doc_path == {path} and doc_sha != {sha}", timeout=self.timeout)
            self.client.delete(self.docs, filter=f'kind == "speech" and doc_path == {path} and doc_sha != {sha}',
                               timeout=self.timeout)
            for batch in _batches(speech_rows(doc), 16):  # pieces are up to 64 kB each
                self.client.upsert(self.docs, batch, timeout=self.timeout)
            for batch in _batches(chunks):
                self.client.upsert(self.chunks, batch, timeout=self.timeout)
            self.client.upsert(self.docs, [document_row(doc, "complete", added, self.now)], timeout=self.timeout)

    def remove(self, path: str) -> None:
        """Drop a document: marked pending first, so an interrupted removal is redone, never forgotten."""
        with self._guard(f"removing {path}"):
            rows = self.client.query(self.docs, ids=[document_id(path)], output_fields=["*"], timeout=self.timeout)
            if rows:
                row = {k: v for k, v in rows[0].items() if k in _DOC_FIELDS}
                self.client.upsert(self.docs, [{**row, "state": "pending"}], timeout=self.timeout)
            self.client.delete(self.chunks, filter=f"doc_path == {quote(path)}", timeout=self.timeout)
            self.client.delete(self.docs, filter=f'kind == "speech" and doc_path == {quote(path)}',
                               timeout=self.timeout)
            self.client.delete(self.docs, ids=[document_id(path)], timeout=self.timeout)


_DOC_FIELDS = ("id", "kind", "doc_path", "doc_sha", "state", "info", "speech_id", "part", "text", "placeholder")


def _drop_stale_builds(store: LiveIndex, keep: set[str | None]) -> None:
    """Drop build collections other than ``keep`` (older builds, abandoned attempts)."""
    pattern = re.compile(rf"^{re.escape(store.target.collection)}__(b\d+_[0-9a-f]{{8}})_(chunks|docs)$")
    with guard(store.target, "dropping old builds"):
        for name in store.client.list_collections(timeout=store.timeout):
            match = pattern.match(name)
            if match and match.group(1) not in keep:
                store.client.drop_collection(name, timeout=store.timeout)


def discard(target: MilvusTarget) -> None:
    """Set a damaged index aside: the pointer row then names no live build, so a full build starts afresh.

    Nothing is deleted here; the next full build numbers its collections past the damaged ones
    and drops them once it has switched over (as it drops every earlier build).
    """
    timeout = target.timeout or DEFAULT_TIMEOUT
    client, _version = connect(target, timeout)
    try:
        with guard(target, "setting the damaged index aside"):
            if not client.has_collection(target.collection, timeout=timeout):
                return
            schema.ensure_loaded(client, target.collection, timeout)
            rows = client.query(target.collection, ids=[schema.META_ID], output_fields=["manifest"], timeout=timeout)
            if not rows:
                return
            try:
                old: Any = json.loads(rows[0]["manifest"])
                number = int(old.get("number", 0)) + 1  # past a build that may have been under way
            except (ValueError, TypeError, AttributeError):
                old, number = rows[0]["manifest"], 1
            aside = {"number": number, "build": None, "previous": None, "manifest": None, "discarded": old}
            client.upsert(target.collection, [schema.pointer_row(aside)], timeout=timeout)
    finally:
        client.close()
