"""Where a speech's title and date came from, as SQLite columns that older indexes lack.

Schema 2 adds ``title_derived``, ``source_name``, ``date_source``, ``subtitle`` and ``venue``
to ``speeches``. An index written by schema 1 stays readable: a reader selects NULLs in
place of the missing columns (it never changes the file), and the next writer adds the
columns with ``ALTER TABLE … ADD COLUMN`` (cheap: existing rows are not rewritten). Old
speeches then read as not derived and of unknown date source until their file is re-read.
"""

from __future__ import annotations

import sqlite3

from index.types import SpeechRecord

#: Column → its SQL type, in insert order.
SPEECH_META_COLUMNS = {
    "title_derived": "INTEGER NOT NULL DEFAULT 0",
    "source_name": "TEXT",
    "date_source": "TEXT",
    "subtitle": "TEXT",
    "venue": "TEXT",
}


def has_speech_meta(conn: sqlite3.Connection) -> bool:
    """True when ``speeches`` has every column of :data:`SPEECH_META_COLUMNS`."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(speeches)")}
    return set(SPEECH_META_COLUMNS) <= present


def add_speech_meta_columns(conn: sqlite3.Connection) -> None:
    """Add the missing columns (writer only, under the write lock)."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(speeches)")}
    for name, kind in SPEECH_META_COLUMNS.items():
        if name not in present:
            conn.execute(f"ALTER TABLE speeches ADD COLUMN {name} {kind}")


def speech_meta_select(present: bool, alias: str = "s") -> str:
    """``title_derived, source_name, date_source`` of a row, or their defaults on an old index."""
    if present:
        return f"{alias}.title_derived, {alias}.source_name, {alias}.date_source"
    return "0, NULL, NULL"


def speech_meta_values(speech: SpeechRecord) -> tuple[int, str, str | None, str | None, str | None]:
    """The values to insert, in the order of :data:`SPEECH_META_COLUMNS`."""
    return (int(speech.title_derived), speech.source_name, speech.date_source, speech.subtitle, speech.venue)
