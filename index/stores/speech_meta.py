"""Where a speech's title and date came from: the columns schema 2 added to ``speeches``.

Schema 2 added ``title_derived``, ``source_name``, ``date_source``, ``subtitle`` and ``venue``.
Schema 3 creates them with the table; :mod:`index.stores.migrate` adds them to a schema-1
index (``ALTER TABLE … ADD COLUMN``, existing rows read as not derived, date source unknown)
before copying its speeches into the schema-3 table.
"""

from __future__ import annotations

import sqlite3

#: Column → its SQL type, in insert order.
SPEECH_META_COLUMNS = {
    "title_derived": "INTEGER NOT NULL DEFAULT 0",
    "source_name": "TEXT",
    "date_source": "TEXT",
    "subtitle": "TEXT",
    "venue": "TEXT",
}


def add_speech_meta_columns(conn: sqlite3.Connection) -> None:
    """Add the missing columns (writer only, under the write lock)."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(speeches)")}
    for name, kind in SPEECH_META_COLUMNS.items():
        if name not in present:
            conn.execute(f"ALTER TABLE speeches ADD COLUMN {name} {kind}")
