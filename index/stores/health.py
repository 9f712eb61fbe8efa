"""Loading the live generation of a local index, part by part, and saying what is damaged.

Why a damaged segment is *skipped* (with a warning) rather than replaced by the previous
generation: SQLite is the truth of the index (documents, speeches, chunk texts, tombstones) and
segments are derived from it. SQLite keeps only the live layout, and its rows are the live
generation's: the previous generation's segment files, kept one write longer for readers that
loaded them, may hold rows of chunks SQLite no longer has and lack the rows the last write
added. Serving them would mix two generations silently. Skipping a segment instead serves a
subset of the *live* generation that agrees with SQLite row for row (every hit still has its
text, citation and vector); what is missing is exactly the skipped segments' passages, and
the reader says so (:attr:`Loaded.warning`) on every answer until ``doctor --repair`` (which
rebuilds them from SQLite, :mod:`index.stores.repair`) or a full build. When no segment can be
loaded there is nothing left to serve: the reader fails with :class:`IndexCorruptError`.

Writers load strictly (:func:`load_generation` with ``strict=True``): a write on top of a
degraded generation would commit the skipped rows' loss, so it fails and says why.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.errors import IndexCorruptError
from index.lexical import LexicalIndex
from index.stores.generation import Generation
from index.stores.local_schema import (
    DB_FILE,
    Layout,
    SegmentInfo,
    corrupt,
    faiss_module,
    lexical_dir,
    read_manifest,
    vectors_file,
)
from index.stores.segments import SPEECHES, Segment, read_flags
from index.types import Manifest, Problem

#: Tried again when a writer switches generations while a reader loads (a second switch within
#: one load would take two writes in a few milliseconds).
_LOAD_ATTEMPTS = 3
REPAIR_HINT = "rebuilt from the database"
REEMBED_HINT = "re-embedded from the passage texts kept in the database"


@dataclass(frozen=True)
class Loaded:
    """A generation to serve and the problems of the segments it leaves out (empty: all served)."""

    generation: Generation
    problems: tuple[Problem, ...] = ()

    @property
    def warning(self) -> str | None:
        """One line for every answer while the index is served degraded (None: served whole)."""
        if not self.problems:
            return None
        layout = self.generation.layout
        lost = layout.rows - sum(len(s) for s in self.generation.segments)
        files = ", ".join(dict.fromkeys(p.file for p in self.problems))
        return (f"the index is damaged ({files}): {lost} of {layout.rows} passages cannot be searched, "
                "answers come from the rest")


def dense_problem(folder: Path, info: SegmentInfo, dimension: int) -> tuple[object | None, Problem | None]:
    """The segment's FAISS index, memory-mapped, or the problem with its file."""
    name = vectors_file(folder, info.number).name
    what = f"the vectors of {info.rows} passages"
    if not vectors_file(folder, info.number).is_file():
        return None, Problem(name, f"{name} ({what}) is missing", REEMBED_HINT)
    faiss = faiss_module()
    try:
        dense = faiss.read_index(str(vectors_file(folder, info.number)), read_flags(info.kind))
    except (RuntimeError, OSError, ValueError) as exc:
        return None, Problem(name, f"{name} ({what}) cannot be read: damaged or cut short", REEMBED_HINT,
                             detail=str(exc))
    if dense.ntotal != info.rows:
        return None, Problem(name, f"{name} holds {dense.ntotal} vectors where the index expects {info.rows}",
                             REEMBED_HINT)
    if dense.d != dimension:
        return None, Problem(name, f"{name} holds vectors of dimension {dense.d}, but the index's model makes "
                                   f"{dimension}", REEMBED_HINT)
    return dense, None


def lexical_problem(folder: Path, info: SegmentInfo, *, dictionary: bool,
                    deep: bool = False) -> tuple[LexicalIndex | None, Problem | None]:
    """The segment's BM25 rows, memory-mapped, or the problem with its folder (``deep``: the
    query dictionary is read too, which readers leave to their first question)."""
    name = lexical_dir(folder, info.number).name
    what = f"the word index of {info.rows} passages"
    if not lexical_dir(folder, info.number).is_dir():
        return None, Problem(name, f"{name} ({what}) is missing", REPAIR_HINT)
    try:
        lexical = LexicalIndex.load(lexical_dir(folder, info.number), dictionary=dictionary, extra=(SPEECHES,))
        rows = {len(lexical), len(lexical.extra[SPEECHES])}
        if deep and dictionary:
            lexical.dictionary()
    except (OSError, ValueError, RuntimeError, KeyError, UnicodeDecodeError, IndexCorruptError) as exc:
        return None, Problem(name, f"{name} ({what}) cannot be read: a file in it is damaged or missing",
                             REPAIR_HINT, detail=str(exc))
    if rows != {info.rows}:
        return None, Problem(name, f"{name} holds {min(rows)} rows where the index expects {info.rows}",
                             REPAIR_HINT)
    return lexical, None


def check_segment(folder: Path, info: SegmentInfo, *, dictionary: bool, dimension: int,
                  deep: bool = False) -> tuple[Segment | None, tuple[Problem, ...]]:
    """The loaded segment, or None and every problem of its two parts."""
    dense, dense_issue = dense_problem(folder, info, dimension)
    lexical, lexical_issue = lexical_problem(folder, info, dictionary=dictionary, deep=deep)
    problems = tuple(p for p in (dense_issue, lexical_issue) if p is not None)
    if problems or dense is None or lexical is None:
        return None, problems
    return Segment(info.number, info.kind, dense, lexical), ()


def load_generation(conn: sqlite3.Connection, folder: Path, *, strict: bool) -> Loaded:
    """The committed generation; damaged segments are skipped (``strict``: IndexCorruptError instead)."""
    for _attempt in range(_LOAD_ATTEMPTS):
        committed, dead = _committed(conn, folder)
        if committed is None:
            return Loaded(Generation(None))
        manifest, layout = committed
        segments: list[Segment] = []
        problems: list[Problem] = []
        for info in layout.segments:
            segment, issues = check_segment(folder, info, dictionary=info.number == layout.dictionary,
                                            dimension=manifest.dimension)
            problems += issues
            if segment is not None:
                segments.append(segment)
        if problems and _committed(conn, folder)[0] != committed:
            continue  # a writer switched generations under us: read the new one
        if problems and (strict or not segments):
            raise _damaged(folder, problems, nothing_left=not segments)
        kept = _held(segments, dead) if problems else dead
        return Loaded(Generation(manifest, layout, tuple(segments), kept), tuple(problems))
    raise corrupt(folder, "generation kept changing while loading")


def _committed(conn: sqlite3.Connection, folder: Path) -> tuple[tuple[Manifest, Layout] | None, frozenset[int]]:
    """The manifest and layout SQLite names, and the tombstones, read in one transaction."""
    try:
        conn.execute("BEGIN")
        committed = read_manifest(conn, folder)
        dead = frozenset(r[0] for r in conn.execute("SELECT chunk_id FROM tombstones")) if committed else frozenset()
        conn.execute("COMMIT")
    except (sqlite3.DatabaseError, KeyError, TypeError, ValueError) as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise corrupt(folder, f"cannot read {DB_FILE}: {exc}") from None
    return committed, dead


def _held(segments: list[Segment], dead: frozenset[int]) -> frozenset[int]:
    """The tombstones of rows the loaded segments hold (a skipped segment's would be counted twice)."""
    if not segments or not dead:
        return frozenset()
    ids = np.concatenate([np.asarray(s.ids) for s in segments])
    gone = np.fromiter(dead, np.int64, len(dead))
    return frozenset(int(i) for i in gone[np.isin(gone, ids)])


def _damaged(folder: Path, problems: list[Problem], *, nothing_left: bool) -> IndexCorruptError:
    what = "; ".join(p.what for p in problems[:3]) + ("; …" if len(problems) > 3 else "")
    if nothing_left:
        what += "; no passage can be searched"
    return corrupt(folder, what)


__all__ = ["Loaded", "check_segment", "dense_problem", "lexical_problem", "load_generation"]
