"""The largest file the reader takes, checked before any byte is read, on every path that reads one.

The reader decodes a whole file in memory (encoding detection needs it), so an oversized file
(a log, a dump, a disk image with a .txt name) is refused with a message naming it before it is
read: by the content hash that decides whether a file changed, by the reader itself, and for a
folder's ``speeches.toml``.
"""

from __future__ import annotations

from pathlib import Path

from index.errors import ReadError

#: Speech files larger than this are refused (it was 256 MB). Reading is in memory and costs
#: ≈0.12 s and ≈4 MB of memory per MB of UTF-8, ≈0.42 s and ≈6 MB per MB of GB18030 (charset
#: detection): 64 MB took 7 s / 270 MB and 27 s / 390 MB (``python -m scripts.bench_big_file --mb 8 64``,
#: results/bench_big_file.json, load ~9 on 2 cores), so 256 MB would hold the machine for minutes
#: and ~1.5 GB. The largest real file we have, the 1955 government work report, is 171 KB; 64 MB is
#: ~25 M characters, ~60,000 passages: a whole library in one file, still read in half a minute.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: ``speeches.toml`` holds a few lines per file: a megabyte is thousands of entries.
MAX_META_BYTES = 1024 * 1024


def check_size(path: Path, limit: int | None = None) -> None:
    """Raise ReadError naming ``path`` when it is larger than ``limit`` (default :data:`MAX_FILE_BYTES`).

    OSError (a missing or unreadable file) passes through for the caller to word.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    size = path.stat().st_size
    if size > limit:
        shown, allowed = _mb(size), _mb(limit)
        if shown == allowed:  # just over the limit: only the bytes tell them apart
            shown, allowed = f"{size:,} bytes", f"{limit:,} bytes"
        raise ReadError(f"{path}: file is too large ({shown}; the limit is {allowed})")


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB" if size < 10 * 2**20 else f"{size // 2**20:,} MB"


__all__ = ["MAX_FILE_BYTES", "MAX_META_BYTES", "check_size"]
