"""The local store's phrase index: every occurrence of a phrase, found through SQLite FTS5 trigrams.

Tracing a formulation (提法) counts its occurrences in whole speech texts: chunks overlap, so
counting in chunks would count twice, and scanning every speech in Python per query does not
scale. So each speech is stored once more, *folded* for matching and cut into segments:

* Folding: :func:`index.normalize.normalize_same_length` (NFKC, traditional→simplified,
  lower case, one character for one) and every whitespace character removed, so a phrase
  broken by a line break or typed in the other script still matches. The removed positions
  (``gaps``) are kept, so a match maps back to exact offsets in the cleaned speech text.
* Segments: the speech is partitioned at its chunks' start offsets, one segment per chunk
  (its ``rowid`` is the chunk id: an occurrence is cited with that chunk's section path). A segment's text runs ``MAX_PHRASE - 1`` folded characters
  past its own end, so a phrase crossing into the next segment is still found whole; it is
  counted only in the segment it starts in (``own`` = folded length of the segment proper).
* Candidates come from a *contentless* FTS5 ``trigram`` table with ``detail=none`` (schema 4):
  it holds each segment's trigrams and nothing else (no copy of the text, no positions), a
  quarter of the size of the schema-3 table that stored the folded text and segment columns
  (scripts/bench_trace.py). A phrase of >= 3 characters selects the segments holding all its
  trigrams (an AND: ``detail=none`` answers no phrase query); one of 1–2 characters, the
  segments holding any trigram that *starts* with it (a term range of the ``fts5vocab``
  table). So that every character starts a trigram, segments that reach the end of their
  speech are indexed with :data:`END` appended.
* Python then reads each candidate speech once from ``speeches.text`` (:data:`SPEECH_TEXT`),
  rebuilds the candidate segments from it and the chunks table (``chunks.speech_id`` and
  ``start`` are all a segment needs besides the text, so no side table repeats them) and finds
  the exact positions: a candidate without a real occurrence is rejected there, so results
  never depend on FTS being exact.
* The table keeps no text, so a delete must hand FTS5 the exact text it indexed: the writer
  calls :func:`drop` *before* deleting the speeches, and it recomputes that text from them.

The writer calls :func:`ensure`, :func:`clear`, :func:`drop` and :func:`add_speech` inside its
own transaction, so the phrase index commits (or rolls back) with the rest of a generation.
"""

from __future__ import annotations

import re
import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import Any

from index.errors import SpeechQAError
from index.normalize import normalize_same_length
from index.types import PhraseOccurrence

TABLE = "phrase_grams"
#: The table's terms with the segments holding them (``doc`` = chunk id): short phrases' candidates.
TERMS = "phrase_terms"
#: Schema 3's table (folded text + segment columns); the upgrade to schema 4 drops it.
OLD_TABLE = "phrase_segments"
#: Appended to the indexed text of a segment reaching its speech's end, so that its last two
#: characters start a trigram too (U+FFFF is a noncharacter: no text means it).
END = "\uffff\uffff"
#: The one place this module reads a speech's text (alias ``s`` for ``speeches``).
SPEECH_TEXT = "speech_text(s.text)"
#: Longest phrase (folded, without whitespace) found across a segment boundary. 提法 run to
#: about 20 characters ("全面建成小康社会", "中国特色社会主义市场经济体制"); 64 leaves room for a
#: whole clause while adding only ~15% to the index (segments are chunks, ~400 characters).
MAX_PHRASE = 64
#: ``columnsize=0``: no per-row sizes (only BM25 ranking would read them).
SCHEMA = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(text, content='', detail=none, columnsize=0, "
          "tokenize = 'trigram case_sensitive 1')",
          f"CREATE VIRTUAL TABLE IF NOT EXISTS {TERMS} USING fts5vocab({TABLE}, 'instance')")

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
    return _segments(speech_id, text, *fold(text), chunks)


def _segments(speech_id: int, text: str, folded: str, gaps: list[int],
              chunks: Sequence[tuple[int, int]]) -> list[SegmentRow]:
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

    An index without the table (a schema-1/2 upgrade cut short before its first write) is
    searched by folding every speech here (correct, but linear: the next write adds the table).
    """
    if not has_table(query):
        speeches = [r[0] for r in query("SELECT id FROM speeches ORDER BY id", ())]
        return occurrences_in(speech_segments(query, speeches), phrase, allowed)
    chunks, args = candidate_chunks(phrase)
    wanted: dict[int, int] = dict(query(f"SELECT id, speech_id FROM chunks WHERE id IN ({chunks}) ORDER BY id", args))
    if allowed is not None:
        wanted = {cid: sid for cid, sid in wanted.items() if cid in allowed}
    rows = (row for sid, text, speech_chunks in speech_rows(query, sorted(set(wanted.values())))
            for row in candidate_segments(sid, text, speech_chunks, wanted))
    return occurrences_in(rows, phrase, allowed)


def candidate_chunks(phrase: str) -> tuple[str, tuple[str, ...]]:
    """SQL selecting the ids of the segments that may hold ``phrase`` (a superset), and its arguments."""
    if len(phrase) >= 3:
        grams = dict.fromkeys(phrase[i:i + 3] for i in range(len(phrase) - 2))
        return (f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ?",
                (" AND ".join('"' + g.replace('"', '""') + '"' for g in grams),))
    last = ord(phrase[-1]) + 1
    if last > 0x10FFFF:
        return f"SELECT doc FROM {TERMS} WHERE term >= ?", (phrase,)
    upper = phrase[:-1] + chr(0xE000 if 0xD800 <= last < 0xE000 else last)  # UTF-8 order = code point order
    return f"SELECT doc FROM {TERMS} WHERE term >= ? AND term < ?", (phrase, upper)


def candidate_segments(speech_id: int, text: str, chunks: Sequence[tuple[int, int]],
                       wanted: Container[int]) -> list[SegmentRow]:
    """The rows :func:`segments` makes for the chunks ``wanted`` of one speech, folding only their text.

    Folding is character by character, so a stretch of the speech folds as it does in the whole;
    a rare phrase's candidates are a few segments of long speeches, and folding whole speeches
    cost ~5x more (scripts/bench_trace.py). When more than half the speech is wanted, one fold
    of the whole speech is cheaper than the stretches and their overlaps.
    """
    picked = [n for n, (cid, _start) in enumerate(chunks) if cid in wanted]
    if 2 * len(picked) > len(chunks):
        return [row for row in segments(speech_id, text, chunks) if row[0] in wanted]
    rows = []
    for n in picked:
        a = chunks[n][1] if n else 0
        b = chunks[n + 1][1] if n + 1 < len(chunks) else len(text)
        reach = b + MAX_PHRASE
        while True:  # a stretch holding MAX_PHRASE - 1 folded characters past b, or the speech's end
            piece = text[a:reach]
            folded, gaps = fold(piece)
            if reach >= len(text) or len(folded) > (b - a) - bisect_left(gaps, b - a) + MAX_PHRASE - 1:
                break
            reach += 4 * MAX_PHRASE
        cut = [(chunks[n][0], 0)] if b == len(text) else [(chunks[n][0], 0), (-1, b - a)]
        rowid, sid, _zero, own, local, text_n = _segments(speech_id, piece, folded, gaps, cut)[0]
        rows.append((rowid, sid, a, own, local, text_n))
    return rows


def speech_segments(query: Query, speech_ids: Sequence[int]) -> Iterator[SegmentRow]:
    """The segments of ``speech_ids`` (ascending), each speech read and folded once."""
    for sid, text, chunks in speech_rows(query, speech_ids):
        yield from segments(sid, text, chunks)


def speech_rows(query: Query, speech_ids: Sequence[int],
                batch: int = 500) -> Iterator[tuple[int, str, list[tuple[int, int]]]]:
    """(speech id, text, its chunks' (id, start) in text order) of ``speech_ids`` that have chunks."""
    for n in range(0, len(speech_ids), batch):
        part = tuple(speech_ids[n:n + batch])
        marks = ",".join("?" * len(part))
        chunks: dict[int, list[tuple[int, int]]] = {}
        for cid, sid, start in query(f"SELECT id, speech_id, start FROM chunks WHERE speech_id IN ({marks}) "
                                     "ORDER BY id", part):
            chunks.setdefault(sid, []).append((cid, start))
        for sid, text in query(f"SELECT s.id, {SPEECH_TEXT} FROM speeches s WHERE s.id IN ({marks}) ORDER BY s.id",
                               part):
            if sid in chunks:
                yield sid, text, chunks[sid]


def indexed(rows: Iterable[SegmentRow], length: int) -> list[tuple[int, str]]:
    """(rowid, text) as the FTS table holds the segments ``rows`` of a speech ``length`` characters long."""
    out = []
    for rowid, _sid, start, _own, gaps, text in rows:
        span = len(text) + (gaps.count(",") + 1 if gaps else 0)  # original characters the segment covers
        out.append((rowid, text + END if start + span == length else text))
    return out


# ----------------------------------------------------------------- writing
def ensure(conn: sqlite3.Connection) -> None:
    """Create the tables inside the writer's transaction; fill them for an index written before them.

    Also an index on the speeches' dates: a trace reads every speech's date (the timeline's
    axis), and without it that read walks the speech texts' pages (~100–300 ms at 1M passages
    against ~25 ms, scripts/bench_trace.py).
    """
    conn.execute(DATES_INDEX)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone():
        return
    for statement in SCHEMA:
        conn.execute(statement)
    _index_speeches(conn, "INSERT INTO {t} (rowid, text) VALUES (?, ?)", "SELECT id FROM speeches ORDER BY id", ())


def _index_speeches(conn: sqlite3.Connection, insert: str, select: str, args: Sequence[Any]) -> None:
    """Run ``insert`` on (rowid, indexed text) of every segment of the speeches ``select`` returns."""
    def query(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return conn.execute(sql, tuple(params)).fetchall()

    for sid, text, chunks in speech_rows(query, [r[0] for r in query(select, args)]):
        conn.executemany(insert.format(t=TABLE), indexed(segments(sid, text, chunks), len(text)))


def add_speech(conn: sqlite3.Connection, speech_id: int, text: str, chunks: Sequence[tuple[int, int]]) -> None:
    """Index one speech's segments (``chunks``: its (chunk id, start) pairs in text order)."""
    conn.executemany(f"INSERT INTO {TABLE} (rowid, text) VALUES (?, ?)",
                     indexed(segments(speech_id, text, chunks), len(text)))


def drop(conn: sqlite3.Connection, doc_paths: Sequence[str]) -> None:
    """Remove the segments of the documents at ``doc_paths``: call it *before* deleting their rows.

    A contentless table deletes a row by being given the exact text it indexed; that text is
    recomputed here from the speech text and chunk offsets, still in the database.
    """
    for n in range(0, len(doc_paths), 500):
        part = tuple(doc_paths[n:n + 500])
        _index_speeches(conn, "INSERT INTO {t} ({t}, rowid, text) VALUES ('delete', ?, ?)",
                        "SELECT s.id FROM speeches s JOIN documents d ON d.id = s.doc_id "
                        f"WHERE d.path IN ({','.join('?' * len(part))}) ORDER BY s.id", part)


def clear(conn: sqlite3.Connection) -> None:
    conn.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')")


__all__ = ["MAX_PHRASE", "add_speech", "clear", "drop", "ensure", "find", "fold", "fold_phrase", "segments"]
