"""The local store's phrase index: exact occurrences in whole speeches, folded, across lines and segments."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from _index_fakes import record
from _index_fakes import write_records as _write
from hypothesis import given, settings
from hypothesis import strategies as st

from index.errors import SpeechQAError
from index.normalize import normalize_same_length
from index.stores import phrases
from index.stores.local import LocalStore
from index.stores.local_schema import DB_FILE
from index.types import Filters

DOC_A = ["今年要大力推进现代化产业体系建设，加快发展新质", "生产力。新质生产力是创新起主导作用的先进生产力。"]
DOC_B = ["發展新質生產力，推動高質量發展。", "全面建成小康社会，全面建设小康社会，ＧＤＰ增长５％。"]


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    _write(tmp_path, record("/s/a.txt", "政府工作报告", DOC_A, "2024-03-05", [("一、任务",), ("一、任务", "（一）产业")]),
           record("/s/b.txt", "繁體講話", DOC_B, "2023"))
    return tmp_path


@pytest.fixture()
def store(index_dir: Path):  # type: ignore[no-untyped-def]
    opened = LocalStore.open(index_dir)
    yield opened
    opened.close()


def _texts(store: LocalStore, phrase: str) -> list[str]:
    found = store.find_phrase(phrase).occurrences
    return [store.speech_text(o.chunk_id).text[o.start:o.end] for o in found]


def test_a_phrase_broken_by_a_line_and_a_chunk_boundary_is_found_with_exact_offsets(store: LocalStore) -> None:
    found = store.find_phrase("新质生产力").occurrences
    texts = _texts(store, "新质生产力")
    assert texts[0] == "新质\n生产力" and texts[1] == "新质生产力"
    first = store.chunks_by_ids([found[0].chunk_id])[0]
    assert first.section == ("一、任务",)  # cited by the chunk it starts in
    assert store.find_phrase("新质 生产力").occurrences == found  # whitespace in the phrase is ignored too


def test_scripts_and_widths_meet(store: LocalStore) -> None:
    assert _texts(store, "新质生产力")[2] == "新質生產力"  # simplified phrase, traditional text
    assert len(store.find_phrase("新質生產力").occurrences) == 3  # and the other way round
    assert _texts(store, "gdp增长5%") == ["ＧＤＰ增长５％"] and _texts(store, "產業體系") == ["产业体系"]


def _brute(store: LocalStore, phrase: str) -> int:
    """Starts of the folded phrase in every folded, whitespace-free speech text."""
    texts = {store.speech_text(cid).text for cid in store.generation.lexical.ids.tolist()}
    folded = phrases.fold_phrase(phrase)
    flat = [phrases.fold(t)[0] for t in texts]
    return sum(1 for f in flat for i in range(len(f)) if f.startswith(folded, i))


@pytest.mark.parametrize(("phrase", "count"), [("小康社会", 2), ("全面建成小康社会", 1), ("力", 5), ("发展", 3),
                                               ("生产力", 4)])
def test_counts_equal_a_brute_force_count(store: LocalStore, phrase: str, count: int) -> None:
    """Phrases of one or two characters have no trigram and take the scan path."""
    assert len(store.find_phrase(phrase).occurrences) == _brute(store, phrase) == count


def test_filters_restrict_occurrences_and_speech_dates(store: LocalStore) -> None:
    everything = store.find_phrase("新质生产力")
    assert sorted(everything.speech_dates) == ["2023", "2024-03-05"]
    only_2024 = store.find_phrase("新质生产力", Filters(since="2024"))
    assert len(only_2024.occurrences) == 2 and only_2024.speech_dates == ("2024-03-05",)
    assert store.find_phrase("新质生产力", Filters(section="（一）")).occurrences == everything.occurrences[1:2]


def test_bad_phrases_are_refused_with_a_message(store: LocalStore) -> None:
    with pytest.raises(SpeechQAError, match="empty"):
        store.find_phrase(" \n")
    with pytest.raises(SpeechQAError, match="up to 64"):
        store.find_phrase("发展" * 40)
    assert store.find_phrase('"新质"').occurrences == ()  # quotes are searched, not FTS syntax


def _segments(path: Path) -> int:
    """Segments the phrase index holds terms of (a contentless table cannot be scanned: ask its vocabulary)."""
    conn = sqlite3.connect(path / DB_FILE)
    try:
        return conn.execute(f"SELECT count(DISTINCT doc) FROM {phrases.TERMS}").fetchone()[0]
    finally:
        conn.close()


def test_writes_keep_the_phrase_index_in_step(index_dir: Path) -> None:
    assert _segments(index_dir) == 4  # one per chunk
    _write(index_dir, remove=["/s/b.txt"])
    assert _segments(index_dir) == 2
    _write(index_dir, record("/s/a.txt", "政府工作报告", ["不再提及。"], "2025"))
    assert _segments(index_dir) == 1
    store = LocalStore.open(index_dir)
    assert store.find_phrase("新质生产力").occurrences == ()
    store.close()
    _write(index_dir, record("/s/c.txt", "新", ["新质生产力"]), replace_all=True)
    assert _segments(index_dir) == 1


def test_an_index_written_before_the_phrase_table_is_searched_and_then_filled(index_dir: Path) -> None:
    store = LocalStore.open(index_dir)
    expected = store.find_phrase("新质生产力")
    conn = sqlite3.connect(index_dir / DB_FILE)
    conn.execute(f"DROP TABLE {phrases.TABLE}")
    conn.commit()
    conn.close()
    assert store.find_phrase("新质生产力") == expected  # folded on the fly
    store.close()
    _write(index_dir, record("/s/c.txt", "另一篇", ["没有这个提法。"]))
    assert _segments(index_dir) == 5
    store = LocalStore.open(index_dir)
    assert store.find_phrase("新质生产力").occurrences == expected.occurrences
    store.close()


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="新质生產力 \n发展ab", min_size=1, max_size=60),
       cuts=st.lists(st.integers(min_value=1, max_value=59), max_size=5),
       phrase=st.sampled_from(["新质生产力", "生产", "力发", "a", "质生產力发展", "发展ab新"]))
def test_segments_find_what_a_brute_force_finds(text: str, cuts: list[int], phrase: str) -> None:
    """Every start of the folded phrase in the folded, whitespace-free text, mapped back, whatever
    the segment cuts; a small MAX_PHRASE makes phrases cross segment ends."""
    starts = sorted({0, *(c for c in cuts if c < len(text))})
    original = phrases.MAX_PHRASE
    phrases.MAX_PHRASE = 6
    try:
        rows = phrases.segments(1, text, [(n + 1, s) for n, s in enumerate(starts)])
    finally:
        phrases.MAX_PHRASE = original
    folded = phrases.fold_phrase(phrase)
    got = [(o.start, o.end) for o in phrases.occurrences_in(rows, folded, None)]
    same = normalize_same_length(text)
    kept = [i for i, ch in enumerate(same) if not ch.isspace()]
    flat = "".join(same[i] for i in kept)
    expected = [(kept[i], kept[i + len(folded) - 1] + 1) for i in range(len(flat) - len(folded) + 1)
                if flat.startswith(folded, i)]
    assert got == expected
