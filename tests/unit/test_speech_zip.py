"""Speech texts stored zlib-compressed: every read equals the plain text's, old TEXT rows still
read, compressing in place is idempotent, and a damaged BLOB is named, never a traceback."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest
from _index_fakes import record
from _index_fakes import write_records as _write
from _old_index import write_old_index

from index.config import IndexConfig
from index.errors import IndexCorruptError
from index.stores import check_index, store_status
from index.stores.local import LocalStore
from index.stores.local_schema import DB_FILE, connect
from index.stores.speech_zip import compress_rows, pack, unpack
from index.types import ChunkRow, DocumentRecord, SpeechRecord

A = ["严格落实意识形态工作责任制，压紧压实各级责任。", "做大做强正面宣传，壮大主流舆论。" * 30]
B = ["党员人数较多的机关科室，原则上支部建在科室。", "机关专职党务工作人员按比例配备。", "统一战线大团结、大联合。"]
C = ["凝聚各方力量，画出最大同心圆。", "𠮷字在基本多文种平面之外，偏移按字符计。"]  # a non-BMP character
RECORDS = (record("/s/a.txt", "宣传讲话", A, "2021-03-05"), record("/s/b.txt", "组织讲话", B, "2022"),
           record("/s/c.txt", "统战讲话", C, "2023"))


def _sql(path: Path, query: str, args: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    conn = sqlite3.connect(path / DB_FILE)
    try:
        rows = conn.execute(query, args).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def _as_text(path: Path) -> None:
    """Store every speech text as TEXT, as the writer did before texts were compressed."""
    for sid, value in _sql(path, "SELECT id, text FROM speeches"):
        _sql(path, "UPDATE speeches SET text = ? WHERE id = ?", (unpack(value), sid))


def _kinds(path: Path) -> list[str]:
    return [k for (k,) in _sql(path, "SELECT typeof(text) FROM speeches ORDER BY id")]


def _reads(path: Path) -> tuple[list[ChunkRow], list[str], list[tuple[str, str, tuple[SpeechRecord, ...]]], int]:
    """Everything the store reads from speech texts: chunk rows, speech texts, records (vectors left
    out: they do not come from the texts), phrase hits."""
    store = LocalStore.open(path)
    try:
        ids = sorted(store.generation.lexical.ids.tolist())
        rows = store.chunks_by_ids(ids)
        texts = [store.speech_text(i).text for i in ids]
        records = [(d.path, d.sha256, d.speeches) for d in store.records()]
        return rows, texts, records, len(store.find_phrase("工作").occurrences)
    finally:
        store.close()


def _assert_plain(path: Path, records: tuple[DocumentRecord, ...]) -> None:
    rows, texts, stored, _ = _reads(path)
    expected = {d.path: d.speeches[0] for d in records}
    assert len(rows) == sum(len(d.chunks) for d in records)
    for row, text in zip(rows, texts, strict=True):
        speech = expected[row.doc_path]
        chunk = next(c for c in speech.chunks if c.start == row.start)
        assert (row.text, row.end, text) == (chunk.text, chunk.end, speech.text)
        assert text[row.start:row.end] == row.text  # answers cite by these offsets
    assert {p: s[0].text for p, _sha, s in stored} == {p: s.text for p, s in expected.items()}
    assert all(isinstance(s.text, str) for _p, _sha, speeches in stored for s in speeches)  # what a copy to Milvus uploads


def test_new_rows_are_compressed_and_read_as_the_plain_text(tmp_path: Path) -> None:
    _write(tmp_path, *RECORDS)
    assert _kinds(tmp_path) == ["blob"] * 3
    stored = dict(_sql(tmp_path, "SELECT d.path, s.text FROM speeches s JOIN documents d ON d.id = s.doc_id"))
    assert {p: zlib.decompress(v).decode() for p, v in stored.items()} == {d.path: d.speeches[0].text for d in RECORDS}
    assert sum(map(len, stored.values())) < sum(len(d.speeches[0].text.encode()) for d in RECORDS)
    _assert_plain(tmp_path, RECORDS)


def test_an_index_holding_text_and_blob_rows_reads_both(tmp_path: Path) -> None:
    _write(tmp_path, *RECORDS[:2])
    _as_text(tmp_path)
    _write(tmp_path, RECORDS[2])  # an incremental write after the upgrade of the code
    assert _kinds(tmp_path) == ["text", "text", "blob"]
    _assert_plain(tmp_path, RECORDS)


def test_compressing_in_place_is_idempotent_and_keeps_every_text(tmp_path: Path) -> None:
    _write(tmp_path, *RECORDS)
    before = _reads(tmp_path)
    _as_text(tmp_path)
    assert _reads(tmp_path) == before and _kinds(tmp_path) == ["text"] * 3
    conn = connect(tmp_path / DB_FILE, create=False)
    try:
        counts = []
        for _round in range(2):
            conn.execute("BEGIN IMMEDIATE")
            counts.append(compress_rows(conn, batch=2))
            conn.execute("COMMIT")
    finally:
        conn.close()
    assert counts == [3, 0] and _kinds(tmp_path) == ["blob"] * 3
    assert _reads(tmp_path) == before


def test_the_schema_upgrade_stores_compressed_texts(tmp_path: Path) -> None:
    write_old_index(tmp_path, list(RECORDS))
    assert _kinds(tmp_path) == ["text"] * 3
    LocalStore.open_for_write(tmp_path).close()  # what any write does first
    assert _kinds(tmp_path) == ["blob"] * 3
    _assert_plain(tmp_path, RECORDS)


@pytest.mark.parametrize("damage", ["cut short", "garbage"])
def test_a_damaged_blob_is_named_not_a_traceback(tmp_path: Path, damage: str) -> None:
    _write(tmp_path, *RECORDS)
    (sid, value), = _sql(tmp_path, "SELECT s.id, s.text FROM speeches s JOIN documents d ON d.id = s.doc_id "
                                   "WHERE d.path = '/s/b.txt'")
    broken = value[: len(value) // 2] if damage == "cut short" else b"\x78\x9c" + bytes(range(40))
    _sql(tmp_path, "UPDATE speeches SET text = ? WHERE id = ?", (broken, sid))
    ids = [i for (i,) in _sql(tmp_path, "SELECT id FROM chunks WHERE speech_id = ?", (sid,))]
    store = LocalStore.open(tmp_path)
    try:
        for read in (lambda: store.chunks_by_ids(ids), lambda: store.speech_text(ids[0]), lambda: list(store.records())):
            with pytest.raises(IndexCorruptError, match=rf"{tmp_path}.*{DB_FILE}.*cannot be decompressed"):
                read()
        assert [r.doc_path for r in store.chunks_by_ids(ids[:0] + [1, 2])] == ["/s/a.txt"] * 2  # the rest reads
    finally:
        store.close()
    config = IndexConfig(index_path=tmp_path, models_dir=tmp_path / "models")
    for problems in (check_index(config).problems, store_status(config, check=True).problems):
        problem, = (p for p in problems if "decompressed" in p.what)
        assert problem.file == DB_FILE and not problem.fix and str(sid) in problem.detail


def test_pack_round_trips_and_text_passes_through() -> None:
    text = "".join(C) * 50
    assert unpack(pack(text)) == text and unpack(text) == text
    assert len(pack(text)) < len(text.encode("utf-8")) / 2
