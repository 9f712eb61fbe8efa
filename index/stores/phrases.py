"""The local store's phrase index: every occurrence of a phrase, found through SQLite FTS5 trigrams.

Tracing a formulation (提法) counts its occurrences in whole speech texts: chunks overlap, so
counting in chunks would count twice, and scanning every speech in Python per query does not
scale. So each speech is stored once more, *folded* for matching and cut into segments:

* Folding: :func:`index.normalize.normalize_same_length` (NFKC, traditional→simplified,
  lower case, one character for one) and every whitespace character removed, so a phrase
  broken by a line break or typed in the other script still matches. The removed positions
  (``gaps``) are kept, so a match maps back to exact offsets in the cleaned speech text.
* Segments: the speech is partitioned at its chunks' start offsets, one segment per chunk
  (its ``rowid`` is the chunk id: deletes are by chunk id, and an occurrence is cited with
  that chunk's section path). A segment's text runs ``MAX_PHRASE - 1`` folded characters
  past its own end, so a phrase crossing into the next segment is still found whole; it is
  counted only in the segment it starts in (``own`` = folded length of the segment proper).
* Candidates come from an FTS5 ``trigram`` table (a quoted phrase of >= 3 characters is a
  substring query on the index); Python then finds the exact positions in those segments
  only. Phrases of 1–2 folded characters have no trigram: they scan the folded text in
  SQLite (``instr``), which is correct but linear in the collection.

The writer calls :func:`ensure`, :func:`clear`, :func:`drop` and :func:`add_speech` inside its
own transaction, so the phrase index commits (or rolls back) with the rest of a generation.
"""

from __future__ import annotations

import re
import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from index.errors import SpeechQAError
from index.normalize import normalize_same_length
from index.types import PhraseOccurrence

TABLE = "phrase_segments"
#: Longest phrase (folded, without whitespace) found across a segment boundary. 提法 run to
#: about 20 characters ("全面建成小康社会", "中国特色社会主义市场经济体制"); 64 leaves room for a
#: whole clause while adding only ~15% to the index (segments are chunks, ~400 characters).
MAX_PHRASE = 64
SCHEMA = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
          "text, speech_id UNINDEXED, start UNINDEXED, own UNINDEXED, gaps UNINDEXED, "
          "tokenize = 'trigram case_sensitive 1')")

DATES_INDEX = "CREATE INDEX IF NOT EXISTS speeches_date ON speeches(date)"
#: The date of every speech (answered from :data:`DATES_INDEX` alone).
SPEECH_DATES = "SELECT id, date FROM speeches"

#: Runs one SQL query and returns its rows (the read side's locked connection).
Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
#: (rowid, speech_id, start, own, gaps, text): one stored segment.
SegmentRow = tuple[int, int, int, int, str, str]

_SPACE = re.compile(r"\s")


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` folded for matching without its whitespace, and the offsets of the removed characters."""
    same = normalize_same_length(text)
    gaps = [m.start() for m in _SPACE.finditer(same)]
    return (_SPACE.sub("", same) if gaps else same), gaps


def fold_phrase(phrase: str) -> str:
    """A phrase as it is looked up; SpeechQAError when it is empty or too long to find whole."""
    folded, _gaps = fold(phrase)
    if not folded:
        raise SpeechQAError("the phrase to trace is empty")
    if len(folded) > MAX_PHRASE:
        raise SpeechQAError(f"the phrase {phrase[:20]!r}… is {len(folded)} characters long; phrases are "
                            f"traced up to {MAX_PHRASE} characters")
    return folded


def segments(speech_id: int, text: str, chunks: Sequence[tuple[int, int]]) -> list[SegmentRow]:
    """The rows storing one speech: ``chunks`` are its (chunk id, start offset) pairs in text order."""
    folded, gaps = fold(text)
    bounds = [0, *(start for _cid, start in chunks[1:]), len(text)]
    folded_at = [b - bisect_left(gaps, b) for b in bounds]  # original offset -> folded offset
    rows: list[SegmentRow] = []
    for n, (chunk_id, _start) in enumerate(chunks):
        lo, hi = folded_at[n], folded_at[n + 1]
        covered = min(len(folded), hi + MAX_PHRASE - 1)
        a = bounds[n]
        end = _kept_offset(covered, gaps) if covered < len(folded) else len(text)  # just past the covered text
        local = ",".join(str(g - a) for g in gaps[bisect_left(gaps, a):bisect_left(gaps, end)])
        rows.append((chunk_id, speech_id, a, hi - lo, local, folded[lo:covered]))
    return rows


def _kept_offset(k: int, gaps: Sequence[int]) -> int:
    """Original offset of folded character ``k``: the least ``o = k + (gaps <= o)`` (a fixed point)."""
    o = k
    while (nxt := k + bisect_right(gaps, o)) != o:
        o = nxt
    return o


def to_original(k: int, gaps: Sequence[int]) -> int:
    """Offset (relative to the segment start) of folded character ``k``: skip the removed characters."""
    for g in gaps:
        if g <= k:
            k += 1
        else:
            break
    return k


def occurrences_in(rows: Iterable[SegmentRow], phrase: str, allowed: set[int] | None) -> list[PhraseOccurrence]:
    """Every start of the folded ``phrase`` in ``rows`` proper (overlapping starts count), mapped back.

    ``rows`` come in rowid (= chunk id) order, which is speech then text order: chunk and speech
    ids both grow as a write inserts a speech's chunks in text order, so no sort is needed.
    """
    found: list[PhraseOccurrence] = []
    for rowid, speech_id, start, own, gaps_text, text in rows:
        if allowed is not None and rowid not in allowed:
            continue
        pos = text.find(phrase)
        if pos < 0 or pos >= own:
            continue
        gaps = [int(g) for g in gaps_text.split(",")] if gaps_text else []
        while 0 <= pos < own:
            first = to_original(pos, gaps)
            last = to_original(pos + len(phrase) - 1, gaps)
            found.append(PhraseOccurrence(rowid, speech_id, start + first, start + last + 1))
            pos = text.find(phrase, pos + 1)
    return found


# ----------------------------------------------------------------- reading
def has_table(query: Query) -> bool:
    return bool(query("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)))


def find(query: Query, phrase: str, allowed: set[int] | None) -> list[PhraseOccurrence]:
    """Occurrences of ``phrase`` (folded by :func:`fold_phrase`) in the chunks ``allowed`` (None: all).

    An index written before the phrase table existed is searched by folding every speech
    here, the same way the writer would (correct, but linear: the next write adds the table).
    """
    if not has_table(query):
        return occurrences_in(_fold_all(query), phrase, allowed)
    select = f"SELECT rowid, speech_id, start, own, gaps, text FROM {TABLE}"
    if len(phrase) >= 3:
        rows = query(f"{select} WHERE text MATCH ? ORDER BY rowid", ('"' + phrase.replace('"', '""') + '"',))
    else:  # no trigram in the phrase: a scan, in SQLite's C code
        rows = query(f"{select} WHERE instr(text, ?) > 0 ORDER BY rowid", (phrase,))
    return occurrences_in(rows, phrase, allowed)


def _speech_rows(query: Query) -> Iterable[tuple[int, str, list[tuple[int, int]]]]:
    """(speech id, text, its chunks' (id, start)) for every stored speech, in id order."""
    chunks: dict[int, list[tuple[int, int]]] = {}
    for cid, sid, start in query("SELECT id, speech_id, start FROM chunks ORDER BY id", ()):
        chunks.setdefault(sid, []).append((cid, start))
    for sid, text in query("SELECT id, speech_text(text) FROM speeches ORDER BY id", ()):
        if sid in chunks:
            yield sid, text, chunks[sid]


def _fold_all(query: Query) -> Iterable[SegmentRow]:
    for sid, text, chunks in _speech_rows(query):
        yield from segments(sid, text, chunks)


# ----------------------------------------------------------------- writing
def ensure(conn: sqlite3.Connection) -> None:
    """Create the table inside the writer's transaction; fill it for an index written before it.

    Also an index on the speeches' dates: a trace reads every speech's date (the timeline's
    axis), and without it that read walks the speech texts' pages (~100–300 ms at 1M passages
    against ~25 ms, scripts/bench_trace.py).
    """
    conn.execute(DATES_INDEX)
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone()
    if exists:
        return
    conn.execute(SCHEMA)

    def query(sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        return conn.execute(sql, tuple(args)).fetchall()

    for sid, text, chunks in list(_speech_rows(query)):
        add_speech(conn, sid, text, chunks)


def add_speech(conn: sqlite3.Connection, speech_id: int, text: str, chunks: Sequence[tuple[int, int]]) -> None:
    """Store one speech's segments (``chunks``: its (chunk id, start) pairs in text order)."""
    conn.executemany(f"INSERT INTO {TABLE} (rowid, speech_id, start, own, gaps, text) VALUES (?, ?, ?, ?, ?, ?)",
                     segments(speech_id, text, chunks))


def drop(conn: sqlite3.Connection, chunk_ids: Sequence[int]) -> None:
    """Delete the segments of removed chunks."""
    for n in range(0, len(chunk_ids), 500):
        part = chunk_ids[n:n + 500]
        conn.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({','.join('?' * len(part))})", tuple(part))


def clear(conn: sqlite3.Connection) -> None:
    conn.execute(f"DELETE FROM {TABLE}")


__all__ = ["MAX_PHRASE", "add_speech", "clear", "drop", "ensure", "find", "fold", "fold_phrase", "segments"]
