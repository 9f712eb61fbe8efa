"""Which files an index job reads and which indexed documents it drops, before reading any.

A selection is a function of the documents already indexed (path → sha256), so it is worked
out under the writer lock against the index as it is then; the removals it returns are
what :func:`index.plan.check_removals` guards. Which files a folder holds, and which of them
are not read and why, is :mod:`index.listing`'s business.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import FolderMissingError


@dataclass(frozen=True)
class Selection:
    """Which files a job reads and which indexed documents it drops (before reading any)."""

    files: list[Path]
    removals: list[str] = field(default_factory=list)
    #: Removals the user did not name file by file (a sync's, ``remove FOLDER``'s).
    bulk: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: A sync's folder holds no supported file.
    empty_source: bool = False


Selector = Callable[[dict[str, str]], Selection]
#: paths → (files to read, (path, reason) for every other file found and not read)
FileLister = Callable[[Sequence[Path]], tuple[list[Path], list[tuple[str, str]]]]


def sync_selection(folder: Path, list_files: FileLister) -> Selector:
    """A sync's selection: the folder's files; every other indexed document goes.

    A missing folder (a typo) is an error here, before the index is even opened.
    """
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FolderMissingError(f"{folder} {what}; nothing was changed")

    def select(known: dict[str, str]) -> Selection:
        files, unread = list_files([folder])
        present = {str(f.resolve()) for f in files}
        gone = [p for p in known if p not in present]
        return Selection(files, gone, bulk=len(gone), skipped=unread, empty_source=not files)

    return select


def remove_selection(paths: Sequence[Path]) -> Selector:
    """A remove's selection: documents by file path or by folder (everything indexed under it)."""
    def select(known: dict[str, str]) -> Selection:
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
        return Selection([], removed, bulk=bulk, skipped=skipped)

    return select


def files_selection(paths: Sequence[Path], list_files: FileLister, *, replace_all: bool) -> Selector:
    """A build's or an add's selection: the files under ``paths``; a build drops every indexed document."""
    def select(known: dict[str, str]) -> Selection:
        files, unread = list_files(paths)
        return Selection(files, list(known) if replace_all else [], skipped=unread)

    return select


__all__ = ["FileLister", "Selection", "Selector", "files_selection", "remove_selection", "sync_selection"]
