"""Upgrade an index written by schema 1, 2 or 3 to schema 4 in place, without re-embedding.

Readers refuse an old index with a one-line message (``IndexOutdatedError``); the writer calls
:func:`upgrade` when it opens one, so any ``qa index add``/``sync``/``build`` upgrades it. The
old vectors (one ``IndexIDMap2`` file) and the BM25 tokens the old schema stored per chunk
become one segment; speeches and chunks are copied into the new tables with their ids, the
normalized filter columns and embed keys filled in. It is one SQLite transaction whose commit
is the switch-over, as for any write: killed half-way, the old index is still there.

Schema 3 differs from 4 in its phrase index and in how speech texts are stored: the upgrade
compresses the texts (:func:`index.stores.speech_zip.compress_rows`), drops the old phrase
table and builds the new one from the speeches (:func:`index.stores.phrases.ensure`), in one
transaction, then gives the freed pages back to the disk.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from index.document import embed_text
from index.filters import section_key, speech_keys
from index.lexical import LexicalIndex
from index.stores import phrases
from index.stores.local_schema import (
    SCHEMA,
    Layout,
    corrupt,
    faiss_module,
    faiss_threads,
    manifest_schema,
    record_layout,
)
from index.stores.segments import SPEECHES, Segment, dense_index
from index.stores.speech_meta import add_speech_meta_columns
from index.stores.speech_zip import compress_rows, pack, unpack

_SPEECH_COLUMNS = ("id, doc_id, ordinal, title, date, text, title_derived, source_name, date_source, subtitle, "
                   "venue, norm_title, norm_name")
_CHUNK_COLUMNS = 'id, speech_id, ordinal, section, text, start, "end", embed_text, embed_key, norm_section, pages'


def upgrade(conn: sqlite3.Connection, path: Path) -> None:
    """Rewrite the schema-1/2/3 index at ``path`` as schema 4 (the caller holds the writer lock)."""
    if manifest_schema(conn) == 3:
        _upgrade_phrases(conn)
    else:
        _upgrade_segments(conn, path)


def _upgrade_phrases(conn: sqlite3.Connection) -> None:
    """Schema 3 → 4: replace the phrase table; the manifest and layout stay as they are."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"DROP TABLE IF EXISTS {phrases.OLD_TABLE}")
        phrases.ensure(conn)  # before compressing: it reads every text, plain ones without decompressing
        compress_rows(conn)  # schema 3 stored speech texts plain
        rows = dict(conn.execute("SELECT key, value FROM manifest").fetchall())
        record_layout(conn, json.loads(rows["manifest"]), Layout.from_json(rows["segments"]))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    _reclaim(conn)


def _reclaim(conn: sqlite3.Connection) -> None:
    """Give the old phrase table's pages back to the file system.

    Dropping it frees ~55% of the database file (100k passages: 223 of 416 MB), which SQLite
    would otherwise keep as free pages for later writes. VACUUM rewrites the database (it needs
    free disk of about the database's size); interrupted, it leaves the upgraded database as it
    was. The WAL it filled is truncated after.
    """
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _upgrade_segments(conn: sqlite3.Connection, path: Path) -> None:
    """Schema 1/2 → 4: one segment of the old vectors and tokens (the writer adds the phrase table)."""
    from index.stores.local_write import embed_key, remove_files, segment_files

    data = json.loads(conn.execute("SELECT value FROM manifest WHERE key = 'manifest'").fetchone()[0])
    data.pop("schema", None)
    old_generation = int(data.get("generation", 0))
    try:
        old = faiss_module().read_index(str(path / f"vectors.{old_generation}.faiss"))
    except (OSError, RuntimeError) as exc:
        raise corrupt(path, f"cannot upgrade: {exc}") from None
    number = old_generation + 1
    conn.execute("PRAGMA foreign_keys = OFF")  # tables are rebuilt under their children
    conn.execute("BEGIN IMMEDIATE")
    try:
        add_speech_meta_columns(conn)
        for statement in ("DROP INDEX IF EXISTS speeches_doc", "DROP INDEX IF EXISTS chunks_speech",
                          "ALTER TABLE speeches RENAME TO speeches_old", "ALTER TABLE chunks RENAME TO chunks_old",
                          *SCHEMA.split(";")):
            if statement.strip():
                conn.execute(statement)
        speeches = _copy_speeches(conn)
        old_columns = {row[1] for row in conn.execute("PRAGMA table_info(chunks_old)")}
        pages = "pages" if "pages" in old_columns else "'[]'"  # kept since PDFs were read
        rows = conn.execute(f'SELECT id, speech_id, ordinal, section, text, start, "end", embed_text, tokens, {pages} '
                            "FROM chunks_old ORDER BY id").fetchall()
        conn.executemany(f"INSERT INTO chunks ({_CHUNK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [_chunk_values(r, speeches[r[1]], embed_key) for r in rows])
        conn.execute("DROP TABLE chunks_old")
        conn.execute("DROP TABLE speeches_old")
        conn.execute(f"DROP TABLE IF EXISTS {phrases.OLD_TABLE}")
        segment = _segment(number, old, rows, int(data["dimension"]))
        segment.save(path)
        layout = Layout((segment.info,), number + 1, number)
        record_layout(conn, {**data, "generation": number}, layout)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        remove_files(segment_files(path, number))
        raise
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _copy_speeches(conn: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """Copy speeches with their normalized filter columns; return id → (title, text)."""
    rows = conn.execute("SELECT s.id, s.doc_id, s.ordinal, s.title, s.date, s.text, s.title_derived, s.source_name, "
                        "s.date_source, s.subtitle, s.venue, d.path FROM speeches_old s "
                        "JOIN documents d ON d.id = s.doc_id").fetchall()
    conn.executemany(f"INSERT INTO speeches ({_SPEECH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(*r[:5], pack(r[5]), *r[6:11], *speech_keys(r[3], r[11])) for r in rows])
    return {r[0]: (r[3], unpack(r[5])) for r in rows}


def _chunk_values(row: tuple[Any, ...], speech: tuple[str, str], key: Any) -> tuple[Any, ...]:
    cid, sid, ordinal, section_json, text, start, end, embedded, _tokens, pages = row
    title, speech_text = speech
    section = tuple(json.loads(section_json))
    stored_text = None if speech_text[start:end] == text else text
    stored_embed = None if embed_text(title, section, text) == embedded else embedded
    return (cid, sid, ordinal, section_json, stored_text, start, end, stored_embed, key(embedded), section_key(section),
            pages)


def _segment(number: int, old: Any, rows: list[tuple[Any, ...]], dimension: int) -> Segment:
    """The old vectors and stored tokens as one segment carrying the query dictionary."""
    ids = np.asarray([r[0] for r in rows], np.int64)
    vectors = np.asarray(old.reconstruct_batch(ids), np.float32).reshape(len(ids), dimension) if len(ids) \
        else np.zeros((0, dimension), np.float32)
    lexical = LexicalIndex.build(ids.tolist(), [r[8].split() for r in rows])
    lexical.extra[SPEECHES] = np.asarray([r[1] for r in rows], np.int64)
    with faiss_threads():
        kind, dense = dense_index(vectors, None)
    return Segment(number, kind, dense, lexical)
