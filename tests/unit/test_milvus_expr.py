"""Milvus store pieces that need no server: store URIs, filter expressions, ids, version checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.config import IndexConfig
from index.errors import ConfigError, FilterError
from index.store_uri import parse_store
from index.stores.milvus.client import MilvusStoreError, check_version
from index.stores.milvus.expr import contains, filter_expression
from index.stores.milvus.rows import stable_id
from index.types import Filters


def test_store_uris() -> None:
    server = parse_store("milvus://db.example:19531/speeches?timeout=5")
    assert server is not None
    assert (server.address, server.collection, server.timeout, server.lite_dir) == (
        "http://db.example:19531", "speeches", 5.0, None)
    default = parse_store("milvus://db.example")
    assert default is not None and (default.address, default.collection) == ("http://db.example:19530", "speech_qa")
    lite = parse_store("milvus-lite:///var/lib/qa/milvus?collection=reports")
    assert lite is not None and (lite.lite_dir, lite.collection, lite.address) == (
        Path("/var/lib/qa/milvus"), "reports", None)
    assert parse_store("") is None and parse_store("  ") is None  # the local folder
    assert server.key == parse_store("milvus://db.example:19531/speeches?timeout=60").key  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", ["milvus://h/9lives", "milvus-lite://relative/dir", "milvus://h:port/c",
                                 "milvus://h/c?timeout=soon", "milvus://h/c?timeout=0", "http://h:19530/c",
                                 "/home/me/index", "milvus"])
def test_bad_store_uris_are_config_errors_naming_them(bad: str) -> None:
    with pytest.raises(ConfigError, match="setting 'store'") as err:
        IndexConfig(index_path=Path("/tmp/i"), models_dir=Path("/tmp/m"), store=bad)
    assert repr(bad) in str(err.value)


def test_filters_become_expressions() -> None:
    assert filter_expression(None) is None and filter_expression(Filters()) is None
    assert filter_expression(Filters(doc="組織 ")) == '(title_norm like "%组织 %" or file_norm like "%组织 %")'
    assert filter_expression(Filters(since="2021-06", until="2021")) == (
        'date != "" and date_end >= "2021-06" and date <= "2021~"')
    assert filter_expression(Filters(section="第二")) == 'section_norm like "%第二%"'
    with pytest.raises(FilterError, match="--until '2021-02-30'"):
        filter_expression(Filters(until="2021-02-30"))


def test_like_needles_are_escaped_for_milvus_and_wildcarded_for_lite() -> None:
    assert contains("f", 'a_b%c\\d"e') == r'f like "%a\\_b\\%c\\\\d\"e%"'
    assert contains("f", "a_b%c", escapes=False) == 'f like "%a_b_c%"'


def test_ids_are_stable_and_distinct() -> None:
    assert stable_id("chunk", "/a.txt", "sha", 0, 1) == stable_id("chunk", "/a.txt", "sha", 0, 1)
    ids = {stable_id("chunk", "/a.txt", "sha", s, c) for s in range(20) for c in range(500)}
    assert len(ids) == 10_000 and all(0 <= i < 2**63 for i in ids)


def test_old_servers_are_refused_in_one_line() -> None:
    target = parse_store("milvus://db.example:19530/speeches")
    assert target is not None
    for version in ("v2.5.4", "2.6.0", "milvus_lite-3.2.2"):
        check_version(target, version)
    for version in ("v2.4.9", "milvus_lite-2.4.10"):
        with pytest.raises(MilvusStoreError, match="2.5 or later|3.2 or later") as err:
            check_version(target, version)
        assert target.uri in str(err.value) and "\n" not in str(err.value)


def test_one_writer_per_milvus_index_on_this_machine(tmp_path: Path) -> None:
    """Two configs naming one collection (whatever the timeout) share a writer lock; another collection does not."""
    import threading

    from index.stores import writer_lock

    def config(store: str) -> IndexConfig:
        return IndexConfig(index_path=tmp_path / "unused", models_dir=tmp_path / "m", store=store)

    first = config("milvus://db.example:19530/speeches")
    same = config("milvus://db.example:19530/speeches?timeout=5")
    other = config("milvus://db.example:19530/reports")
    order: list[str] = []

    def second_writer() -> None:
        with writer_lock(same):
            order.append("second")

    with writer_lock(first):
        thread = threading.Thread(target=second_writer)
        thread.start()
        with writer_lock(other):  # another index: no wait
            order.append("other")
        thread.join(0.3)
        assert thread.is_alive()  # still waiting for the first writer
        order.append("first done")
    thread.join(5)
    assert order == ["other", "first done", "second"]
    assert not (tmp_path / "unused").exists()  # a Milvus index makes no local index folder
