"""The trash of removed vectors (index/stores/trash.py): undoing a mistaken removal embeds nothing.

The real reader and store on the sample speeches, with the deterministic fake encoder, which
counts every passage it is asked to embed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _index_fakes import Factory

from index.config import IndexConfig
from index.indexer import Indexer
from index.plan import APPROVE_ALL
from index.stores import trash
from index.stores.local import LocalStore
from tests.faults._snapshot import check_consistent, snapshot


@pytest.fixture()
def folder(tmp_path: Path, data_dir: Path) -> Path:
    target = tmp_path / "speeches"
    shutil.copytree(data_dir, target, ignore=shutil.ignore_patterns("*.jsonl", "formats"))
    return target


def indexer(index: Path, factory: Factory) -> Indexer:
    return Indexer(IndexConfig(index_path=index, models_dir=index.parent / "models"), factory,
                   fingerprint=lambda config: "fp-1")


def trash_rows(index: Path) -> int:
    store = LocalStore.open(index)
    try:
        return trash.size(store._query)
    finally:
        store.close()


@pytest.mark.parametrize("undo", ["sync", "remove"])
def test_re_adding_removed_files_embeds_nothing_and_equals_a_fresh_build(tmp_path: Path, folder: Path,
                                                                         undo: str) -> None:
    factory = Factory()
    index = tmp_path / "idx"
    indexer(index, factory).build([folder])
    total = len(factory.encoder.texts)
    if undo == "sync":  # the mistake: a sync on an emptied folder, approved
        empty = tmp_path / "empty"
        empty.mkdir()
        report = indexer(index, factory).sync(empty, approval=APPROVE_ALL)
    else:
        report = indexer(index, factory).remove([folder], approval=APPROVE_ALL)
    assert len(report.removed) == 5 and trash_rows(index) > 0
    assert check_consistent(index) == []
    report = indexer(index, factory).add([folder])
    assert len(report.added) == 5 and report.chunks_embedded == 0 and len(factory.encoder.texts) == total
    fresh = tmp_path / "fresh"
    indexer(fresh, Factory()).build([folder])
    assert snapshot(index).same_as(snapshot(fresh)) == []
    assert check_consistent(index) == []


def test_an_edit_undone_reuses_the_old_passages(tmp_path: Path, folder: Path) -> None:
    factory = Factory()
    index = tmp_path / "idx"
    indexer(index, factory).build([folder])
    file = folder / "001_2db0e6606ab9e04e.txt"
    original = file.read_text(encoding="utf-8")
    file.write_text(original.replace("。", "！"), encoding="utf-8")  # every passage changes
    assert indexer(index, factory).add([folder]).chunks_embedded > 0
    file.write_text(original, encoding="utf-8")
    assert indexer(index, factory).add([folder]).chunks_embedded == 0


def test_the_trash_keeps_the_last_writes_only_and_a_build_empties_it(tmp_path: Path, folder: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    factory = Factory()
    index = tmp_path / "idx"
    indexer(index, factory).build([folder])
    files = sorted(folder.glob("*.txt"))
    indexer(index, factory).remove([files[0]])
    kept = trash_rows(index)
    for other in files[1:trash.KEEP_WRITES]:  # KEEP_WRITES - 1 more writes: files[0]'s rows are still there
        indexer(index, factory).remove([other])
    assert trash_rows(index) > kept
    indexer(index, factory).remove([files[trash.KEEP_WRITES]])  # the write that ages files[0]'s rows out
    assert indexer(index, factory).add([files[0]]).chunks_embedded > 0
    monkeypatch.setattr(trash, "MAX_ROWS", 3)
    indexer(index, factory).remove([files[-1]])
    assert trash_rows(index) == 3
    indexer(index, factory).build([folder])
    assert trash_rows(index) == 0
