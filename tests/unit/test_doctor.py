"""Damaged index files: status still works and names them, doctor explains them, repair fixes them.

Every case damages one file of a real index (the indexer with the fake reader and encoder),
then checks the three promises: ``status`` works and names the damaged part; ``doctor``
names it in user words; ``repair`` fixes it from the database alone, after which the doctor
finds nothing and the index answers exactly as a clean build of the same documents.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pytest
from _index_fakes import Factory, FakeEncoder, use_fake_reader, write_speech

from index.indexer import Indexer
from index.stores import check_index, repair_index, store_status
from index.stores.local import LocalStore
from qa.errors import IndexCorruptError
from qa.settings import Settings

A = ["# 一、宣传工作", "严格落实意识形态工作责任制。", "做大做强正面宣传。"]
B = ["# 二、组织工作", "党员人数较多的机关科室，原则上支部建在科室。", "机关专职党务工作人员按比例配备。"]
C = ["# 三、统战工作", "统一战线大团结、大联合。", "凝聚各方力量。", "画出最大同心圆。"]
QUERIES = ["意识形态", "支部建在科室", "统一战线", "正面宣传", "党务工作人员"]


@pytest.fixture(autouse=True)
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_reader(monkeypatch)


def speeches(folder: Path, *parts: tuple[str, str, list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, title, lines in parts:
        write_speech(folder, name, title, lines, "2021-03-05")
    return folder


def index(tmp_path: Path, name: str, *, two_writes: bool = False) -> Settings:
    """An index of A, B, C: one build (one segment), or A+B then C added (two segments)."""
    settings = Settings(data_dir=tmp_path / name, batch_size=2)
    docs = tmp_path / f"{name}-docs"
    first = speeches(docs, ("a.txt", "宣传讲话", A), ("b.txt", "组织讲话", B),
                     *(() if two_writes else (("c.txt", "统战讲话", C),)))
    indexer = Indexer(settings.index_config, Factory(), fingerprint=lambda c: "fp-1")
    indexer.build([first])
    if two_writes:
        speeches(docs, ("c.txt", "统战讲话", C))
        indexer.add([docs])
    return settings


def answers(settings: Settings) -> list[list[tuple[str, float]]]:
    """Both searches for every query, as (text, score): comparable across indexes."""
    store = LocalStore.open(settings.index_path)
    try:
        found = []
        for q in QUERIES:
            for hits in (store.lexical_search(q, 8), store.dense_search(FakeEncoder().encode_query(q), 8)):
                found.append([(store.chunks_by_ids([cid])[0].text, round(s, 4)) for cid, s in hits])
        return found
    finally:
        store.close()


def layout(settings: Settings) -> dict:  # type: ignore[type-arg]
    conn = sqlite3.connect(settings.index_path / "index.sqlite")
    try:
        return json.loads(conn.execute("SELECT value FROM manifest WHERE key = 'segments'").fetchone()[0])  # type: ignore[no-any-return]
    finally:
        conn.close()


def segment(settings: Settings, position: int = 0) -> int:
    return int(layout(settings)["segments"][position][0])


# ----------------------------------------------------------------- the faults
def truncate_vectors(folder: Path, n: int) -> None:
    target = folder / f"vectors.{n}.faiss"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])


def delete_vectors(folder: Path, n: int) -> None:
    (folder / f"vectors.{n}.faiss").unlink()


def wrong_dimension(folder: Path, n: int) -> None:
    old = faiss.read_index(str(folder / f"vectors.{n}.faiss"))
    other = faiss.IndexFlatIP(32)
    other.add(np.random.default_rng(0).random((old.ntotal, 32), dtype=np.float32))
    faiss.write_index(other, str(folder / f"vectors.{n}.faiss"))


def garbage_lexical(folder: Path, n: int) -> None:
    for file in (folder / f"lexical.{n}").iterdir():
        file.write_bytes(b"\x00garbage" * 7)


def delete_lexical(folder: Path, n: int) -> None:
    shutil.rmtree(folder / f"lexical.{n}")


#: fault → (file it damages, passages a repair re-embeds: the vectors of the 7 passages, or none)
FAULTS: dict[str, tuple[Callable[[Path, int], None], str, int]] = {
    "truncated vectors": (truncate_vectors, "vectors.{n}.faiss", 7),
    "missing vectors": (delete_vectors, "vectors.{n}.faiss", 7),
    "wrong dimension": (wrong_dimension, "vectors.{n}.faiss", 7),
    "garbage BM25 files": (garbage_lexical, "lexical.{n}", 0),
    "missing BM25 folder": (delete_lexical, "lexical.{n}", 0),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_damaged_file_is_named_then_repaired_to_a_clean_build(tmp_path: Path, fault: str) -> None:
    damage, file, reembedded = FAULTS[fault]
    clean = answers(index(tmp_path, "clean"))
    settings = index(tmp_path, "damaged")
    n = segment(settings)
    name = file.format(n=n)
    damage(settings.index_path, n)

    status = store_status(settings.index_config, check=True)  # never raises
    assert status.damaged and name in {p.file for p in status.problems}
    assert (status.documents, status.chunks, status.model) == (3, 7, settings.model)  # what SQLite still tells
    checkup = check_index(settings.index_config)
    problem = next(p for p in checkup.problems if p.file == name)
    assert name in problem.what and problem.fix and checkup.repairable
    assert "faiss::" not in problem.what and ".cpp" not in problem.what  # library internals only in `detail`

    factory = Factory()
    report = repair_index(settings.index_config, factory)
    assert problem in report.fixed and report.left == () and report.reembedded == reembedded
    assert factory.loads == (1 if reembedded else 0)  # BM25 is rebuilt from the texts: no model needed
    assert check_index(settings.index_config).problems == ()
    assert not (settings.index_path / name).exists()
    assert answers(settings) == clean


def test_a_reader_skips_a_damaged_segment_and_says_so(tmp_path: Path) -> None:
    settings = index(tmp_path, "two", two_writes=True)
    first, second = segment(settings, 0), segment(settings, 1)
    truncate_vectors(settings.index_path, second)
    store = LocalStore.open(settings.index_path)
    try:
        assert store.damage is not None and f"vectors.{second}.faiss" in store.damage
        assert "3 of 7 passages cannot be searched" in store.damage
        served = {cid for q in QUERIES for cid, _ in store.lexical_search(q, 8)}
        assert served and served <= {int(i) for i in store.generation.segments[0].ids}
        assert [s.number for s in store.generation.segments] == [first]
    finally:
        store.close()


def test_writers_refuse_a_degraded_index(tmp_path: Path) -> None:
    settings = index(tmp_path, "two", two_writes=True)
    truncate_vectors(settings.index_path, segment(settings, 1))
    indexer = Indexer(settings.index_config, Factory(), fingerprint=lambda c: "fp-1")
    with pytest.raises(IndexCorruptError, match="cut short"):
        indexer.add([tmp_path / "two-docs"])
    with pytest.raises(IndexCorruptError, match="cut short"):
        indexer.remove([tmp_path / "two-docs" / "a.txt"])
    assert store_status(settings.index_config).documents == 3  # nothing was written


@pytest.mark.parametrize("damaged", ["older", "dictionary"])
def test_a_repair_of_one_segment_keeps_the_other(tmp_path: Path, damaged: str) -> None:
    """The older segment's BM25 rows are rebuilt with today's average length, as a clean build
    makes them; the newer one (which carries the query dictionary) answers as before."""
    clean = answers(index(tmp_path, "clean"))
    settings = index(tmp_path, "two", two_writes=True)
    before = answers(settings)
    older, newer = segment(settings, 0), segment(settings, 1)
    assert layout(settings)["dictionary"] == newer
    garbage_lexical(settings.index_path, older if damaged == "older" else newer)
    report = repair_index(settings.index_config, Factory())
    assert report.reembedded == 0 and report.generation is not None and not report.left
    assert check_index(settings.index_config).problems == ()
    assert segment(settings, 0) == (newer if damaged == "older" else older)  # the sound one is kept as it was
    assert answers(settings) == (clean if damaged == "older" else before)


def test_leftover_files_are_named_harmless_and_deleted(tmp_path: Path) -> None:
    settings = index(tmp_path, "one")
    (settings.index_path / "vectors.99.faiss").write_bytes(b"half written")
    (settings.index_path / "lexical.7.tmp").mkdir()
    status = store_status(settings.index_config, check=True)
    assert not status.damaged and {p.file for p in status.problems} == {"vectors.99.faiss", "lexical.7.tmp"}
    report = repair_index(settings.index_config)
    assert len(report.fixed) == 2 and report.generation is None  # no new generation needed
    assert not (settings.index_path / "vectors.99.faiss").exists()
    assert check_index(settings.index_config).problems == ()


def test_rows_of_chunks_the_database_lost_get_a_tombstone(tmp_path: Path) -> None:
    settings = index(tmp_path, "one")
    conn = sqlite3.connect(settings.index_path / "index.sqlite")
    conn.execute("DELETE FROM chunks WHERE id = (SELECT max(id) FROM chunks)")
    conn.commit()
    conn.close()
    problem = next(p for p in check_index(settings.index_config).problems)
    assert "1 rows of the index files belong to passages the database no longer holds" in problem.what
    assert not repair_index(settings.index_config).left
    assert check_index(settings.index_config).problems == ()
    assert store_status(settings.index_config).chunks == 6


@pytest.mark.parametrize("where", ["header", "pages"])
def test_a_damaged_database_is_named_and_not_repaired(tmp_path: Path, where: str) -> None:
    settings = index(tmp_path, "one")
    db = settings.index_path / "index.sqlite"
    data = bytearray(db.read_bytes())
    start = 0 if where == "header" else 4096 * 2  # the header, or the pages after the schema
    data[start : start + 8192] = b"\xff\x13" * 4096
    db.write_bytes(bytes(data))

    status = store_status(settings.index_config, check=True)
    assert status.damaged and "index.sqlite" in {p.file for p in status.problems}
    checkup = check_index(settings.index_config)
    problem = next(p for p in checkup.problems if p.file == "index.sqlite")
    assert "cannot be repaired" in problem.what and not problem.fix and not checkup.repairable
    report = repair_index(settings.index_config)
    assert report.fixed == () and problem in report.left


@pytest.mark.parametrize("fault", ["truncated vectors", "garbage BM25 files"])
def test_an_approximate_segment_is_repaired_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    from index.stores import segments as segments_module

    monkeypatch.setattr(segments_module, "ANN_MIN_ROWS", 5)  # every segment approximate (one list at this size)
    clean = answers(index(tmp_path, "clean"))
    settings = index(tmp_path, "damaged")
    FAULTS[fault][0](settings.index_path, segment(settings))
    report = repair_index(settings.index_config, Factory())
    assert not report.left and report.reembedded == FAULTS[fault][2]
    store = LocalStore.open(settings.index_path)
    assert [s.kind for s in store.generation.segments] == ["ann"]
    store.close()
    assert answers(settings) == clean


def test_a_degraded_reader_picks_up_the_repair(tmp_path: Path) -> None:
    settings = index(tmp_path, "two", two_writes=True)
    delete_lexical(settings.index_path, segment(settings, 1))
    store = LocalStore.open(settings.index_path)
    try:
        assert store.damage is not None and store.chunk_count() == 4
        repair_index(settings.index_config, Factory())
        assert store.refresh() and store.damage is None and store.chunk_count() == 7
    finally:
        store.close()


def test_removed_rows_of_a_damaged_segment_are_dropped_and_its_vectors_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "one", batch_size=2)
    docs = speeches(tmp_path / "docs", ("a.txt", "宣传讲话", A), ("b.txt", "组织讲话", B), ("c.txt", "统战讲话", C))
    indexer = Indexer(settings.index_config, Factory(), fingerprint=lambda c: "fp-1")
    indexer.build([docs])
    indexer.remove([docs / "c.txt"])
    store = LocalStore.open(settings.index_path)
    assert len(store.generation.dead) == 3  # C's rows are tombstones in the one segment
    store.close()
    garbage_lexical(settings.index_path, segment(settings))
    report = repair_index(settings.index_config, Factory())
    assert not report.left and report.reembedded == 0  # its 4 live vectors came from the sound FAISS file
    store = LocalStore.open(settings.index_path)
    assert store.generation.dead == frozenset() and store.chunk_count() == 4
    store.close()
    clean = Settings(data_dir=tmp_path / "clean", batch_size=2)
    (docs / "c.txt").unlink()
    Indexer(clean.index_config, Factory(), fingerprint=lambda c: "fp-1").build([docs])
    assert answers(settings) == answers(clean)


def test_without_the_dictionary_segment_questions_are_cut_as_passages_were(tmp_path: Path) -> None:
    """Full jieba in search mode, as passages are cut (index.lexical.tokenize): compounds kept."""
    settings = index(tmp_path, "two", two_writes=True)
    delete_lexical(settings.index_path, layout(settings)["dictionary"])  # the segment carrying the query dictionary
    store = LocalStore.open(settings.index_path)
    try:
        assert store.damage is not None
        for compound in ("意识形态", "统一战线", "工作人员"):
            assert compound in store.generation.cutter.query_tokens(f"{compound}是什么")
    finally:
        store.close()


def test_a_writers_new_files_are_not_leftovers_while_it_writes(tmp_path: Path) -> None:
    from index.stores.local_write import write_lock

    settings = index(tmp_path, "one")
    (settings.index_path / "vectors.2.faiss").write_bytes(b"being written")
    with write_lock(settings.index_path):  # as a writer between its segment files and its commit
        assert check_index(settings.index_config).problems == ()
    assert [p.file for p in check_index(settings.index_config).problems] == ["vectors.2.faiss"]
