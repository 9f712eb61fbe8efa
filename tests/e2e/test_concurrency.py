"""Readers and writers in separate, real processes (issue 9): readers keep answering during a write
and see it once committed, without a restart; a second writer waits, says so, then runs.

Every wait is bounded; the real model answers (the index is a copy of the session's real index),
so these are the product's own processes, not stand-ins.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.engine import QAEngine
from qa.settings import Settings
from tests.tui.helpers import SIZE, ask, settle
from tui.app import QAApp
from tui.widgets.answer_view import AnswerView

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
MARKER = "青松翠柏工程"
QUESTION = f"{MARKER}要求各级党组织做什么？"
LIMIT_S = 300  # a write embeds a few dozen passages; this 2-core machine may be very busy


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def index_copy(real_engine: QAEngine, tmp_path: Path) -> Path:
    """A private copy of the session's real index (no writer runs on the original meanwhile)."""
    target = tmp_path / "idx"
    shutil.copytree(real_engine.settings.index_path, target, ignore=shutil.ignore_patterns(".write.lock"))
    return target


@pytest.fixture
def env(real_engine: QAEngine) -> dict[str, str]:
    """The environment of the child processes: this checkout first, the session's exported model."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "QA_MODEL_DIR": str(real_engine.settings.models_dir)}


def new_speech(folder: Path, data_dir: Path) -> Path:
    """A speech not yet indexed: a sample with every paragraph changed (so it is embedded anew) and a
    paragraph about a project no other speech names."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [ln for ln in (data_dir / "004_2ba4dd9e714a80db.txt").read_text(encoding="utf-8").splitlines() if ln]
    body = [f"{ln}（补充）" if ln.endswith("。") else ln for ln in lines[:30]]
    body.insert(3, f"今年要全面实施{MARKER}，要求各级党组织把{MARKER}列入年度重点任务，逐项抓好落实。")
    path = folder / "new_speech.txt"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


def qa(args: list[str], env: dict[str, str], timeout: float = LIMIT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def start_qa(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    with open(log, "w", encoding="utf-8") as handle:
        return subprocess.Popen([sys.executable, "-m", "qa.cli", *args], stdout=handle, stderr=subprocess.STDOUT,
                                text=True, env=env, cwd=ROOT)


def state(index: Path, env: dict[str, str]) -> tuple[int, int]:
    """(documents, chunks) of the index, as ``qa index status`` reports them."""
    result = qa(["index", "status", "--json", "--index", str(index)], env)
    data = json.loads(result.stdout)
    return int(data["documents"]), int(data["chunks"])


def top_doc(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return str(json.loads(result.stdout)["hits"][0]["doc_path"])


def test_readers_keep_answering_during_a_write_and_then_see_it(index_copy: Path, env: dict[str, str],
                                                                data_dir: Path, tmp_path: Path) -> None:
    new = new_speech(tmp_path / "new", data_dir)
    before = qa(["ask", QUESTION, "--json", "--index", str(index_copy)], env)
    assert not top_doc(before).endswith("new_speech.txt")
    old_state = state(index_copy, env)
    log, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-m", "tests.e2e.reader_loop", str(index_copy), str(log), str(stop),
                               QUESTION], env=env, cwd=ROOT)
    try:
        for _ in range(LIMIT_S * 10):  # the reader has answered once before the write starts
            if log.exists() and log.read_text(encoding="utf-8").strip():
                break
            time.sleep(0.1)
        writer_started = time.time()
        writer = start_qa(["index", "add", str(new.parent), "--index", str(index_copy)], env, tmp_path / "writer.log")
        one_shot = []
        while writer.poll() is None and time.time() - writer_started < LIMIT_S:
            one_shot.append(qa(["ask", QUESTION, "--json", "--index", str(index_copy)], env))  # new process each
        writer.wait(timeout=10)
        writer_ended = time.time()
        assert writer.returncode == 0, (tmp_path / "writer.log").read_text(encoding="utf-8")
        after = qa(["ask", QUESTION, "--json", "--index", str(index_copy)], env)
        time.sleep(1.0)  # the long-lived reader asks again after the commit
    finally:
        stop.touch()
        reader.wait(timeout=60)
    assert reader.returncode == 0
    assert one_shot and all(r.returncode == 0 for r in one_shot), [r.stderr for r in one_shot if r.returncode]
    assert top_doc(after) == str(new.resolve())
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r for r in records if not r["ok"]] == []
    during = [r for r in records if writer_started < r["t"] < writer_ended]
    assert during, "the reader answered nothing while the writer ran"
    states = {(r["documents"], r["chunks"]) for r in records}
    assert states == {old_state, state(index_copy, env)} and old_state[0] == 5  # old or new, nothing between
    late = [r for r in records if r["t"] > writer_ended + 0.5]
    assert late and all(r["top"] == str(new.resolve()) for r in late)  # the same process sees the commit


@pytest.mark.anyio
async def test_the_chat_keeps_answering_during_a_sync_and_then_sees_it(index_copy: Path, env: dict[str, str],
                                                                      real_settings: Settings, data_dir: Path,
                                                                      tmp_path: Path) -> None:
    folder = tmp_path / "speeches"
    shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("*.jsonl", "formats"))
    new = new_speech(folder, data_dir)
    settings = Settings(data_dir=tmp_path / "chat-data", index_dir=index_copy, model_dir=real_settings.models_dir)
    app = QAApp(engine=QAEngine(settings), settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, QUESTION)
        # the copy moves the collection (its five speeches now live in another folder): --yes
        writer = start_qa(["index", "sync", str(folder), "--yes", "--index", str(index_copy)], env,
                          tmp_path / "writer.log")
        answered_during = 0
        while writer.poll() is None:
            await ask(pilot, "统一战线工作的主题是什么？")
            answered_during += writer.poll() is None
            assert not app.query(".answer-error")
        assert writer.wait(timeout=LIMIT_S) == 0, (tmp_path / "writer.log").read_text(encoding="utf-8")
        await ask(pilot, QUESTION)
        views = [v.answer for v in app.query(AnswerView).results(AnswerView)]
    assert answered_during >= 1 and all(a is not None for a in views)
    first, last = views[0], views[-1]
    assert first is not None and last is not None
    assert first.hits[0].doc_path != str(new.resolve()) and last.hits[0].doc_path == str(new.resolve())


def test_a_second_writer_waits_says_so_and_then_runs(index_copy: Path, env: dict[str, str], data_dir: Path,
                                                     tmp_path: Path) -> None:
    release, locked = tmp_path / "release", tmp_path / "locked"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path\n"
        "from index.config import IndexConfig\n"
        "from index.stores import writer_lock\n"
        "idx, locked, release = map(Path, sys.argv[1:4])\n"
        "with writer_lock(IndexConfig(index_path=idx, models_dir=idx)):\n"
        "    locked.touch()\n"
        "    end = time.monotonic() + 120\n"
        "    while not release.exists() and time.monotonic() < end: time.sleep(0.05)\n"),
        str(index_copy), str(locked), str(release)], env=env, cwd=ROOT)
    try:
        for _ in range(600):
            if locked.exists():
                break
            time.sleep(0.05)
        assert locked.exists(), "the first writer never took the lock"
        log = tmp_path / "second.log"
        second = start_qa(["index", "add", str(new_speech(tmp_path / "new", data_dir).parent), "--index",
                           str(index_copy)], env, log)
        waited = ""
        for _ in range(200):  # the notice comes after a second of waiting (plus the process start)
            waited = log.read_text(encoding="utf-8")
            if "waiting for another indexing job" in waited:
                break
            time.sleep(0.1)
        assert f"waiting for another indexing job on {index_copy}…" in waited
        assert second.poll() is None and "added" not in waited  # still waiting, nothing written
    finally:
        release.touch()
        holder.wait(timeout=60)
    assert second.wait(timeout=LIMIT_S) == 0, log.read_text(encoding="utf-8")
    assert "1 added" in log.read_text(encoding="utf-8")
