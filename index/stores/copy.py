"""Copy a local index into another store without embedding again (into Milvus, for instance).

Embedding is the slow part of a build (hours on a CPU for a large collection), while a local
index already holds every vector; moving it to Milvus then costs only the upload. The same
path loads vectors embedded elsewhere: build local indexes of parts of the collection on
many machines, then copy each into one Milvus collection (docs/scaling.md). The parity
evaluation (scripts/eval_store_parity.py) uses it so that both stores hold the same vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.config import IndexConfig
from index.errors import ConfigError, IndexCorruptError, ModelMismatchError
from index.stores import discard, open_store, writer_lock
from index.types import DocumentRecord, Manifest


@dataclass(frozen=True)
class CopyReport:
    """What a copy wrote into the target."""

    source: str
    target: str
    documents: int
    chunks: int
    seconds: float


def read_local(source: IndexConfig) -> tuple[Manifest, list[DocumentRecord]]:
    """The manifest and every document of the local index ``source`` (IndexMissingError if none)."""
    from index.stores.local import LocalStore

    if source.milvus is not None:
        raise ConfigError(f"cannot copy from {source.location}: only a local index folder can be copied")
    store = LocalStore.open(source.index_path)
    try:
        return store.manifest, list(store.records())
    finally:
        store.close()


def write_all(target: IndexConfig, manifest: Manifest, records: Sequence[DocumentRecord], *,
              replace_all: bool = True) -> None:
    """Store ``records`` in ``target`` as one update under its writer lock (a full build by default,
    so a damaged target is set aside first, as a build does)."""
    with writer_lock(target):
        try:
            store = open_store(target, create=True)
        except IndexCorruptError:
            if not replace_all:
                raise
            discard(target)
            store = open_store(target, create=True)
        try:
            if store.has_manifest and not replace_all and store.manifest.fingerprint != manifest.fingerprint:
                raise ModelMismatchError(f"the index at {target.location} was built with model "
                                         f"{store.manifest.model!r} (fingerprint {store.manifest.fingerprint}), the "
                                         f"copied one with {manifest.model!r} (fingerprint {manifest.fingerprint})")
            store.apply(replace(manifest, created="", updated="", generation=0), records, replace_all=replace_all)
        finally:
            store.close()


def copy_index(source: IndexConfig, target: IndexConfig, *, add: bool = False) -> CopyReport:
    """Make ``target`` hold exactly what the local index ``source`` holds (no embedding); with
    ``add``, add its documents to what ``target`` holds instead (parts embedded on other machines)."""
    import time

    started = time.perf_counter()
    if source.location == target.location:
        raise ConfigError(f"cannot copy {source.location} onto itself")
    manifest, records = read_local(source)
    write_all(target, manifest, records, replace_all=not add)
    return CopyReport(source.location, target.location, len(records), sum(len(r.vectors) for r in records),
                      time.perf_counter() - started)


__all__ = ["CopyReport", "copy_index", "read_local", "write_all"]
