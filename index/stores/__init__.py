"""Where the index lives. The engine and the indexer see only :class:`index.stores.base.Store`.

:func:`open_store` picks the implementation; today the local folder store (FAISS + SQLite +
BM25), which needs no server. Everything store-specific (files, locks, damaged-index handling)
is reached through the functions here, never by importing an implementation above this package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.config import IndexConfig
from index.errors import IndexMissingError
from index.stores.base import Store
from index.types import IndexStatus


def open_store(config: IndexConfig, *, create: bool = False) -> Store:
    """The store at ``config``'s location; ``create`` opens it for writing, creating it if needed.

    Without ``create``, a missing index raises :class:`IndexMissingError` and a damaged one
    :class:`IndexCorruptError`.
    """
    from index.stores.local import LocalStore

    return LocalStore.open_for_write(config.index_path) if create else LocalStore.open(config.index_path)


@contextmanager
def writer_lock(config: IndexConfig, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One writer at a time for this index: others wait, calling ``on_wait`` once after a second."""
    from index.stores.local_write import write_lock

    with write_lock(config.index_path, on_wait):
        yield


def discard(config: IndexConfig) -> None:
    """Set a damaged index aside so a full build can start afresh (nothing is deleted)."""
    from index.stores.local_write import discard as discard_local

    discard_local(config.index_path)


def store_status(config: IndexConfig) -> IndexStatus:
    """Status without raising for a missing index (``exists=False``)."""
    try:
        store = open_store(config)
    except IndexMissingError:
        return IndexStatus(path=str(config.index_path), exists=False)
    try:
        return store.status()
    finally:
        store.close()


__all__ = ["Store", "discard", "open_store", "store_status", "writer_lock"]
