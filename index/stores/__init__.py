"""Where the index lives. The engine and the indexer see only :class:`index.stores.base.Store`.

:func:`open_store` picks the implementation from ``IndexConfig.store``: empty for the local
folder store (FAISS + SQLite + BM25), which needs no server, or a Milvus URI
(``milvus://host:port/collection``, ``milvus-lite:///dir``; see :mod:`index.store_uri`).
Everything store-specific (files, locks, damaged-index handling) is reached through the
functions here, never by importing an implementation above this package; each implementation
is imported only when chosen, so the local store never imports pymilvus and the Milvus store
never imports faiss.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from index.config import IndexConfig
from index.errors import IndexCorruptError, IndexMissingError, SpeechQAError
from index.stores.base import Store
from index.types import Checkup, IndexStatus, RepairReport

if TYPE_CHECKING:
    from index.encoder_loading import EncoderFactory


def open_store(config: IndexConfig, *, create: bool = False) -> Store:
    """The store at ``config``'s location; ``create`` opens it for writing, creating it if needed.

    Without ``create``, a missing index raises :class:`IndexMissingError` and a damaged one
    :class:`IndexCorruptError`.
    """
    target = config.milvus
    if target is not None:
        from index.stores.milvus.store import MilvusStore

        return MilvusStore.open(target, create=create)
    from index.stores.local import LocalStore

    return LocalStore.open_for_write(config.index_path) if create else LocalStore.open(config.index_path)


def needs_upgrade(config: IndexConfig) -> bool:
    """Whether the next write will first upgrade an index of an older version in place (the local
    store; minutes for a large index, so a job says so before it starts)."""
    if config.milvus is not None:
        return False
    import sqlite3

    from index.stores.local_schema import DB_FILE, OLD_SCHEMAS, manifest_schema

    db = config.index_path / DB_FILE
    if not db.is_file():
        return False
    try:
        conn = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return manifest_schema(conn) in OLD_SCHEMAS
        finally:
            conn.close()
    except sqlite3.Error:
        return False  # no manifest table, or damage: the write says what is wrong


def _milvus_lock_dir(key: str) -> Path:
    """A folder per Milvus index on this machine, for its writer lock (see :func:`writer_lock`)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    user = getattr(os, "getuid", lambda: "")()  # per user: another user's lock file would not open
    return Path(tempfile.gettempdir()) / f"speech-qa-milvus-{user}-{digest}"


@contextmanager
def writer_lock(config: IndexConfig, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One writer at a time for this index: others wait, calling ``on_wait`` once after a second.

    Local store: an flock in the index folder, so every process that can write the folder
    takes it. Milvus has no lock or transaction to build one on (a lock row could be
    taken by two writers at once: there is no compare-and-set), so a Milvus index gets an flock
    keyed by its server address and collection in this machine's temp folder: one user's writers on
    one machine wait for each other, and running one writer per index across machines is the
    operator's job (docs/scaling.md). The flock dies with its process, so a crash never leaves
    a stale lock behind; an interrupted write is finished by rerunning it (stores/milvus/write.py).
    """
    from index.stores.local_write import write_lock

    target = config.milvus
    with write_lock(config.index_path if target is None else _milvus_lock_dir(target.key), on_wait):
        yield


def discard(config: IndexConfig) -> None:
    """Set a damaged index aside so a full build can start afresh (nothing is deleted)."""
    target = config.milvus
    if target is not None:
        from index.stores.milvus.write import discard as discard_milvus

        discard_milvus(target)
        return
    from index.stores.local_write import discard as discard_local

    discard_local(config.index_path)


def store_status(config: IndexConfig, *, check: bool = False) -> IndexStatus:
    """Status without raising for a missing index (``exists=False``) nor for a damaged one.

    A damaged local index tells what its database still can, with ``problems`` naming the
    damaged parts; ``check`` adds a check of every file (:func:`check_index`, not thorough).
    """
    try:
        store = open_store(config)
        try:
            status = store.status()
        finally:
            store.close()
    except IndexMissingError:
        return IndexStatus(path=config.location, exists=False)
    except IndexCorruptError:
        if config.milvus is not None:
            raise
        checkup = check_index(config, thorough=False)
        return replace(checkup.status or IndexStatus(config.location, exists=True), problems=list(checkup.problems))
    if check and config.milvus is None:
        status = replace(status, problems=list(check_index(config, thorough=False).problems))
    return status


def check_index(config: IndexConfig, *, thorough: bool = True) -> Checkup:
    """Every problem of the index's files, in user words (index.stores.doctor); never raises for damage."""
    from index.stores.doctor import check

    return check(_local_folder(config), thorough=thorough)


def repair_index(config: IndexConfig, encoder_factory: EncoderFactory | None = None) -> RepairReport:
    """Fix what :func:`check_index` finds, from the database alone (index.stores.repair)."""
    from index.stores.repair import repair

    return repair(config, _local_folder(config), encoder_factory)


def _local_folder(config: IndexConfig) -> Path:
    if config.milvus is not None:
        raise SpeechQAError(f"{config.location}: the doctor checks a local index folder only (a Milvus server "
                            "keeps its own files)")
    return config.index_path


__all__ = ["Store", "check_index", "discard", "open_store", "repair_index", "store_status", "writer_lock"]
