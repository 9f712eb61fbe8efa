"""Which files an index job reads and which indexed documents it drops, before reading any.

A listing is a function of the documents already indexed (path → sha256), so it is worked
out under the writer lock against the index as it is then; the removals it returns are
what :func:`index.plan.check_removals` guards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import FolderMissingError


@dataclass(frozen=True)
class Listing:
    """Which files a job reads and which indexed documents it drops (before reading any)."""

    files: list[Path]
    removals: list[str] = field(default_factory=list)
    #: Removals the user did not name file by file (a sync's, ``remove FOLDER``'s).
    bulk: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: A sync's folder holds no supported file.
    empty_source: bool = False


Lister = Callable[[dict[str, str]], Listing]


def sync_listing(folder: Path, list_files: Callable[[Sequence[Path]], list[Path]]) -> Lister:
    """A sync's listing: the folder's files; every other indexed document goes.

    A missing folder (a typo) is an error here, before the index is even opened.
    """
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FolderMissingError(f"{folder} {what}; nothing was changed")

    def listing(known: dict[str, str]) -> Listing:
        files = list_files([folder])
        present = {str(f.resolve()) for f in files}
        gone = [p for p in known if p not in present]
        return Listing(files, gone, bulk=len(gone), empty_source=not files)

    return listing


def remove_listing(paths: Sequence[Path]) -> Lister:
    """A remove's listing: documents by file path or by folder (everything indexed under it)."""
    def listing(known: dict[str, str]) -> Listing:
        removed: list[str] = []
        skipped: list[tuple[str, str]] = []
        bulk = 0
        for raw in paths:
            target = str(Path(raw).expanduser().resolve())
            hits = [p for p in known if p == target or p.startswith(target.rstrip(os.sep) + os.sep)]
            bulk += sum(1 for p in hits if p != target and p not in removed)
            removed += [p for p in hits if p not in removed]
            if not hits:
                skipped.append((str(raw), "not in the index"))
        return Listing([], removed, bulk=bulk, skipped=skipped)

    return listing


__all__ = ["Lister", "Listing", "remove_listing", "sync_listing"]
