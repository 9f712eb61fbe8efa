"""Speech texts stored zlib-compressed in the local store's SQLite, read back through one SQL function.

Why: at 1M passages the ``speeches`` table (every speech's full cleaned text, from which chunk
texts are derived by offsets) was 967 MB of a 5.46 GB index folder; zlib shrinks the Chinese
UTF-8 texts ~2.6× (issue 12: ≤ 3 GB at 1M).

How: the writer stores ``text`` as a zlib BLOB (:func:`pack`); a row written before stays TEXT,
and an index may hold both kinds after incremental writes. Every SQL statement that reads a
speech's text reads ``speech_text(s.text)`` instead of ``s.text`` (:data:`SQL_FUNCTION`,
registered on every connection by :func:`index.stores.local_schema.connect`): TEXT comes back
as it is, a BLOB decompressed, so ``substr`` over it still counts characters of the plain text.
:func:`compress_rows` compresses the TEXT rows of an existing index in place (idempotent).

A BLOB that does not decompress makes the SQL function fail; SQLite reports that as
"user-defined function raised exception", which :func:`read_error` turns into the user's words.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections import OrderedDict
from threading import Lock

#: zlib level 6, zlib's default. Chosen with scripts/bench_speech_zip.py (``levels``) on the reports
#: corpus (/work/shared/corpus_reports, 88 speeches, 4.3 MB UTF-8): ratio 2.57 at level 6, 2.58 at 9
#: (compressing at 28 MB/s against 37), 2.25 at 1 (14% more bytes, 108 MB/s); decompressing one
#: speech takes ~160 µs at every level, and writing at 37 MB/s is small beside embedding.
LEVEL = 6
SQL_FUNCTION = "speech_text"
_FAILED = "user-defined function raised exception"
#: Decompressed text kept per connection, in characters (~8 MB; ~1,300 speeches of the 100k dev
#: index); the last text is kept whatever its size (0: no cache, for measuring). SQLite calls the
#: function once per chunk row, so without it a speech is decompressed again for each of its passages. Measured on the 100k dev
#: index (scripts/bench_speech_zip.py ``index``): reading every record as a copy does (rows of one
#: speech in a row) takes 2.7 s with the cache, 6.4 s with none, 2.9 s from TEXT rows; a repeated
#: question's ``chunks_by_ids`` (40 passages) 0.70 ms with it, 2.12 ms with none.
CACHE_CHARS = 4_000_000


def pack(text: str) -> bytes:
    """A speech's text as the writer stores it."""
    return zlib.compress(text.encode("utf-8"), LEVEL)


def unpack(value: str | bytes) -> str:
    """A stored speech text (TEXT as it is, a BLOB decompressed); zlib.error or
    UnicodeDecodeError for a damaged BLOB."""
    if isinstance(value, str):
        return value
    return zlib.decompress(value).decode("utf-8")


class _Decompressor:
    """The SQL function: :func:`unpack` with the last few BLOBs' texts cached (keyed by the bytes,
    so a rewritten row can never be served a stale text)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[bytes, str] = OrderedDict()
        self._chars = 0
        self._lock = Lock()  # the store's connection is shared across threads

    def __call__(self, value: str | bytes | None) -> str | None:
        if value is None or isinstance(value, str):
            return value
        with self._lock:
            text = self._cache.get(value)
            if text is not None:
                self._cache.move_to_end(value)
                return text
        text = unpack(value)
        with self._lock:
            if value not in self._cache:
                self._cache[value] = text
                self._chars += len(text)
            while self._chars > CACHE_CHARS and len(self._cache) > (1 if CACHE_CHARS > 0 else 0):
                self._chars -= len(self._cache.popitem(last=False)[1])
        return text


def register(conn: sqlite3.Connection) -> None:
    """Make ``speech_text(x)`` available on ``conn`` (deterministic: same bytes, same text)."""
    conn.create_function(SQL_FUNCTION, 1, _Decompressor(), deterministic=True)


def read_error(exc: sqlite3.Error) -> str:
    """What a failed read of SQLite says, with the SQL function's failure in the user's words."""
    if _FAILED in str(exc):
        return "a speech's stored text is damaged: it cannot be decompressed"
    return str(exc)


def compress_rows(conn: sqlite3.Connection, batch: int = 500) -> int:
    """Compress every speech text still stored as TEXT, inside the caller's transaction; return how
    many were. Idempotent (BLOB rows are left alone); the freed pages are reused by later writes
    (a ``VACUUM`` gives them back to the disk)."""
    ids = [r[0] for r in conn.execute("SELECT id FROM speeches WHERE typeof(text) = 'text' ORDER BY id")]
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        rows = conn.execute(f"SELECT id, text FROM speeches WHERE id IN ({','.join('?' * len(part))})",
                            part).fetchall()
        conn.executemany("UPDATE speeches SET text = ? WHERE id = ?", [(pack(text), sid) for sid, text in rows])
    return len(ids)


def damaged_rows(conn: sqlite3.Connection) -> list[int]:
    """Ids of the speeches whose stored BLOB does not decompress (for the doctor)."""
    bad = []
    for sid, value in conn.execute("SELECT id, text FROM speeches WHERE typeof(text) = 'blob'"):
        try:
            unpack(value)
        except (zlib.error, UnicodeDecodeError):
            bad.append(sid)
    return bad


__all__ = ["LEVEL", "SQL_FUNCTION", "compress_rows", "damaged_rows", "pack", "read_error", "register", "unpack"]
