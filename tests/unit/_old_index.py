"""An index as schema 1 or 2 wrote it (one IndexIDMap2 file, BM25 tokens per chunk), to test the upgrade."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import faiss
import numpy as np
from _index_fakes import manifest

from index.lexical import tokenize
from index.types import DocumentRecord

#: The tables schemas 1 and 2 created (schema 2 added the speech columns with ALTER TABLE).
OLD_SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
    mtime REAL NOT NULL, encoding TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE speeches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, title TEXT NOT NULL, date TEXT, text TEXT NOT NULL);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    speech_id INTEGER NOT NULL REFERENCES speeches(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, embed_text TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX speeches_doc ON speeches(doc_id);
CREATE INDEX chunks_speech ON chunks(speech_id);
"""
_META = ("title_derived INTEGER NOT NULL DEFAULT 0", "source_name TEXT", "date_source TEXT", "subtitle TEXT",
         "venue TEXT")


def write_old_index(path: Path, records: Sequence[DocumentRecord], schema: int = 2, *, pages: bool = False) -> None:
    """``records`` stored as generation 1 of a schema-``schema`` index (vectors.1.faiss, no segments);
    ``pages``: with the page column late schema-2 indexes gained (PDF page numbers)."""
    path.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path / "index.sqlite")
    conn.executescript(OLD_SCHEMA)
    if schema >= 2:
        for column in _META:
            conn.execute(f"ALTER TABLE speeches ADD COLUMN {column}")
    if pages:
        conn.execute("ALTER TABLE chunks ADD COLUMN pages TEXT NOT NULL DEFAULT '[]'")
    vectors = faiss.IndexIDMap2(faiss.IndexFlatIP(manifest().dimension))
    for doc in records:
        doc_id = conn.execute("INSERT INTO documents (path, sha256, mtime, encoding, added, updated) "
                              "VALUES (?, ?, 0, 'utf-8', 'then', 'then')", (doc.path, doc.sha256)).lastrowid
        row = 0
        for s_ord, speech in enumerate(doc.speeches):
            sid = conn.execute("INSERT INTO speeches (doc_id, ordinal, title, date, text) VALUES (?, ?, ?, ?, ?)",
                               (doc_id, s_ord, speech.title, speech.date, speech.text)).lastrowid
            for c_ord, chunk in enumerate(speech.chunks):
                cid = conn.execute(
                    'INSERT INTO chunks (speech_id, ordinal, section, text, start, "end", embed_text, tokens) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (sid, c_ord, json.dumps(list(chunk.section), ensure_ascii=False), chunk.text, chunk.start,
                     chunk.end, chunk.embed_text, " ".join(tokenize(chunk.embed_text)))).lastrowid
                if pages:
                    conn.execute("UPDATE chunks SET pages = ? WHERE id = ?", (json.dumps(list(chunk.pages)), cid))
                vectors.add_with_ids(doc.vectors[row : row + 1], np.asarray([cid], np.int64))
                row += 1
    faiss.write_index(vectors, str(path / "vectors.1.faiss"))
    (path / "lexical.1").mkdir()  # its BM25 files are not needed: the upgrade re-reads the tokens
    value = {**asdict(manifest()), "generation": 1, "created": "then", "updated": "then", "schema": schema}
    conn.execute("INSERT INTO manifest (key, value) VALUES ('manifest', ?)", (json.dumps(value),))
    conn.commit()
    conn.close()
