"""Derived titles, file names and date sources in the store, on hits, on screen; old indexes stay readable."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from _index_fakes import record
from _index_fakes import write_records as _write
from _old_index import write_old_index
from rich.console import Console

from index.stores.local import LocalStore as IndexStore
from index.stores.local_schema import DB_FILE, SCHEMA_VERSION
from qa.errors import IndexOutdatedError, with_advice
from qa.render import render_status
from qa.types import Hit
from tui.widgets.citation_card import card_content


def _derived(path: str, title: str, texts: list[str], date: str | None, source: str | None):  # type: ignore[no-untyped-def]
    rec = record(path, title, texts, date)
    speech = replace(rec.speeches[0], title_derived=True, source_name=Path(path).name, date_source=source)
    return replace(rec, speeches=(speech,))


def _rows(path: Path) -> list:  # type: ignore[type-arg]
    store = IndexStore.open(path)
    try:
        return store.chunks_by_ids(sorted(store.generation.lexical.ids.tolist()))
    finally:
        store.close()


def test_fields_round_trip_through_the_store(tmp_path: Path) -> None:
    _write(tmp_path, _derived("/s/002_x.txt", "在组织工作会议上的讲话", ["一段话。"], None, None),
           record("/s/a.txt", "讲话", ["另一段话。"], "2021"))
    derived, plain = _rows(tmp_path)
    assert (derived.title_derived, derived.source_name, derived.date_source) == (True, "002_x.txt", None)
    assert (plain.title_derived, plain.source_name) == (False, "a.txt")  # never empty: the path's name


@pytest.mark.parametrize("schema", [1, 2])
def test_old_index_is_named_and_upgraded_by_the_next_write(tmp_path: Path, schema: int) -> None:
    """An index of an older schema is refused with one line; the next write upgrades it in place,
    keeping chunk ids, vectors and rows, and embedding nothing again."""
    old = record("/s/a.txt", "讲话", ["一段话。", "第二段话。"], "2021")
    write_old_index(tmp_path, [old], schema=schema)
    with pytest.raises(IndexOutdatedError, match=f"{tmp_path}.*older version .schema {schema}.") as err:
        IndexStore.open(tmp_path)
    assert "\n" not in with_advice(err.value) and "qa index add" in with_advice(err.value)
    _write(tmp_path, _derived("/s/b.txt", "在会议上的讲话", ["二段话。"], "2020", "filename"))
    first, second, new = _rows(tmp_path)
    assert (first.chunk_id, first.text, first.title_derived, first.source_name) == (1, "一段话。", False, "a.txt")
    assert (new.title_derived, new.date_source) == (True, "filename")
    store = IndexStore.open(tmp_path)
    try:
        assert np.allclose(store.vectors([first.chunk_id, second.chunk_id]), old.vectors, atol=1e-6)
        assert store.lexical_search("第二段话", 1)[0][0] == second.chunk_id
        assert store.manifest.created == "then" and store.status().documents == 2
    finally:
        store.close()
    assert not (tmp_path / "vectors.1.faiss").exists()  # the old file went with the write after the upgrade


def test_status_lists_speeches_without_a_date(tmp_path: Path) -> None:
    _write(tmp_path, record("/s/a.txt", "有日期", ["一段话。"], "2021"), record("/s/b.txt", "无日期", ["二段话。"]))
    store = IndexStore.open(tmp_path)
    try:
        status = store.status()
    finally:
        store.close()
    assert status.undated == ["无日期 (b.txt)"]
    console = Console(width=120, record=True, color_system=None)
    render_status(console, status)
    out = console.export_text()
    assert "1 speech without a date" in out and "无日期 (b.txt)" in out and "有日期" not in out


def test_status_cuts_long_lists_and_says_how_many_more() -> None:
    from dataclasses import replace

    from index.types import IndexStatus
    from qa.render import STATUS_LIST_LIMIT

    many = [f"/s/{n:05}.txt" for n in range(STATUS_LIST_LIMIT + 7)]
    status = replace(IndexStatus(path="/idx", exists=True, documents=len(many)), doc_paths=many,
                     undated=[f"无日期 ({n})" for n in range(3)])
    console = Console(width=120, record=True, color_system=None)
    render_status(console, status)
    out = console.export_text()
    assert many[STATUS_LIST_LIMIT - 1] in out and many[STATUS_LIST_LIMIT] not in out
    assert "… and 7 more (qa index status --json lists them all)" in out
    assert all(f"无日期 ({n})" in out for n in range(3)) and out.count("more (qa index") == 1


HIT = Hit(rank=1, score=1.0, chunk_id=7, doc_path="/s/002_x.txt", title="在组织工作会议上的讲话", date=None,
          section=("一、总体要求",), text="一段话。", start=0, end=4)


def test_derived_titles_are_marked_in_citations_cards_and_json() -> None:
    derived = replace(HIT, title_derived=True, source_name="002_x.txt", date_source=None)
    assert derived.citation() == "≈ 在组织工作会议上的讲话 › 一、总体要求"
    assert HIT.citation() == "在组织工作会议上的讲话 › 一、总体要求"
    assert str(card_content(derived)).startswith("[1] ≈ 在组织工作会议上的讲话")
    data = json.loads(json.dumps(derived.to_dict()))
    assert (data["title_derived"], data["source_name"], data["date_source"]) == (True, "002_x.txt", None)
    assert Hit.from_dict(data) == derived


def test_hits_saved_before_the_fields_existed_still_load() -> None:
    data = HIT.to_dict()
    for key in ("title_derived", "source_name", "date_source"):
        data.pop(key)
    assert Hit.from_dict(data) == HIT


@pytest.mark.parametrize("schema", [SCHEMA_VERSION + 1, 0])
def test_unknown_schema_is_refused(tmp_path: Path, schema: int) -> None:
    _write(tmp_path, record("/s/a.txt", "讲话", ["一段话。"], "2021"))
    conn = sqlite3.connect(tmp_path / DB_FILE)
    value = json.loads(conn.execute("SELECT value FROM manifest WHERE key = 'manifest'").fetchone()[0])
    conn.execute("UPDATE manifest SET value = ? WHERE key = 'manifest'", (json.dumps({**value, "schema": schema}),))
    conn.commit()
    conn.close()
    with pytest.raises(Exception, match="incompatible version"):
        IndexStore.open(tmp_path)
