"""The layers keep one direction (index → qa → tui), modules stay small, every script imports.

The rules themselves live in scripts/import_graph.py, which anyone can run to see the graph.
"""

from __future__ import annotations

import ast
import importlib

import pytest

from scripts.import_graph import (
    ROOT,
    Edge,
    all_edges,
    cycles,
    product_files,
    store_library_imports,
    violations,
)

MAX_LINES = 400


def test_the_product_keeps_its_layers() -> None:
    assert violations(all_edges()) == []


def test_the_checker_catches_upward_imports_private_names_and_cycles() -> None:
    upward = Edge("index.store", "qa.errors", (), False, 3)
    private = Edge("qa.sentences", "index.lexical", ("_jieba_module",), True, 9)
    chat = Edge("qa.cli", "tui.app", (), True, 12)  # the CLI's lazy launch of the chat is allowed ...
    eager_chat = Edge("qa.render", "tui.app", (), False, 5)  # ... nothing else in qa may import tui
    found = violations([upward, private, chat, eager_chat])
    assert any("index.store:3" in p and "may not import qa" in p for p in found)
    assert any("private _jieba_module" in p for p in found)
    assert any("qa.render:5" in p for p in found) and not any("qa.cli" in p for p in found)
    loop = [Edge("index.stores.local", "index.stores.local_write", (), True, 1),
            Edge("index.stores.local_write", "index.stores.local", (), False, 1)]
    assert cycles(loop) == [["index.stores.local", "index.stores.local_write", "index.stores.local"]]
    assert cycles([Edge("index.stores.local", "index.stores", (), False, 1)]) == []  # a package is no cycle


def test_only_the_stores_import_a_store_library() -> None:
    """faiss and pymilvus belong to index.stores: the engine, ranking, CLI and chat never know which store answers."""
    lazy = ast.parse("def search():\n    import faiss\n")
    client = ast.parse("from pymilvus import MilvusClient\n")
    assert store_library_imports("qa.ranking", lazy) == [
        "qa.ranking:2 imports faiss (only index.stores may import a store's library)"]
    assert store_library_imports("tui.app", client) and store_library_imports("index.indexer", client)
    assert store_library_imports("index.stores.local_schema", lazy) == []
    assert store_library_imports("index.stores.milvus.client", client) == []
    assert store_library_imports("scripts.bench_scale", lazy) == []  # measurement tools may


def test_modules_stay_under_the_size_limit() -> None:
    long = {str(p.relative_to(ROOT)): n for p in product_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "scripts").glob("*.py") if p.stem != "__init__"))
def test_every_script_imports(name: str) -> None:
    """Scripts are modules of the repository (``python -m scripts.NAME``): no path hacks, no stale imports."""
    importlib.import_module(f"scripts.{name}")
