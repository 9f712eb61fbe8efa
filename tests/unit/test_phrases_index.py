"""The contentless phrase index (schema 4): results equal a brute-force count, through writes and the upgrade."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from _index_fakes import record
from _index_fakes import write_records as _write
from hypothesis import given, settings
from hypothesis import strategies as st

from index.config import IndexConfig
from index.errors import IndexOutdatedError
from index.stores import needs_upgrade, phrases
from index.stores.local import LocalStore
from index.stores.local_schema import DB_FILE, connect
from index.types import DocumentRecord

#: Traditional and simplified forms of the same words, full-width letters, punctuation, spaces.
ALPHABET = ["新质", "生产力", "發展", "新質生產力", "社会主义", "ＧＤＰ", "，", "。", " ", "党", "a"]


def _doc(rng: random.Random, path: str, chunks: int) -> DocumentRecord:
    """A speech of ``chunks`` chunks of 1–120 characters (joined by line breaks): segments that
    reach past MAX_PHRASE and short last ones, so that some segments reach the speech's end."""
    texts = ["".join(rng.choice(ALPHABET) for _ in range(rng.choice([1, 3, 20, 60]))) for _ in range(chunks)]
    return record(path, path, texts, "2024")


def _conn(path: Path) -> sqlite3.Connection:
    """The store's own connection (it registers any SQL function reading speech texts needs)."""
    return connect(path / DB_FILE, create=False)


#: Every speech's text, read as the phrase index reads it.
TEXTS = f"SELECT s.id, {phrases.SPEECH_TEXT} FROM speeches s ORDER BY s.id"


def _brute(path: Path, phrase: str) -> list[tuple[int, int, int, int]]:
    """(chunk id, speech id, start, end) of every start of the folded phrase in the cleaned speech texts."""
    conn = _conn(path)
    try:
        texts = conn.execute(TEXTS).fetchall()
        chunks = conn.execute("SELECT id, speech_id, start FROM chunks ORDER BY id").fetchall()
    finally:
        conn.close()
    wanted = phrases.fold_phrase(phrase)
    found = []
    for sid, text in texts:
        same = phrases.normalize_same_length(text)
        kept = [i for i, ch in enumerate(same) if not ch.isspace()]
        flat = "".join(same[i] for i in kept)
        starts = [(start, cid) for cid, s, start in chunks if s == sid]
        for i in range(len(flat) - len(wanted) + 1):
            if flat.startswith(wanted, i):
                cited = [cid for start, cid in starts if start <= kept[i]] or [starts[0][1]]
                found.append((cited[-1], sid, kept[i], kept[i + len(wanted) - 1] + 1))
    return found


def _found(path: Path, phrase: str) -> list[tuple[int, int, int, int]]:
    store = LocalStore.open(path)
    try:
        return [(o.chunk_id, o.speech_id, o.start, o.end) for o in store.find_phrase(phrase).occurrences]
    finally:
        store.close()


def _phrases(path: Path, rng: random.Random) -> list[str]:
    """Substrings of the stored texts of 1, 2, 3, 8 and 12 characters (line breaks included),
    and both scripts of one word."""
    conn = _conn(path)
    try:
        texts = [r[1] for r in conn.execute(TEXTS)]
    finally:
        conn.close()
    picked = ["新质生产力", "新質生產力", "a", "。"]
    for text in texts:
        for size in (1, 2, 3, 8, 12):
            at = rng.randrange(max(1, len(text) - size))
            if text[at:at + size].strip():
                picked.append(text[at:at + size])
        if "\n" in text:  # across a line break (= a chunk boundary)
            at = text.index("\n")
            picked.append(text[max(0, at - 4):at + 5])
    return picked


def _docs(seed: int) -> list[DocumentRecord]:
    rng = random.Random(seed)
    return [_doc(rng, f"/s/{n}.txt", rng.randint(1, 6)) for n in range(5)]


def _indexed_chunks(path: Path) -> tuple[set[int], set[int]]:
    """(chunks the phrase index holds terms of, chunks in the store)."""
    conn = _conn(path)
    try:
        return ({r[0] for r in conn.execute(f"SELECT DISTINCT doc FROM {phrases.TERMS}")},
                {r[0] for r in conn.execute("SELECT id FROM chunks")})
    finally:
        conn.close()


@pytest.mark.parametrize("seed", range(4))
def test_occurrences_equal_a_brute_force_search(tmp_path: Path, seed: int) -> None:
    """Every phrase length takes its path (trigram AND, term range for 1–2 characters); positions
    and citing chunks equal a brute-force search, line breaks and scripts folded."""
    _write(tmp_path, *_docs(seed))
    picked = _phrases(tmp_path, random.Random(seed))
    counts = {p: len(_brute(tmp_path, p)) for p in picked}
    assert any(counts[p] for p in picked if "\n" in p) and counts["新质生产力"] == counts["新質生產力"]
    assert {len(phrases.fold_phrase(p)) for p in picked if counts[p]} >= {1, 2, 3, 8}
    for phrase in picked:
        assert _found(tmp_path, phrase) == _brute(tmp_path, phrase), phrase


def test_removing_updating_and_re_adding_leaves_what_a_clean_build_has(tmp_path: Path) -> None:
    first, second = _docs(10), _docs(11)
    _write(tmp_path / "a", *first)
    _write(tmp_path / "a", remove=[first[1].path, first[3].path])
    _write(tmp_path / "a", second[0], second[2])  # updates /s/0.txt and /s/2.txt
    _write(tmp_path / "a", first[1], first[3])  # re-added
    final = [second[0], first[1], second[2], first[3], first[4]]
    _write(tmp_path / "b", *final)
    held, chunks = _indexed_chunks(tmp_path / "a")
    assert held == chunks  # no stale rows of deleted chunks, none missing

    def by_place(path: Path, phrase: str) -> list[tuple[str, int, int]]:
        store = LocalStore.open(path)
        try:
            found = store.find_phrase(phrase).occurrences
            return sorted((store.chunks_by_ids([o.chunk_id])[0].doc_path, o.start, o.end) for o in found)
        finally:
            store.close()

    for phrase in _phrases(tmp_path / "b", random.Random(3)):
        assert by_place(tmp_path / "a", phrase) == by_place(tmp_path / "b", phrase), phrase
        assert _found(tmp_path / "a", phrase) == _brute(tmp_path / "a", phrase)


def test_replacing_everything_empties_the_index_first(tmp_path: Path) -> None:
    _write(tmp_path, *_docs(20))
    _write(tmp_path, record("/s/x.txt", "x", ["另一篇讲话。"]), replace_all=True)
    held, chunks = _indexed_chunks(tmp_path)
    assert held == chunks and len(chunks) == 1
    assert _found(tmp_path, "新质生产力") == [] and len(_found(tmp_path, "讲话")) == 1


#: Schema 3's phrase table, as index/stores/phrases.py created it before schema 4.
SCHEMA_3_TABLE = ("CREATE VIRTUAL TABLE phrase_segments USING fts5(text, speech_id UNINDEXED, start UNINDEXED, "
                  "own UNINDEXED, gaps UNINDEXED, tokenize = 'trigram case_sensitive 1')")


def _as_schema_3(path: Path) -> None:
    """Rewrite a schema-4 index as schema 3 wrote it: the phrase table storing folded segments."""
    conn = _conn(path)
    try:
        conn.execute(f"DROP TABLE {phrases.TERMS}")
        conn.execute(f"DROP TABLE {phrases.TABLE}")
        conn.execute(SCHEMA_3_TABLE)
        chunks: dict[int, list[tuple[int, int]]] = {}
        for cid, sid, start in conn.execute("SELECT id, speech_id, start FROM chunks ORDER BY id"):
            chunks.setdefault(sid, []).append((cid, start))
        for sid, text in conn.execute(TEXTS).fetchall():
            conn.executemany("INSERT INTO phrase_segments (rowid, speech_id, start, own, gaps, text) "
                             "VALUES (?, ?, ?, ?, ?, ?)", phrases.segments(sid, text, chunks[sid]))
        value = json.loads(conn.execute("SELECT value FROM manifest WHERE key = 'manifest'").fetchone()[0])
        conn.execute("UPDATE manifest SET value = ? WHERE key = 'manifest'", (json.dumps({**value, "schema": 3}),))
        conn.execute("UPDATE speeches SET text = speech_text(text)")  # schema 3 stored texts plain
        conn.commit()
    finally:
        conn.close()


def _tables(path: Path) -> dict[str, str]:
    conn = _conn(path)
    try:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE name LIKE 'phrase%'").fetchall())
    finally:
        conn.close()


def test_a_schema_3_index_is_named_then_upgraded_by_the_next_write(tmp_path: Path) -> None:
    _write(tmp_path, *_docs(30))
    picked = _phrases(tmp_path, random.Random(30))
    before = {p: _found(tmp_path, p) for p in picked}
    _as_schema_3(tmp_path)
    assert "phrase_segments_content" in _tables(tmp_path)
    config = IndexConfig(index_path=tmp_path, models_dir=None)
    assert needs_upgrade(config)
    with pytest.raises(IndexOutdatedError, match="older version .schema 3."):
        LocalStore.open(tmp_path)
    LocalStore.open_for_write(tmp_path).close()  # the writer upgrades on opening
    assert not needs_upgrade(config)
    conn = _conn(tmp_path)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # the old table's pages given back
        assert {t for (t,) in conn.execute("SELECT DISTINCT typeof(text) FROM speeches")} == {"blob"}  # compressed
    finally:
        conn.close()
    assert {p: _found(tmp_path, p) for p in picked} == before
    _write(tmp_path, record("/s/other.txt", "另", ["无关的一句话"]))
    tables = _tables(tmp_path)
    assert "phrase_segments" not in tables and "phrase_segments_content" not in tables
    assert "content=''" in tables[phrases.TABLE] and f"{phrases.TABLE}_content" not in tables  # contentless
    assert {p: _found(tmp_path, p) for p in picked} == before
    held, chunks = _indexed_chunks(tmp_path)
    assert held == chunks


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="新质生產力 \n\n\n发展ab", min_size=1, max_size=80),
       cuts=st.lists(st.integers(min_value=1, max_value=79), max_size=6),
       wanted=st.sets(st.integers(min_value=1, max_value=7)))
def test_candidate_segments_equal_the_whole_speech_s(text: str, cuts: list[int], wanted: set[int]) -> None:
    """Folding only the wanted segments' stretches gives the rows folding the whole speech gives,
    whitespace runs included (a small MAX_PHRASE makes stretches end inside the speech)."""
    chunks = [(n + 1, s) for n, s in enumerate(sorted({0, *(c for c in cuts if c < len(text))}))]
    original = phrases.MAX_PHRASE
    phrases.MAX_PHRASE = 4
    try:
        expected = [row for row in phrases.segments(1, text, chunks) if row[0] in wanted]
        assert phrases.candidate_segments(1, text, chunks, wanted) == expected
    finally:
        phrases.MAX_PHRASE = original
