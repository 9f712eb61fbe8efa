"""Index jobs never destroy by accident: missing/empty folders, bulk removals, dry runs, lock waits,
oversized files (issue 9). The removal rule itself is unit-tested on ChangePlan."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from _index_fakes import Factory, use_fake_reader, write_speech

from index import indexer as indexer_module
from index.errors import FolderMissingError, ReadError
from index.filesize import MAX_FILE_BYTES, MAX_META_BYTES
from index.indexer import Indexer
from index.plan import APPROVE_ALL, Approval, ChangePlan, UnconfirmedRemovalError, count
from index.reader import document_fingerprint, parse_document
from index.stages import UPGRADING, is_waiting
from index.stores import writer_lock
from qa.settings import Settings

LINES = ["# 一、宣传工作", "严格落实意识形态工作责任制。", "做大做强正面宣传。"]


@pytest.fixture(autouse=True)
def fake_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_reader(monkeypatch)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def folder_of(tmp_path: Path, name: str, docs: int) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for i in range(docs):
        write_speech(folder, f"{name}{i}.txt", f"讲话{name}{i}", [*LINES, f"第{i}段。"])
    return folder


def make(settings: Settings, factory: Factory | None = None) -> Indexer:
    return Indexer(settings.index_config, factory or Factory(), fingerprint=lambda s: "fp-1")


def indexed(settings: Settings) -> list[str]:
    conn = sqlite3.connect(settings.index_path / "index.sqlite")
    try:
        return sorted(r[0] for r in conn.execute("SELECT path FROM documents"))
    finally:
        conn.close()


def db_mtime(settings: Settings) -> int:
    return (settings.index_path / "index.sqlite").stat().st_mtime_ns


# ---------------------------------------------------------------- the rule
def plan(removed: int, indexed: int, *, bulk: int | None = None, action: str = "sync", empty: bool = False
         ) -> ChangePlan:
    paths = tuple(f"/d/{i}.txt" for i in range(removed))
    return ChangePlan(action, ("/d",), "/idx", indexed, removed=paths,
                      removed_in_bulk=removed if bulk is None else bulk, empty_source=empty)


@pytest.mark.parametrize(("removed", "total", "risky"), [(0, 4, False), (1, 4, False), (2, 4, False), (3, 4, True),
                                                         (4, 4, True), (1, 1, True), (0, 0, False)])
def test_more_than_half_needs_a_confirmation(removed: int, total: int, risky: bool) -> None:
    assert (plan(removed, total).removal_risk() is not None) == risky


def test_named_files_and_builds_need_no_confirmation() -> None:
    assert plan(3, 3, bulk=0, action="remove").removal_risk() is None  # each file named by the user
    assert plan(3, 3, action="build").removal_risk() is None  # a build replaces everything by design


def test_risk_message_says_how_many_and_why() -> None:
    message = plan(5, 5, empty=True).removal_risk()
    assert message is not None and "5 documents of the 5" in message and "whole index" in message
    assert "/d holds no speech files" in message and "nothing was changed" in message


def test_an_approval_covers_only_the_documents_it_saw() -> None:
    seen = plan(3, 4)
    assert Approval.of(seen).covers(seen) and APPROVE_ALL.covers(plan(4, 4))
    assert not Approval.of(seen).covers(plan(4, 4))


@pytest.mark.parametrize(("n", "noun", "text"), [(1, "chunk", "1 chunk"), (2, "chunk", "2 chunks"),
                                                 (0, "document", "0 documents"), (2, "speech", "2 speeches")])
def test_count_pluralises(n: int, noun: str, text: str) -> None:
    assert count(n, noun) == text


# ---------------------------------------------------------------- sync and remove
def test_sync_of_a_missing_folder_is_an_error_and_removes_nothing(settings: Settings, tmp_path: Path) -> None:
    docs = folder_of(tmp_path, "a", 3)
    make(settings).build([docs])
    before = indexed(settings)
    with pytest.raises(FolderMissingError, match="nope does not exist"):
        make(settings).sync(tmp_path / "nope")
    with pytest.raises(FolderMissingError, match="is not a folder"):
        make(settings).sync(docs / "a0.txt")
    assert indexed(settings) == before


def test_sync_of_an_empty_folder_stops_then_proceeds_when_approved(settings: Settings, tmp_path: Path) -> None:
    docs = folder_of(tmp_path, "a", 3)
    empty = tmp_path / "empty"
    empty.mkdir()
    make(settings).build([docs])
    before, mtime = indexed(settings), db_mtime(settings)
    with pytest.raises(UnconfirmedRemovalError) as caught:
        make(settings).sync(empty)
    assert "3 documents of the 3" in str(caught.value) and caught.value.plan.removed == tuple(before)
    assert indexed(settings) == before and db_mtime(settings) == mtime
    report = make(settings).sync(empty, approval=Approval.of(caught.value.plan))
    assert sorted(report.removed) == before and indexed(settings) == []


def test_an_approval_does_not_cover_a_folder_that_changed_since(settings: Settings, tmp_path: Path) -> None:
    docs = folder_of(tmp_path, "a", 4)
    make(settings).build([docs])
    for name in ("a0.txt", "a1.txt", "a2.txt"):
        (docs / name).unlink()
    with pytest.raises(UnconfirmedRemovalError) as caught:
        make(settings).sync(docs)
    (docs / "a3.txt").unlink()  # one more went after the user said yes to three
    with pytest.raises(UnconfirmedRemovalError):
        make(settings).sync(docs, approval=Approval.of(caught.value.plan))
    assert len(indexed(settings)) == 4


def test_sync_removing_half_or_less_just_runs(settings: Settings, tmp_path: Path) -> None:
    docs = folder_of(tmp_path, "a", 4)
    make(settings).build([docs])
    (docs / "a0.txt").unlink()
    (docs / "a1.txt").unlink()
    assert len(make(settings).sync(docs).removed) == 2


def test_remove_of_a_folder_holding_most_of_the_index_asks(settings: Settings, tmp_path: Path) -> None:
    docs = folder_of(tmp_path, "a", 3)
    make(settings).build([docs])
    with pytest.raises(UnconfirmedRemovalError, match="remove of"):
        make(settings).remove([docs])
    assert len(make(settings).remove([docs / "a0.txt", docs / "a1.txt"]).removed) == 2  # named one by one
    assert make(settings).remove([docs], approval=APPROVE_ALL).removed == [str((docs / "a2.txt").resolve())]


# ---------------------------------------------------------------- dry runs
@pytest.mark.parametrize("action", ["build", "add", "sync", "remove"])
def test_dry_run_writes_nothing_and_loads_no_model(settings: Settings, tmp_path: Path, action: str) -> None:
    docs = folder_of(tmp_path, "a", 2)
    make(settings).build([docs])
    write_speech(docs, "new.txt", "新讲话", ["新的一段。", "又一段。"])
    (docs / "a0.txt").unlink()
    mtime, factory = db_mtime(settings), Factory()
    target = [docs / "a1.txt"] if action == "remove" else [docs]
    result = make(settings, factory).plan(action, target)
    assert factory.loads == 0 and db_mtime(settings) == mtime
    names = {k: sorted(Path(p).name for p in getattr(result, k)) for k in ("added", "removed", "unchanged")}
    expected = {"build": {"added": ["a1.txt", "new.txt"], "removed": ["a0.txt"], "unchanged": []},
                "add": {"added": ["new.txt"], "removed": [], "unchanged": ["a1.txt"]},
                "sync": {"added": ["new.txt"], "removed": ["a0.txt"], "unchanged": ["a1.txt"]},
                "remove": {"added": [], "removed": ["a1.txt"], "unchanged": []}}[action]
    assert names == expected
    assert result.to_embed == {"build": 5, "add": 2, "sync": 2, "remove": 0}[action]  # a build re-embeds all


def test_dry_run_without_an_index_plans_everything(settings: Settings, tmp_path: Path) -> None:
    docs = folder_of(tmp_path, "a", 2)
    result = make(settings).plan("add", [docs])
    assert len(result.added) == 2 and result.indexed == 0 and result.to_embed == 6
    assert not settings.index_path.exists()


def test_dry_run_of_a_sync_to_a_missing_folder_is_the_same_error(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(FolderMissingError):
        make(settings).plan("sync", [tmp_path / "nope"])


# ---------------------------------------------------------------- stages
def test_the_model_stage_is_labelled_before_embedding(settings: Settings, tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    make(settings).build([folder_of(tmp_path, "a", 2)], progress=lambda d, t, w: calls.append((d, t, w)))
    stages = list(dict.fromkeys(w for _d, _t, w in calls))
    assert stages[0] == "reading" and stages[-1] == "embedding"
    assert [s for s in stages[1:-1] if s.startswith("loading the embedding model")]
    assert all(t == 0 for _d, t, w in calls if w.startswith("loading"))  # no count: a busy bar


def test_a_second_writer_waits_and_says_so(settings: Settings, tmp_path: Path) -> None:
    docs = folder_of(tmp_path, "a", 1)
    make(settings).build([docs])
    write_speech(docs, "new.txt", "新讲话", ["新的一段。"])
    calls: list[tuple[float, str]] = []
    started = time.monotonic()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_lock(settings.index_config):
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    adder = threading.Thread(target=lambda: make(settings).add(
        [docs], progress=lambda d, t, w: calls.append((time.monotonic() - started, w))))
    adder.start()
    time.sleep(1.6)
    waited = [(t, w) for t, w in calls if is_waiting(w)]
    assert len(waited) == 1 and waited[0][0] >= 0.9 and str(settings.index_path) in waited[0][1]
    assert adder.is_alive() and len(indexed(settings)) == 1
    release.set()
    holder.join(10)
    adder.join(30)
    assert not adder.is_alive() and len(indexed(settings)) == 2


def test_a_write_that_upgrades_an_older_index_says_so_first(settings: Settings, tmp_path: Path) -> None:
    import json

    docs = folder_of(tmp_path, "a", 1)
    make(settings).build([docs])
    conn = sqlite3.connect(settings.index_path / "index.sqlite")
    value = json.loads(conn.execute("SELECT value FROM manifest WHERE key = 'manifest'").fetchone()[0])
    conn.execute("UPDATE manifest SET value = ? WHERE key = 'manifest'", (json.dumps({**value, "schema": 3}),))
    conn.commit()
    conn.close()
    write_speech(docs, "new.txt", "新讲话", ["新的一段。"])
    stages: list[str] = []
    make(settings).add([docs], progress=lambda d, t, w: stages.append(w))
    assert stages[0] == UPGRADING and len(indexed(settings)) == 2
    stages.clear()
    write_speech(docs, "third.txt", "又一篇", ["又一段。"])
    make(settings).add([docs], progress=lambda d, t, w: stages.append(w))
    assert UPGRADING not in stages  # upgraded once


# ---------------------------------------------------------------- sizes
def test_oversized_files_are_refused_before_being_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used, and reading it would take seconds
    for read in (document_fingerprint, parse_document):
        with pytest.raises(ReadError, match=r"big\.txt: file is too large \(67,108,865 bytes; the limit is 67,108,864 bytes\)"):
            read(big)


def test_an_oversized_speeches_toml_is_refused(tmp_path: Path) -> None:
    speech = tmp_path / "a.txt"
    speech.write_text("同志们：\n今天开会。\n", encoding="utf-8")
    with open(tmp_path / "speeches.toml", "wb") as handle:
        handle.truncate(MAX_META_BYTES + 1)
    with pytest.raises(ReadError, match=r"speeches\.toml: file is too large"):
        document_fingerprint(speech)


def test_an_oversized_file_is_skipped_by_name_and_the_others_indexed(settings: Settings, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexer_module, "_fingerprint_file", document_fingerprint)
    docs = folder_of(tmp_path, "a", 1)
    with open(docs / "huge.txt", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    report = make(settings).add([docs])
    assert [Path(p).name for p in report.added] == ["a0.txt"]
    assert [(Path(p).name, "too large" in why) for p, why in report.skipped] == [("huge.txt", True)]


# ---------------------------------------------------------------- a write during a read
def test_a_question_read_across_a_commit_is_answered_from_the_new_index(settings: Settings, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The vectors in memory are one generation's, the rows are read from SQLite live: a sync that
    commits in between (here: right before the rows are read) made every candidate vanish, and the
    ranking failed with IndexError. The engine now reads again when a commit happened meanwhile."""
    from qa.engine import QAEngine

    monkeypatch.setattr("index.embed.load_query_encoder", lambda config: Factory().encoder)
    old, new = folder_of(tmp_path, "old", 2), folder_of(tmp_path, "new", 2)
    make(settings).build([old])
    engine = QAEngine(settings)
    store = engine.store
    read_rows = store.chunks_by_ids
    synced: list[bool] = []

    def rows_after_a_commit(ids):  # type: ignore[no-untyped-def]
        if not synced:
            synced.append(True)
            make(settings).sync(new, approval=APPROVE_ALL)  # another writer commits now
        return read_rows(ids)

    monkeypatch.setattr(store, "chunks_by_ids", rows_after_a_commit)
    answer = engine.ask("严格落实意识形态工作责任制")
    assert synced and answer.hits and all(Path(h.doc_path).parent == new for h in answer.hits)
