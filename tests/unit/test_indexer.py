"""Indexer: build/add/remove/sync embed only what is new and keep the stores in step."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from _index_fakes import Factory, FakeEncoder, use_fake_reader, write_speech

from index.indexer import Indexer
from index.stores.local import LocalStore as IndexStore
from qa.errors import IndexCorruptError, IndexMissingError, ModelMismatchError, QAError
from qa.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data"
A = ["# 一、宣传工作", "严格落实意识形态工作责任制。", "做大做强正面宣传。"]
B = ["# 二、组织工作", "党员人数较多的机关科室，原则上支部建在科室。", "机关专职党务工作人员按比例配备。"]
C = ["# 三、统战工作", "统一战线大团结、大联合。", "凝聚各方力量。", "画出最大同心圆。"]


@pytest.fixture(autouse=True)
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_reader(monkeypatch)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", batch_size=2)


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "speeches"
    folder.mkdir()
    write_speech(folder, "a.txt", "宣传讲话", A, "2021-03-05")
    write_speech(folder, "b.txt", "组织讲话", B, "2022-01-10")
    return folder


def make(settings: Settings, factory: Factory | None = None, model_fp: str = "fp-1") -> Indexer:
    return Indexer(settings.index_config, factory or Factory(), fingerprint=lambda s: model_fp)


def open_store(settings: Settings) -> IndexStore:
    return IndexStore.open(settings.index_path)


def sql(settings: Settings, query: str) -> list[tuple]:  # type: ignore[type-arg]
    conn = sqlite3.connect(settings.index_path / "index.sqlite")
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def assert_consistent(settings: Settings, chunks: int) -> None:
    store = open_store(settings)
    try:
        ids = sorted(r[0] for r in sql(settings, "SELECT id FROM chunks"))
        assert sorted(store.generation.vectors.ids.tolist()) == ids
        assert sorted(store.generation.lexical.ids.tolist()) == ids and len(ids) == chunks
    finally:
        store.close()


def test_build_embeds_everything_and_reports_progress(settings: Settings, docs: Path) -> None:
    factory, calls = Factory(), []
    report = make(settings, factory).build([docs], progress=lambda d, t, w: calls.append((d, t, w)))
    assert report.chunks_embedded == 4 and len(report.added) == 2 and report.skipped == []
    assert factory.loads == 1 and factory.encoder.calls == 2  # batch_size 2: one call per batch
    assert [c for c in calls if c[2] == "embedding"] == [(2, 4, "embedding"), (4, 4, "embedding")]
    assert [c for c in calls if c[2] == "reading"] == [(1, 2, "reading"), (2, 2, "reading")]
    assert_consistent(settings, 4)


def test_add_of_unchanged_files_loads_no_model(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    factory = Factory()
    report = make(settings, factory).add([docs])
    assert factory.loads == 0 and report.chunks_embedded == 0
    assert sorted(Path(p).name for p in report.unchanged) == ["a.txt", "b.txt"]
    assert open_store(settings).manifest.generation == 1  # nothing written either


def test_add_new_file_embeds_only_its_chunks(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    write_speech(docs, "c.txt", "统战讲话", C, "2023")
    factory = Factory()
    report = make(settings, factory).add([docs])
    assert report.chunks_embedded == 3 and [Path(p).name for p in report.added] == ["c.txt"]
    assert factory.encoder.texts and all("统战讲话" in t for t in factory.encoder.texts)
    assert len(factory.encoder.texts) == 3
    assert_consistent(settings, 7)


def test_changed_file_reembeds_only_its_new_passages(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    old_ids = {r[0] for r in sql(settings, "SELECT c.id FROM chunks c JOIN speeches s ON s.id = c.speech_id "
                                           "JOIN documents d ON d.id = s.doc_id WHERE d.path LIKE '%b.txt'")}
    write_speech(docs, "b.txt", "组织讲话", [*B, "新增：加强机关党建。"], "2022-01-10")
    factory = Factory()
    report = make(settings, factory).add([docs / "b.txt"])
    assert [Path(p).name for p in report.updated] == ["b.txt"]
    assert report.chunks_embedded == 1 and factory.encoder.texts == ["组织讲话 › 二、组织工作\n新增：加强机关党建。"]
    store = open_store(settings)
    try:
        new_ids = {cid for cid, _ in store.lexical_search("支部建在科室", 10)} | {
            cid for cid, _ in store.lexical_search("加强机关党建", 10)}
        assert new_ids and new_ids.isdisjoint(old_ids)  # old chunks gone from SQLite, FAISS and BM25
        hit = store.dense_search(FakeEncoder().encode_passages(["组织讲话 › 二、组织工作\n" + B[1]])[0], 1)[0]
        assert hit[0] not in old_ids and hit[1] == pytest.approx(1.0, abs=1e-5)  # reused vector is the same
    finally:
        store.close()
    assert_consistent(settings, 5)


def test_unreadable_file_is_skipped_and_others_go_on(settings: Settings, docs: Path) -> None:
    (docs / "bad.txt").write_text("坏文件|\nBROKEN", encoding="utf-8")
    report = make(settings).build([docs])
    assert [(Path(p).name, "cannot decode" in why) for p, why in report.skipped] == [("bad.txt", True)]
    assert len(report.added) == 2
    assert_consistent(settings, 4)


def test_build_with_nothing_readable_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(QAError, match="nothing to index"):
        make(settings).build([empty])


def test_remove_by_file_and_folder(settings: Settings, docs: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    write_speech(other, "c.txt", "统战讲话", C)
    make(settings).build([docs, other])
    report = make(settings).remove([docs / "a.txt", tmp_path / "missing.txt"])
    assert [Path(p).name for p in report.removed] == ["a.txt"]
    assert report.skipped == [(str(tmp_path / "missing.txt"), "not in the index")]
    assert make(settings).remove([other]).removed == [str((other / "c.txt").resolve())]
    assert_consistent(settings, 2)
    store = open_store(settings)
    assert store.lexical_search("意识形态", 5) == [] and store.lexical_search("同心圆", 5) == []
    store.close()


def test_sync_adds_new_and_removes_vanished(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    (docs / "a.txt").unlink()
    write_speech(docs, "c.txt", "统战讲话", C)
    report = make(settings).sync(docs)
    assert [Path(p).name for p in report.removed] == ["a.txt"]
    assert [Path(p).name for p in report.added] == ["c.txt"] and report.chunks_embedded == 3
    assert_consistent(settings, 5)


def test_sync_of_a_renamed_file_reuses_vectors(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    (docs / "a.txt").rename(docs / "a2.txt")
    factory = Factory()
    report = make(settings, factory).sync(docs)
    assert report.chunks_embedded == 0 and factory.loads == 0 and len(report.removed) == len(report.added) == 1


def test_build_replaces_the_previous_index(settings: Settings, docs: Path, tmp_path: Path) -> None:
    make(settings).build([docs])
    other = tmp_path / "other"
    other.mkdir()
    write_speech(other, "c.txt", "统战讲话", C)
    report = make(settings).build([other])
    assert report.chunks_embedded == 3
    assert [Path(p).name for p in open_store(settings).documents()] == ["c.txt"]
    assert_consistent(settings, 3)


def test_model_mismatch_names_both_models(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    other = Settings(data_dir=settings.data_dir, model="BAAI/bge-small-zh")
    with pytest.raises(ModelMismatchError, match="fake|multilingual-e5-small") as err:
        make(other).add([docs])
    assert "multilingual-e5-small" in str(err.value) and "bge-small-zh" in str(err.value)
    write_speech(docs, "c.txt", "统战讲话", C)
    with pytest.raises(ModelMismatchError, match="fp-1.*fp-2"):
        make(settings, model_fp="fp-2").add([docs])
    make(other).build([docs])  # build replaces whatever model made the index
    assert open_store(other).manifest.model == "BAAI/bge-small-zh"


def test_failure_mid_add_leaves_the_old_index_usable(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    write_speech(docs, "c.txt", "统战讲话", C)

    class Exploding(Factory):
        def __call__(self, settings: Settings, expected_passages: int | None) -> FakeEncoder:
            encoder = super().__call__(settings, expected_passages)
            encoder.encode_passages = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("out of memory"))  # type: ignore[method-assign]
            return encoder

    with pytest.raises(RuntimeError, match="out of memory"):
        make(settings, Exploding()).add([docs])
    store = open_store(settings)
    try:
        assert store.manifest.generation == 1 and len(store.documents()) == 2
        assert store.lexical_search("意识形态工作责任制", 1)
    finally:
        store.close()
    assert make(settings).add([docs]).chunks_embedded == 3  # and the next add works


def test_file_without_passages_is_stored_and_then_unchanged(settings: Settings, docs: Path) -> None:
    write_speech(docs, "title_only.txt", "只有标题", [])
    assert len(make(settings).build([docs]).added) == 3
    report = make(settings).add([docs])
    assert len(report.unchanged) == 3 and report.chunks_embedded == 0
    assert_consistent(settings, 4)


def test_build_over_a_damaged_index_starts_afresh(settings: Settings, docs: Path) -> None:
    make(settings).build([docs])
    (settings.index_path / "vectors.1.faiss").unlink()
    with pytest.raises(IndexCorruptError, match="damaged"):
        make(settings).add([docs])
    assert make(settings).build([docs]).chunks_embedded == 4
    assert_consistent(settings, 4)
    assert list(settings.index_path.glob("*.broken"))  # the damaged database is kept aside


def test_remove_without_index_names_the_folder(settings: Settings) -> None:
    with pytest.raises(IndexMissingError, match="no index at"):
        make(settings).remove([Path("/nowhere.txt")])


def test_add_creates_a_missing_index(settings: Settings, docs: Path) -> None:
    report = make(settings).add([docs])
    assert len(report.added) == 2 and report.chunks_embedded == 4
    assert_consistent(settings, 4)


def test_concurrent_writers_are_serialised(settings: Settings, docs: Path, tmp_path: Path) -> None:
    make(settings).build([docs])
    folders = []
    for i in range(3):
        folder = tmp_path / f"more{i}"
        folder.mkdir()
        write_speech(folder, f"c{i}.txt", f"统战讲话{i}", C)
        folders.append(folder)
    errors: list[BaseException] = []

    def add(folder: Path) -> None:
        try:
            make(settings).add([folder])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(f,)) for f in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_consistent(settings, 4 + 9)


def test_real_reader_over_sample_speeches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real reader (when present): every stored chunk is its speech's text at its offsets."""
    pytest.importorskip("index.reader")
    pytest.importorskip("index.chunker")
    monkeypatch.undo()
    settings = Settings(data_dir=tmp_path / "data")
    report = make(settings).build(sorted(DATA.glob("*.txt")))
    assert len(report.added) == 5 and report.chunks_embedded > 20
    store = open_store(settings)
    try:
        ids = sorted(store.generation.lexical.ids.tolist())
        for row in store.chunks_by_ids(ids):
            assert store.speech_text(row.chunk_id).text[row.start:row.end] == row.text
    finally:
        store.close()


def test_the_job_size_reaches_the_encoder_factory(settings: Settings, docs: Path) -> None:
    """So a small update can pick the encoder that starts fastest (index.embed.load_passage_encoder)."""
    factory = Factory()
    report = make(settings, factory).add([docs])
    assert factory.expected and factory.expected[0] is not None
    assert factory.expected[0] >= report.chunks_embedded > 0


def test_editing_speeches_toml_rereads_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's date in speeches.toml reaches the index on the next add, without a rebuild."""
    monkeypatch.undo()
    folder = tmp_path / "docs"
    folder.mkdir()
    name = "002_34cb7f9ba8abacee.txt"
    (folder / name).write_bytes((DATA / name).read_bytes())
    settings = Settings(data_dir=tmp_path / "data")
    factory = Factory()
    make(settings, factory).build([folder])
    assert make(settings, factory).add([folder]).unchanged == [str((folder / name).resolve())]
    (folder / "speeches.toml").write_text(f'["{name}"]\ndate = "2022-02-15"\n', encoding="utf-8")
    report = make(settings, factory).add([folder])
    assert report.updated == [str((folder / name).resolve())] and report.chunks_embedded == 0
    store = open_store(settings)
    try:
        rows = store.chunks_by_ids(sorted(store.generation.lexical.ids.tolist()))
        assert {row.date for row in rows} == {"2022-02-15"}
    finally:
        store.close()
