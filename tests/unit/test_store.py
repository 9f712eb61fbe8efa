"""LocalStore: round trip, id consistency, removal, filters, atomic generations, errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from _index_fakes import FakeEncoder, manifest, record
from _index_fakes import write_records as _write

from index.config import IndexConfig
from index.lexical import LexicalIndex
from index.stores import store_status
from index.stores.local import LocalStore as IndexStore
from index.stores.local_schema import DB_FILE
from index.stores.write_errors import IndexWriteError
from index.types import Filters, IndexStatus
from qa.errors import FilterError, IndexCorruptError, IndexMissingError, QAError

ROOT = Path(__file__).resolve().parents[2]
DOC_A = ["严格落实意识形态工作责任制，压紧压实各级责任。", "做大做强正面宣传，壮大主流舆论。"]
DOC_B = ["党员人数较多的机关科室，原则上支部建在科室。", "机关专职党务工作人员按比例配备。", "统一战线大团结、大联合。"]


def index_status(path: Path) -> IndexStatus:
    return store_status(IndexConfig(index_path=path, models_dir=path / "models"))


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    path = tmp_path / "index"
    _write(path,
           record("/speeches/a.txt", "宣传工作会议讲话", DOC_A, "2021-03-05", [("一、宣传",), ("一、宣传", "（二）舆论")]),
           record("/speeches/b.txt", "機關黨建工作會議講話", DOC_B, "2022", [("二、组织",)] * 3))
    return path


@pytest.fixture()
def store(index_dir: Path):  # type: ignore[no-untyped-def]
    opened = IndexStore.open(index_dir)
    yield opened
    opened.close()


def _sql(store: IndexStore, query: str) -> list[tuple]:  # type: ignore[type-arg]
    conn = sqlite3.connect(store.path / DB_FILE)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def _sqlite_ids(store: IndexStore) -> list[int]:
    return sorted(r[0] for r in _sql(store, "SELECT id FROM chunks"))


def _assert_consistent(store: IndexStore) -> None:
    generation = store.generation
    faiss_ids = sorted(generation.vectors.ids.tolist())
    assert faiss_ids == _sqlite_ids(store) == sorted(generation.lexical.ids.tolist())


def test_round_trip_after_reopen(store: IndexStore) -> None:
    assert store.chunk_count() == 5
    _assert_consistent(store)
    rows = store.chunks_by_ids(_sqlite_ids(store))
    assert [r.text for r in rows] == DOC_A + DOC_B
    first = rows[1]
    assert (first.doc_path, first.title, first.date, first.section) == (
        "/speeches/a.txt", "宣传工作会议讲话", "2021-03-05", ("一、宣传", "（二）舆论"))
    speech = store.speech_text(first.chunk_id)
    assert speech.text[first.start:first.end] == first.text
    assert store.documents().keys() == {"/speeches/a.txt", "/speeches/b.txt"}
    m = store.manifest
    assert (m.model, m.dimension, m.generation) == ("fake-model", 64, 1) and m.created and m.updated


def test_chunks_by_ids_keeps_the_order_asked_and_skips_unknown(store: IndexStore) -> None:
    ids = _sqlite_ids(store)
    assert [r.chunk_id for r in store.chunks_by_ids([ids[3], 999999, ids[0]])] == [ids[3], ids[0]]


def test_dense_search_finds_the_passage_and_honours_filters(store: IndexStore) -> None:
    query = FakeEncoder().encode_query(DOC_B[1])
    target = store.chunks_by_ids(_sqlite_ids(store))[3]
    hits = store.dense_search(query, 3)
    assert hits[0] == (target.chunk_id, pytest.approx(1.0, abs=1e-5))
    assert len(hits) == 3
    others = set(_sqlite_ids(store)[:2])  # the chunks of a.txt
    assert {cid for cid, _ in store.dense_search(query, 5, Filters(doc="a.txt"))} == others
    assert store.dense_search(query, 5, Filters(since="2030")) == []
    assert len(store.dense_search(query, 50)) == 5
    assert store.matching_count(Filters(doc="a.txt")) == 2 and store.matching_count(Filters()) == 5


def test_remove_drops_chunks_from_sqlite_faiss_and_bm25(index_dir: Path) -> None:
    before = IndexStore.open(index_dir)
    assert before.lexical_search("支部建在科室", 5)
    before.close()
    _write(index_dir, remove=["/speeches/b.txt"])
    store = IndexStore.open(index_dir)
    try:
        assert store.chunk_count() == 2 and store.documents().keys() == {"/speeches/a.txt"}
        _assert_consistent(store)
        assert store.lexical_search("支部建在科室", 5) == []
        assert all(store.chunks_by_ids([cid])[0].doc_path == "/speeches/a.txt"
                   for cid, _ in store.dense_search(FakeEncoder().encode_query(DOC_B[1]), 5))
    finally:
        store.close()


def test_replacing_a_document_gives_new_ids_and_keeps_added_date(store: IndexStore, index_dir: Path) -> None:
    old_ids = set(_sqlite_ids(store))
    added = _sql(store, "SELECT added FROM documents WHERE path = '/speeches/a.txt'")[0][0]
    _write(index_dir, record("/speeches/a.txt", "宣传工作会议讲话", ["全新的一段话。"]))
    assert store.refresh() is True and store.refresh() is False
    assert store.chunk_count() == 4 and store.manifest.generation == 2
    new_ids = set(_sqlite_ids(store))
    assert len(new_ids - old_ids) == 1 and (new_ids - old_ids).isdisjoint(old_ids)
    assert _sql(store, "SELECT added FROM documents WHERE path = '/speeches/a.txt'")[0][0] == added
    _assert_consistent(store)


def test_replace_all_keeps_only_the_new_documents(index_dir: Path) -> None:
    _write(index_dir, record("/speeches/c.txt", "新讲话", ["只有这一段。"]), replace_all=True)
    assert index_status(index_dir).doc_paths == ["/speeches/c.txt"]
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("vectors", "lexical"))) == [
        "lexical.1", "lexical.2", "vectors.1.faiss", "vectors.2.faiss"]


def test_failure_before_commit_leaves_previous_generation(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: LexicalIndex, directory: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(LexicalIndex, "save", explode)
    with pytest.raises(IndexWriteError, match="the disk is full"):  # one clear message (stores/write_errors.py)
        _write(index_dir, record("/speeches/c.txt", "新讲话", ["新增的段落。"]), remove=["/speeches/a.txt"])
    monkeypatch.undo()
    store = IndexStore.open(index_dir)
    try:
        assert store.manifest.generation == 1 and store.chunk_count() == 5
        assert store.documents().keys() == {"/speeches/a.txt", "/speeches/b.txt"}
        assert store.lexical_search("意识形态工作责任制", 1)[0][0] in _sqlite_ids(store)
        assert not (index_dir / "vectors.2.faiss").exists() and not (index_dir / "vectors.2.faiss.tmp").exists()
    finally:
        store.close()


def test_kill_between_files_and_commit_leaves_previous_generation(index_dir: Path) -> None:
    script = textwrap.dedent(f"""
        import os, sys
        sys.path[:0] = [{str(ROOT)!r}, {str(Path(__file__).parent)!r}]
        from _index_fakes import manifest, record
        from index.lexical import LexicalIndex
        from index.stores.local import LocalStore as IndexStore
        save = LexicalIndex.save
        def save_then_die(self, directory):
            save(self, directory)
            os._exit(9)  # killed after the new generation's files exist, before COMMIT
        LexicalIndex.save = save_then_die
        store = IndexStore.open_for_write(__import__("pathlib").Path({str(index_dir)!r}))
        store.apply(manifest(), [record("/speeches/c.txt", "新讲话", ["新增的段落。"])], ["/speeches/a.txt"])
    """)
    assert subprocess.run([sys.executable, "-c", script], timeout=120).returncode == 9
    assert (index_dir / "vectors.2.faiss").exists()  # the orphan is there ...
    store = IndexStore.open(index_dir)  # ... but the committed generation is still 1
    try:
        assert store.manifest.generation == 1 and store.chunk_count() == 5
        _assert_consistent(store)
    finally:
        store.close()
    _write(index_dir, remove=["/speeches/a.txt"])  # the next write sweeps the orphans
    assert index_status(index_dir).chunks == 3
    assert not (index_dir / "lexical.2.tmp").exists()


def test_missing_index_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="no index at .*nowhere"):
        IndexStore.open(tmp_path / "nowhere")
    IndexStore.open_for_write(tmp_path / "empty").close()  # created but never committed
    with pytest.raises(IndexMissingError, match="never completed"):
        IndexStore.open(tmp_path / "empty")
    assert index_status(tmp_path / "nowhere").exists is False


def test_damaged_index_raises_corrupt(index_dir: Path, tmp_path: Path) -> None:
    (index_dir / "vectors.1.faiss").unlink()
    with pytest.raises(IndexCorruptError, match="damaged"):
        IndexStore.open(index_dir)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / DB_FILE).write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexCorruptError, match=str(broken)):
        IndexStore.open(broken)


def test_status_counts(store: IndexStore) -> None:
    status = store.status()
    assert (status.exists, status.documents, status.speeches, status.chunks) == (True, 2, 2, 5)
    assert status.model == "fake-model" and status.dimension == 64 and status.chunker_version == "test-1"


def _docs(store: IndexStore, ids: set[int] | None) -> set[str]:
    assert ids is not None
    return {r.doc_path.rsplit("/", 1)[1] for r in store.chunks_by_ids(ids)}


def test_filters(store: IndexStore) -> None:
    assert store.filter_ids(None) is None and store.filter_ids(Filters()) is None
    assert _docs(store, store.filter_ids(Filters(doc="宣傳"))) == {"a.txt"}  # traditional matches title
    assert _docs(store, store.filter_ids(Filters(doc="机关党建"))) == {"b.txt"}  # simplified matches traditional
    assert _docs(store, store.filter_ids(Filters(doc="B.TXT"))) == {"b.txt"}  # file name, any case
    assert _docs(store, store.filter_ids(Filters(since="2022-06-01"))) == {"b.txt"}  # "2022" overlaps
    assert _docs(store, store.filter_ids(Filters(since="2021", until="2021-12"))) == {"a.txt"}
    assert _docs(store, store.filter_ids(Filters(until="2021-03-05"))) == {"a.txt"}
    assert store.filter_ids(Filters(since="2023")) == set()
    section_ids = store.filter_ids(Filters(section="舆论"))
    assert section_ids is not None and [r.text for r in store.chunks_by_ids(section_ids)] == [DOC_A[1]]
    with pytest.raises(FilterError, match="2021/03"):
        store.filter_ids(Filters(since="2021/03"))


def test_undated_speech_fails_date_filters(index_dir: Path) -> None:
    _write(index_dir, record("/speeches/c.txt", "无日期讲话", ["一段话。"], date=None))
    store = IndexStore.open(index_dir)
    try:
        assert "c.txt" not in _docs(store, store.filter_ids(Filters(since="1900")))
        assert "c.txt" in _docs(store, store.filter_ids(Filters(doc="无日期")))
    finally:
        store.close()


def test_speech_text_of_unknown_chunk_is_a_user_error(store: IndexStore) -> None:
    with pytest.raises(QAError, match="no longer in the index"):
        store.speech_text(987654)


def test_vectors_returns_stored_rows(store: IndexStore) -> None:
    ids = _sqlite_ids(store)[:2]
    expected = FakeEncoder().encode_passages(DOC_A)
    assert np.allclose(store.vectors(ids), expected, atol=1e-6)
    embed_text = store.chunks_by_ids([ids[0]])[0].embed_text
    assert np.allclose(store.known_vectors([embed_text, "not stored"])[embed_text], expected[0], atol=1e-6)
    assert list(store.known_vectors([embed_text, "not stored"])) == [embed_text]


def test_lexical_header_decides_whether_titles_and_headings_are_searchable(tmp_path: Path) -> None:
    from dataclasses import replace

    for header in (True, False):
        path = tmp_path / str(header)
        store = IndexStore.open_for_write(path)
        try:
            store.apply(replace(manifest(), lexical_header=header),
                        [record("/s/a.txt", "统战工作会议讲话", ["正文一段。"], sections=[("一、总体要求",)])])
            found = {bool(store.lexical_search(word, 5)) for word in ("统战", "总体要求")}
            assert found == {header} and store.lexical_search("正文", 5)
        finally:
            store.close()
