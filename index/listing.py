"""Which files of a folder are read, which are ignored, and which are reported as not read.

A user points the tool at a folder of whatever they have. Nothing may disappear silently:
every file is either read, or listed with the reason it was not (an image, a spreadsheet,
an unknown type). Only files that are never documents are ignored without a word: hidden
files and folders (.git, .DS_Store), Office lock files (~$讲话.docx, .~lock.x#), and
temporary or partial files (~WRL0001.tmp, x.swp, x~, x.crdownload). Folders are walked
recursively in a stable order, symbolic links to folders are not followed (no loops), and
any file name works: Chinese characters, spaces.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

_IGNORED = re.compile(
    r"\..*"  # hidden: .DS_Store, .~lock.讲话.docx#, .git
    r"|~\$.*"  # Office lock files
    r"|~.*\.tmp|.*\.(?:tmp|temp|swp|swo|crdownload|part|partial|download)|.*~"  # temporary and partial files
    r"|thumbs\.db|desktop\.ini|icon\r",
    re.I,
)


@dataclass(frozen=True)
class Listing:
    """Files to read, in order, and ``(path, reason)`` for every other file that is not read."""

    files: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...]


def is_ignored(name: str) -> bool:
    """A hidden, lock or temporary file name: never a document, not worth a line in the report."""
    return bool(_IGNORED.fullmatch(name))


def unsupported_reason(path: Path, supported: Collection[str]) -> str:
    """The message for a file whose type is not read (names the file and the supported types)."""
    kinds = ", ".join(sorted(supported))
    return f"{path}: unsupported file type '{path.suffix or '(none)'}' (supported: {kinds})"


def list_documents(paths: Sequence[Path], supported: Collection[str]) -> Listing:
    """Expand folders recursively; files named explicitly are kept whatever their suffix.

    An explicitly named file of an unsupported type still reaches the reader, which reports
    it; in folders such files are listed here with their reason.
    """
    files: set[Path] = set()
    skipped: dict[Path, str] = {}
    for path in paths:
        if not path.is_dir():
            files.add(path)
            continue
        for folder, dirs, names in os.walk(path, onerror=lambda e: _unreadable(e, skipped)):
            dirs[:] = sorted(d for d in dirs if not is_ignored(d))
            for name in names:
                if is_ignored(name):
                    continue
                file = Path(folder, name)
                if file.suffix.lower() in supported:
                    files.add(file)
                else:
                    skipped[file] = unsupported_reason(file, supported)
    return Listing(tuple(sorted(files)), tuple(sorted(skipped.items())))


def _unreadable(error: OSError, skipped: dict[Path, str]) -> None:
    """A folder that cannot be listed is reported, and the walk goes on."""
    where = Path(error.filename) if error.filename else Path(".")
    skipped[where] = f"{where}: folder cannot be read ({error.strerror or error})"
