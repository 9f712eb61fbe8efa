"""What the local store's writer says when the file system refuses a write: disk full, read-only.

Why a module of its own: a write can fail in three libraries that each say it differently
(Python's ``OSError`` with an errno; SQLite's ``SQLITE_FULL`` / ``SQLITE_IOERR`` /
``SQLITE_READONLY`` codes; faiss's C++ ``RuntimeError`` naming its source file), and each must
reach the user as one line naming the index folder and the problem, never as a traceback.
Just as important, such a failure must never read as a *damaged* index: a full build sets a
damaged index aside (``*.broken``), and doing that to a healthy index on a full disk would
lose it. Only SQLite's ``SQLITE_CORRUPT`` / ``SQLITE_NOTADB`` and unreadable files mean damage.

Every writer failure translated here happens before the commit (local_write.commit), so the
message can promise that the index is unchanged.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import SpeechQAError


class IndexWriteError(SpeechQAError):
    """The index folder could not be written (disk full, read-only, no permission); nothing changed."""


_FULL = "the disk is full"
_READ_ONLY = "the folder is read-only"
_BY_ERRNO = {
    errno.ENOSPC: _FULL, errno.EDQUOT: f"{_FULL} (disk quota reached)", errno.EFBIG: f"{_FULL} (file size limit reached)",
    errno.EROFS: f"{_READ_ONLY} (read-only file system)", errno.EACCES: f"{_READ_ONLY} for this user (permission denied)",
    errno.EPERM: f"{_READ_ONLY} for this user (operation not permitted)",
    errno.EIO: "the disk reported an input/output error",
}
_BY_SQLITE = {  # primary result codes (extended codes & 0xff)
    sqlite3.SQLITE_FULL: _FULL,
    sqlite3.SQLITE_IOERR: f"writing failed: {_FULL} or failing (disk I/O error)",
    sqlite3.SQLITE_READONLY: f"{_READ_ONLY} (the database cannot be written)",
    sqlite3.SQLITE_CANTOPEN: f"{_READ_ONLY} or missing (the database cannot be opened)",
    sqlite3.SQLITE_PERM: f"{_READ_ONLY} for this user (permission denied)",
}
#: strerror texts that faiss's C++ writer puts in its messages (it keeps no errno).
_BY_TEXT = {"No space left on device": _FULL, "File too large": f"{_FULL} (file size limit reached)",
            "Read-only file system": f"{_READ_ONLY} (read-only file system)",
            "Permission denied": f"{_READ_ONLY} for this user (permission denied)"}


def problem(exc: BaseException) -> str | None:
    """The write problem ``exc`` stands for, in the user's words; None when it is none of them."""
    if isinstance(exc, OSError):
        if exc.errno is None:  # numpy's short write ("N requested and M written"): the disk filled up
            return f"{_FULL} (a file was written only in part)"
        return _BY_ERRNO.get(exc.errno) or f"a file could not be written ({exc.strerror or exc})"
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return None if code is None else _BY_SQLITE.get(code & 0xFF)
    if isinstance(exc, RuntimeError) and "faiss" in str(exc).lower():
        text = str(exc)
        found = next((words for marker, words in _BY_TEXT.items() if marker in text), None)
        if found or "for writing" in text or "write" in text.lower():
            return found or "a vectors file could not be written"
    return None


def write_error(path: Path, exc: BaseException) -> IndexWriteError | None:
    """``exc`` as an :class:`IndexWriteError` about the index at ``path``, or None when it is not
    a failed write."""
    found = problem(exc)
    if found is None:
        return None
    return IndexWriteError(f"cannot write the index at {path}: {found}; the index was not changed")


@contextmanager
def write_failures(path: Path) -> Iterator[None]:
    """Turn a failed write inside the block into an :class:`IndexWriteError` naming ``path``."""
    try:
        yield
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        translated = write_error(path, exc)
        if translated is None:
            raise
        raise translated from None


__all__ = ["IndexWriteError", "problem", "write_error", "write_failures"]
