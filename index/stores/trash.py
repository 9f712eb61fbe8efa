"""The local store's trash: vectors of recently removed passages, so that an undo costs no embedding.

A sync on the wrong folder, a ``remove`` of the wrong file or an edit saved by mistake is undone
by adding the same files again. Their passages left the ``chunks`` table with the write that
removed them (their segment rows stay only as tombstones, without their embed text, until a
merge drops them), so without a trash the undo would re-embed every one: hours on a large
collection, at ~11 passages/s on this CPU. Here each write that removes or replaces chunks
copies their embed text and vector into the ``trash`` table, in the same SQLite transaction as
the removal (a kill leaves both or neither), and :func:`vectors` finds them again by the same
64-bit embed key the live passages use.

Bound, and why: the rows removed by the last :data:`KEEP_WRITES` writes, at most
:data:`MAX_ROWS` rows (the oldest writes' rows go first). An undo comes right after the
mistake, usually within a write or two (the mistaken one, perhaps a retry or a second removal
before the user notices), so three writes cover it while the table does not grow with the
history of a collection that keeps changing. The row cap bounds the disk cost of one huge
removal: 100,000 rows at e5-small's 384 dimensions are ~150 MB of float32 (plus their texts),
about what the vectors of a 100k-passage index take anyway; a larger removal keeps its first
100,000 rows, so an undo re-embeds only the rest. Vectors are kept exact (float32, or the
stored 8-bit reconstruction of an IVF segment), so an undone index answers as before.

A full build empties the trash: it re-embeds everything, and is the only write that may
change the model (and so the meaning of a stored vector).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from index.stores.generation import Generation
from index.stores.local_schema import CHUNK_SELECT, chunk_row
from index.types import ChunkRow

KEEP_WRITES = 3
MAX_ROWS = 100_000
TABLE = "trash"
SCHEMA = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    embed_key INTEGER NOT NULL, embed_text TEXT NOT NULL, vector BLOB NOT NULL, generation INTEGER NOT NULL,
    PRIMARY KEY (embed_key, embed_text))"""

Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


def keep(conn: sqlite3.Connection, live: Generation, paths: Sequence[str], generation: int,
         embed_key: Callable[[str], int]) -> int:
    """Copy the chunks of stored documents among ``paths`` (about to be deleted) into the trash,
    then trim it to its bound; return how many rows were trashed. Inside the writer's transaction;
    ``embed_key`` is the store's key of an embed text (local_write.embed_key)."""
    conn.execute(SCHEMA)
    rows: list[ChunkRow] = []
    unique = list(dict.fromkeys(paths))
    for start in range(0, len(unique), 500):  # a huge removal reads no more rows than it keeps
        part = unique[start:start + 500]
        rows += [chunk_row(r) for r in conn.execute(
            f"{CHUNK_SELECT} WHERE d.path IN ({','.join('?' * len(part))}) ORDER BY c.id LIMIT ?",
            [*part, MAX_ROWS - len(rows)])]
        if len(rows) >= MAX_ROWS:
            break
    if rows and live.manifest is not None:
        vectors = live.vectors_of([r.chunk_id for r in rows], live.manifest.dimension)
        conn.executemany(
            f"INSERT OR REPLACE INTO {TABLE} (embed_key, embed_text, vector, generation) VALUES (?, ?, ?, ?)",
            [(embed_key(r.embed_text), r.embed_text, np.asarray(v, np.float32).tobytes(), generation)
             for r, v in zip(rows, vectors, strict=True)])
    conn.execute(f"DELETE FROM {TABLE} WHERE generation <= ?", (generation - KEEP_WRITES,))
    excess = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] - MAX_ROWS
    if excess > 0:
        conn.execute(f"DELETE FROM {TABLE} WHERE rowid IN (SELECT rowid FROM {TABLE} "
                     "ORDER BY generation, rowid LIMIT ?)", (excess,))
    return len(rows)


def clear(conn: sqlite3.Connection) -> None:
    """Empty the trash (a full build), creating the table where it is missing."""
    conn.execute(SCHEMA)
    conn.execute(f"DELETE FROM {TABLE}")


def vectors(query: Query, keys: dict[int, str], dimension: int) -> dict[str, np.ndarray]:
    """Trashed vectors of the embed texts ``keys`` (embed key → text), checked by text.

    An index written before the trash existed has no table: nothing is found.
    """
    if not keys or not query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)):
        return {}
    texts = set(keys.values())
    found: dict[str, np.ndarray] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        for text, blob in query(f"SELECT embed_text, vector FROM {TABLE} WHERE embed_key IN "
                                f"({','.join('?' * len(part))})", part):
            vector = np.frombuffer(blob, np.float32)
            if text in texts and len(vector) == dimension:
                found.setdefault(text, vector.copy())
    return found


def size(query: Query) -> int:
    """Rows in the trash (0 where there is no table)."""
    if not query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)):
        return 0
    return int(query(f"SELECT count(*) FROM {TABLE}", ())[0][0])


__all__ = ["KEEP_WRITES", "MAX_ROWS", "clear", "keep", "size", "vectors"]
