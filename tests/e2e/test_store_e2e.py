"""The Milvus store against the local one on the sample speeches: same passages, same filters, same
answers within one question; the CLI and the chat on a Milvus store; each store loads only its own
library (tests/e2e/conftest.py runs a Milvus Lite server on loopback)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.engine import QAEngine
from qa.types import Filters
from tests.e2e.conftest import all_keys

pytestmark = pytest.mark.e2e
milvus_only = pytest.mark.parametrize("store_kind", [pytest.param("milvus", marks=pytest.mark.milvus)], indirect=True)
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def canon(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@milvus_only
def test_build_holds_what_the_local_index_holds(store_engine: QAEngine, real_engine: QAEngine) -> None:
    mine, local = store_engine.status(), real_engine.status()
    assert (mine.documents, mine.speeches, mine.chunks) == (local.documents, local.speeches, local.chunks)
    assert (mine.model, mine.doc_paths, mine.undated) == (local.model, local.doc_paths, local.undated)
    assert mine.path == store_engine.config.store and mine.path.startswith("milvus://")
    assert all_keys(store_engine) == all_keys(real_engine)

    def rows(engine: QAEngine) -> dict[tuple[str, int, int], tuple[object, ...]]:
        found = engine.search("党的建设", top_k=20)
        return {(h.doc_path, h.start, h.end): (h.title, h.date, h.section, h.title_derived, h.source_name,
                                               h.date_source) for h in found}
    theirs = rows(real_engine)
    assert any(v[3] for v in theirs.values())  # derived titles are among the hits compared
    shared = rows(store_engine).items() & theirs.items()
    assert len(shared) >= 15  # same passages, every citation field equal


@milvus_only
def test_traces_match_the_local_store(store_engine: QAEngine, real_engine: QAEngine) -> None:
    """Tracing scans speeches on Milvus (no phrase index there): the same uses, offsets and timeline."""
    def without_ids(data: object) -> object:  # ids are the store's own (Milvus hashes them); timing varies
        if isinstance(data, dict):
            return {k: without_ids(v) for k, v in data.items() if k not in ("chunk_id", "speech_id", "seconds")}
        return [without_ids(v) for v in data] if isinstance(data, list) else data

    for phrases, filters in ((["党建", "意识形态工作"], None), (["统一战线"], Filters(since="2021"))):
        mine, local = (without_ids(e.trace(phrases, filters=filters).to_dict()) for e in (store_engine, real_engine))
        assert mine == local and "党建" not in str(filters)


@milvus_only
def test_answers_match_the_local_store(store_engine: QAEngine, real_engine: QAEngine, seeds: list[dict]) -> None:
    """Parity (issue 13): hit@1, hit@5 and answer accuracy within one question, top-5 overlap >= 0.9."""
    def measure(engine: QAEngine) -> tuple[list[bool], list[bool], list[bool], list[list[tuple[str, int]]]]:
        hit1, hit5, answered, tops = [], [], [], []
        for seed in seeds:
            gold = [canon(g) for g in seed["gold"]]
            answer = engine.ask(seed["q"])
            found = [any(g in canon(h.text) for g in gold) for h in answer.hits[:5]]
            hit1.append(bool(found) and found[0])
            hit5.append(any(found))
            answered.append(any(g in canon("".join(s.text for s in answer.sentences)) for g in gold))
            tops.append([(h.doc_path, h.start) for h in answer.hits[:5]])
        return hit1, hit5, answered, tops

    mine, local = measure(store_engine), measure(real_engine)
    for a, b in zip(mine[:3], local[:3], strict=True):
        assert abs(sum(a) - sum(b)) <= 1
    overlap = [len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(mine[3], local[3], strict=True)]
    assert sum(overlap) / len(overlap) >= 0.9


FILTERS = [Filters(doc="002_"), Filters(doc="组织"), Filters(doc="統戰"), Filters(since="2021"),
           Filters(since="2020-06-01", until="2021-05-21"), Filters(until="2020"), Filters(section="第二"),
           Filters(section="意識形態"), Filters(doc="会议", since="2019", section="一")]


@milvus_only
@pytest.mark.parametrize("filters", FILTERS, ids=[f.describe() for f in FILTERS])
def test_filters_allow_what_the_local_store_allows(store_engine: QAEngine, real_engine: QAEngine,
                                                   filters: Filters) -> None:
    allowed = all_keys(real_engine, filters)
    assert allowed and all_keys(store_engine, filters) == allowed
    assert store_engine.store.matching_count(filters) == len(allowed)
    assert {(h.doc_path, h.start, h.end) for h in store_engine.search("工作", top_k=10, filters=filters)} <= allowed


def test_changed_file_replaces_its_passages(new_engine: Callable[[], QAEngine], sample_files: list[Path],
                                            tmp_path: Path) -> None:
    engine = new_engine()
    path = tmp_path / sample_files[1].name
    shutil.copy(sample_files[1], path)
    engine.build([path])
    before = all_keys(engine)
    passage = max(engine.search("党建工作", top_k=10), key=lambda h: len(h.text))
    sentence = passage.text[: passage.text.index("。") + 1]
    text = path.read_text(encoding="utf-8")
    assert sentence in text
    path.write_text(text.replace(sentence, sentence + "各级党组织要把新增的这项要求落到实处。", 1), encoding="utf-8")
    report = engine.add([path])
    assert report.updated == [str(path.resolve())]
    assert 0 < report.chunks_embedded < engine.status().chunks  # unchanged passages reuse their vectors
    after = all_keys(engine)
    assert len(after) == engine.status().chunks and before != after  # no passage twice
    assert any(canon("新增的这项要求") in canon(h.text) for h in engine.search("新增的这项要求", top_k=3))


@pytest.mark.milvus
def test_copy_then_ask_on_milvus_from_the_cli(real_engine: QAEngine, milvus_server: object) -> None:
    """`qa index copy --to URI` uploads the local index without embedding; `--store URI` then answers from it."""
    uri = milvus_server.uri(f"copied_{os.getpid()}")  # type: ignore[attr-defined]
    index = str(real_engine.config.index_path)
    copied = runner.invoke(app, ["index", "copy", "--to", uri, "--index", index])
    assert copied.exit_code == 0, copied.output
    assert re.search(r"copied 5 documents \(154 passages\)", copied.output)
    status = runner.invoke(app, ["index", "status", "--json", "--store", uri])
    assert json.loads(status.output)["chunks"] == real_engine.status().chunks
    ask = runner.invoke(app, ["ask", "机关专职党务工作人员按什么比例配备？", "--json", "--store", uri,
                              "--top-k", "3"])
    answer = json.loads(ask.output)
    assert answer["supported"] and "百分之一至百分之二" in "".join(s["text"] for s in answer["answer"])


_LOADED = """
import atexit, sys
atexit.register(lambda: print("LOADED", sorted({m.split(".")[0] for m in sys.modules} & {LIBS}), file=sys.stderr))
sys.argv = ["qa", *sys.argv[1:]]
from qa.cli import main
main()
"""


def _loaded_libraries(args: list[str], env: dict[str, str]) -> tuple[str, set[str]]:
    """Run ``qa ARGS`` in a fresh process; its output and which store libraries it imported."""
    code = _LOADED.replace("{LIBS}", repr({"faiss", "pymilvus", "milvus_lite", "grpc"}))
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("LOADED"))
    return done.stdout, set(json.loads(line.split(" ", 1)[1].replace("'", '"')))


def test_each_store_loads_only_its_own_library(store_engine: QAEngine, store_kind: str) -> None:
    """`qa ask` on the local store never imports pymilvus; on Milvus it never imports faiss."""
    env = {"QA_STORE": store_engine.config.store, "QA_INDEX": str(store_engine.config.index_path)}
    out, loaded = _loaded_libraries(["ask", "统一战线工作的主题是什么？", "--json"], env)
    assert json.loads(out)["hits"]
    assert loaded == ({"faiss"} if store_kind == "local" else {"pymilvus", "grpc"})


@milvus_only
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_chat_answers_from_milvus(store_engine: QAEngine, tmp_path: Path, anyio_backend: str) -> None:
    """The chat's Pilot test on one question, against the Milvus store."""
    from textual.widgets import Static

    from qa.settings import Settings
    from tests.tui.helpers import QUESTION, SIZE, ask, settle
    from tui.app import QAApp
    from tui.screens.reader import ReaderScreen
    from tui.widgets.answer_view import AnswerView
    from tui.widgets.citation_card import CitationCard
    from tui.widgets.index_status import IndexStatusBar

    app = QAApp(engine=store_engine, settings=Settings(data_dir=tmp_path / "data"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "154 chunks" in str(app.query_one(IndexStatusBar).render())
        await ask(pilot, QUESTION)
        view = app.query_one(AnswerView)
        assert view.answer is not None and view.answer.supported
        assert "意识形态工作责任制" in str(view.query_one(".answer-text", Static).render())
        assert list(view.query(CitationCard).results(CitationCard))
        await pilot.press("escape", "enter")  # the first card opens its speech, read from the docs collection
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.index == 0
        passage = "".join(str(p.render()) for p in reader.query(".passage").results(Static))
        assert passage.strip() == view.answer.hits[0].text.strip()
