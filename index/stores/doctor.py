"""``doctor``: check every file of a local index and say what is wrong, in the user's words.

:func:`check` reads, in order: the SQLite database (``PRAGMA integrity_check``, or the faster
``quick_check`` for ``status``), the manifest and the segment layout it names, every segment's
two parts (:mod:`index.stores.health`: the FAISS file loads, its row count is the layout's and
its dimension the manifest's; the BM25 folder loads with as many rows), that the segments'
chunk ids are SQLite's chunks minus tombstones, and files no generation names (leftovers of an
interrupted write). Each problem is a :class:`~index.types.Problem`: the file, what is wrong,
what a repair does about it (:mod:`index.stores.repair`), and the library's message apart, for
``--verbose`` only. It never raises for a damaged index: what SQLite can still tell (documents,
speeches, chunks, model, dates, paths) comes back in :attr:`Checkup.status`.

Files of the previous generation (kept one write longer for readers that loaded them, see
:mod:`index.stores.local_write`) are not problems: SQLite does not record the previous layout,
so they are told apart from leftovers by their number (below the layout's next number).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexCorruptError, IndexOutdatedError
from index.stores.health import check_segment
from index.stores.local_schema import DB_FILE, Layout, connect, read_manifest
from index.stores.segments import Segment
from index.stores.speech_zip import damaged_rows
from index.types import Checkup, IndexStatus, Manifest, Problem

REBUILD = ""  # a Problem's fix when only a build from the original files helps
_SQLITE_WHAT = (f"{DB_FILE} (the database) is damaged: it holds the texts every other file is made from, "
                "so it cannot be repaired from them; build the index again from the original files")


def check(folder: Path, *, thorough: bool = True, locked: bool = False) -> Checkup:
    """Every problem of the index at ``folder`` (``thorough``: a full integrity check of SQLite;
    ``locked``: the caller holds the writer lock, so no write is in progress)."""
    db = folder / DB_FILE
    if not db.is_file():
        return Checkup(str(folder), ())
    try:
        conn = connect(db, create=False)
    except IndexCorruptError as exc:
        return Checkup(str(folder), (Problem(DB_FILE, _SQLITE_WHAT, REBUILD, detail=str(exc)),),
                       IndexStatus(str(folder), exists=True, readable=False))
    try:
        return _check(folder, conn, thorough, locked)
    finally:
        conn.close()


def _check(folder: Path, conn: sqlite3.Connection, thorough: bool, locked: bool) -> Checkup:
    problems = list(_integrity(conn, thorough))
    facts = _facts(folder, conn)
    try:
        committed = read_manifest(conn, folder)
    except IndexOutdatedError:
        return Checkup(str(folder), tuple(problems), facts)  # sound, upgraded in place by the next write
    except (sqlite3.DatabaseError, IndexCorruptError, KeyError, TypeError, ValueError) as exc:
        problems.append(Problem(DB_FILE, "the list of the index's files in the database cannot be read; "
                                         "build the index again from the original files", REBUILD, detail=str(exc)))
        return Checkup(str(folder), tuple(_unique(problems)), facts)
    if committed is None:
        return Checkup(str(folder), tuple(problems), facts)
    manifest, layout = committed
    problems += _manifest_problems(manifest)
    segments: list[Segment] = []
    for info in layout.segments:
        segment, issues = check_segment(folder, info, dictionary=info.number == layout.dictionary,
                                        dimension=manifest.dimension, deep=True)
        problems += issues
        segments += [segment] if segment is not None else []
    if not any(p.file == DB_FILE for p in problems):
        problems += _id_problems(conn, segments, broken=len(segments) < len(layout.segments))
        problems += _text_problems(conn)
    if locked or not writing(folder):  # a writer's new files are not leftovers until it is gone
        problems += [Problem(p.name, f"{p.name} is left over from an interrupted write (no index state uses it)",
                             "deleted", damage=False) for p in leftovers(folder, layout)]
    return Checkup(str(folder), tuple(_unique(problems)), facts)


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _integrity(conn: sqlite3.Connection, thorough: bool) -> list[Problem]:
    """SQLite's own check of its pages and indexes (one problem naming the first few findings)."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check" if thorough else "PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return [Problem(DB_FILE, _SQLITE_WHAT, REBUILD, detail=str(exc))]
    if rows == ["ok"]:
        return []
    return [Problem(DB_FILE, _SQLITE_WHAT, REBUILD, detail="; ".join(rows[:5]))]


def _manifest_problems(manifest: Manifest) -> list[Problem]:
    if manifest.dimension > 0 and manifest.model:
        return []
    return [Problem(DB_FILE, f"the index's record of its model is damaged (model {manifest.model!r}, dimension "
                             f"{manifest.dimension}); build the index again from the original files", REBUILD)]


def _id_problems(conn: sqlite3.Connection, segments: Sequence[Segment], *, broken: bool) -> list[Problem]:
    """Chunks of SQLite that no segment serves, and segment rows of chunks SQLite lost (not removed)."""
    try:
        stored = np.fromiter((r[0] for r in conn.execute("SELECT id FROM chunks")), np.int64)
        dead = np.fromiter((r[0] for r in conn.execute("SELECT chunk_id FROM tombstones")), np.int64)
    except sqlite3.DatabaseError as exc:
        return [Problem(DB_FILE, _SQLITE_WHAT, REBUILD, detail=str(exc))]
    served = np.concatenate([np.asarray(s.ids) for s in segments]) if segments else np.zeros(0, np.int64)
    problems = []
    unserved = int(np.count_nonzero(~np.isin(stored, served)))
    if unserved and not broken:  # a damaged segment's rows are counted in its own problem
        problems.append(Problem(DB_FILE, f"{unserved} passages of the database are in no vector or word index "
                                         "file (searches cannot find them)", "re-embedded from their stored texts"))
    stray = int(np.count_nonzero(~np.isin(served, stored) & ~np.isin(served, dead)))
    if stray:
        problems.append(Problem(DB_FILE, f"{stray} rows of the index files belong to passages the database no longer "
                                         "holds (searches skip them)", "marked as removed"))
    return problems


def _text_problems(conn: sqlite3.Connection) -> list[Problem]:
    """Speech texts stored compressed that no longer decompress (SQLite's page checks cannot see
    inside a BLOB); their passages cannot be read back, and only a build restores the texts."""
    try:
        bad = damaged_rows(conn)
    except sqlite3.DatabaseError as exc:
        return [Problem(DB_FILE, _SQLITE_WHAT, REBUILD, detail=str(exc))]
    if not bad:
        return []
    speeches = f"{len(bad)} speech{'es' if len(bad) > 1 else ''}"
    return [Problem(DB_FILE, f"{DB_FILE} (the database) is damaged: the stored text of {speeches} cannot be "
                             "decompressed, so their passages cannot be shown; build the index again from the "
                             "original files", REBUILD, detail="speech ids " + ", ".join(map(str, bad[:10])))]


def leftovers(folder: Path, layout: Layout) -> list[Path]:
    """Segment files no generation uses: temporaries, and numbers the layout has not given out yet."""
    live = {s.number for s in layout.segments}
    found = []
    for entry in sorted(folder.iterdir()):
        parts = entry.name.split(".")
        if parts[0] not in ("vectors", "lexical") or len(parts) < 2:
            continue
        number = int(parts[1]) if parts[1].isdigit() else None
        if entry.name.endswith(".tmp") or number is None or (number not in live and number >= layout.next_number):
            found.append(entry)
    return found


def writing(folder: Path) -> bool:
    """True while a writer holds the index's lock (its files in the making are not leftovers)."""
    try:
        import fcntl

        with open(folder / ".write.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except (ImportError, OSError):  # no flock, or a read-only folder: no writer can be at work either
        return False
    return False


def _facts(folder: Path, conn: sqlite3.Connection) -> IndexStatus:
    """What SQLite still tells, each part read on its own (a damaged table leaves the rest readable)."""
    def one(sql: str, default: Any, shape: Callable[[list[tuple[Any, ...]]], Any]) -> Any:
        try:
            return shape(conn.execute(sql).fetchall())
        except (sqlite3.DatabaseError, ValueError):
            return default

    manifest: Manifest | None = one("SELECT 1", None, lambda _rows: _manifest_of(conn, folder))
    counts = [one(f"SELECT count(*) FROM {table}", None, lambda r: r[0][0])
              for table in ("documents", "speeches", "chunks")]
    return IndexStatus(
        path=str(folder), exists=True, readable=None not in counts,
        documents=counts[0] or 0, speeches=counts[1] or 0, chunks=counts[2] or 0,
        model=manifest.model if manifest else None, dimension=manifest.dimension if manifest else None,
        chunker_version=manifest.chunker_version if manifest else None,
        created=manifest.created if manifest else None, updated=manifest.updated if manifest else None,
        doc_paths=one("SELECT path FROM documents ORDER BY path", [], lambda r: [p for (p,) in r]))


def _manifest_of(conn: sqlite3.Connection, folder: Path) -> Manifest | None:
    try:
        committed = read_manifest(conn, folder)
    except (IndexCorruptError, IndexOutdatedError, KeyError, TypeError):
        return None
    return committed[0] if committed else None


__all__ = ["check", "leftovers", "writing"]
