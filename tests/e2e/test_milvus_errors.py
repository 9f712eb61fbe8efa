"""Milvus failures reach the user as one line naming the URI, and an interrupted build is finished by a rerun."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from index.errors import IndexCorruptError, IndexMissingError, SpeechQAError
from qa.cli import app
from qa.engine import QAEngine
from tests.e2e.conftest import all_keys, require_milvus

pytestmark = [pytest.mark.e2e, pytest.mark.milvus]


@pytest.fixture(scope="session", autouse=True)
def _needs_milvus() -> None:
    """Skip (fail in CI) before any costly fixture when Milvus Lite is missing."""
    require_milvus()


def _one_line(err: BaseException, uri: str) -> None:
    message = str(err)
    assert uri in message and "\n" not in message and "Traceback" not in message


def test_unreachable_server_is_one_line_with_the_uri(capfd: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    uri = f"milvus://127.0.0.1:{port}/speeches?timeout=2"
    result = CliRunner().invoke(app, ["ask", "统一战线", "--store", uri])
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # the console wraps the one message at 80 columns
    assert output.startswith("error: cannot reach Milvus at " + uri) and "is the server running?" in output
    assert "Traceback" not in result.output and "Traceback" not in capfd.readouterr().err  # pymilvus's logging


def _store(uri: str, *, create: bool = False) -> Any:
    from index.store_uri import parse_store
    from index.stores.milvus.store import MilvusStore

    target = parse_store(uri)
    assert target is not None
    return MilvusStore.open(target, create=create)


def test_missing_and_foreign_collections(milvus_server: Any) -> None:
    from index.stores.milvus.client import MilvusStoreError, new_client

    uri = milvus_server.uri("never_built")
    with pytest.raises(IndexMissingError) as missing:
        _store(uri)
    _one_line(missing.value, uri)
    client = new_client(f"http://127.0.0.1:{milvus_server.port}", 10)
    if not client.has_collection("someone_elses"):
        client.create_collection("someone_elses", dimension=4)
    client.close()
    uri = milvus_server.uri("someone_elses")
    with pytest.raises(MilvusStoreError, match="not a speech-qa index") as foreign:
        _store(uri, create=True)
    _one_line(foreign.value, uri)


def test_server_killed_mid_build_then_rerun_completes(own_milvus_server: Any, engine_of: Callable[..., QAEngine],
                                                      sample_files: list[Path], real_engine: QAEngine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from index.stores.milvus import write

    server = own_milvus_server.start()
    engine = engine_of("milvus", server=server)
    written: list[str] = []
    real_write = write._Writer.write

    def write_then_crash(self: Any, doc: Any, *, added: str) -> None:
        if len(written) == 2:
            server.kill()  # between two documents' writes, as a crash would
        real_write(self, doc, added=added)
        written.append(doc.path)

    monkeypatch.setattr(write._Writer, "write", write_then_crash)
    with pytest.raises(SpeechQAError, match="cannot reach Milvus") as err:
        engine.build(sample_files)
    _one_line(err.value, engine.config.store)
    monkeypatch.undo()

    server.start()  # same port and data folder
    report = engine.build(sample_files)
    status, local = engine.status(), real_engine.status()
    assert (status.documents, status.speeches, status.chunks) == (local.documents, local.speeches, local.chunks)
    assert report.chunks_embedded == local.chunks
    assert all_keys(engine) == all_keys(real_engine)  # every passage once: no duplicates, none missing
    assert all(engine.store.documents().values())  # every document complete
    assert engine.search("意识形态工作责任制", top_k=3)


def test_damaged_or_foreign_layout_is_named_and_a_full_build_repairs_it(engine_of: Callable[..., QAEngine],
                                                                        sample_files: list[Path]) -> None:
    from index.stores.milvus import schema
    from index.stores.milvus.client import new_client

    engine = engine_of("milvus")
    uri = engine.config.store
    engine.build(sample_files[:1])
    store = _store(uri)
    chunks, address, pointer = store.chunks_collection, store.target.address, store.target.collection
    store.close()
    client = new_client(address, 10)
    client.drop_collection(chunks)
    with pytest.raises(IndexCorruptError, match=f"{chunks} is missing") as err:
        engine.status()
    _one_line(err.value, uri)
    with pytest.raises(IndexCorruptError):
        engine.add(sample_files[1:2])  # an update does not paper over the damage
    engine.build(sample_files[:2])
    assert engine.status().documents == 2

    meta = json.loads(client.query(pointer, ids=[schema.META_ID], output_fields=["manifest"])[0]["manifest"])
    newer = {**schema.pointer_row(meta), "manifest": json.dumps({**meta, "schema": schema.SCHEMA_VERSION + 1})}
    client.upsert(pointer, [newer])  # as a later speech-qa with another layout would leave it
    client.close()
    with pytest.raises(IndexCorruptError, match="incompatible version") as err:
        engine.ask("统一战线")
    _one_line(err.value, uri)
    engine.build(sample_files[:1])
    assert engine.status().documents == 1
