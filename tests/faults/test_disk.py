"""A full disk and a read-only data folder during index writes (issue 9).

CI runs as root, where ``chmod`` stops no write, and mounting a small tmpfs needs privileges,
so the faults are injected where the product meets the file system, one layer at a time:
SQLite itself (``PRAGMA max_page_count`` makes SQLite report SQLITE_FULL; a connection opened
``mode=ro`` reports SQLITE_READONLY), the segment files (faiss's writer and the BM25 files
fail with ENOSPC / EROFS after writing part of a file), the writer's lock file, and, in a real
process, the kernel (``RLIMIT_FSIZE``: every write past the limit fails, in C++ as in Python).
Each job must exit 1 with one line naming the index folder and the problem, no traceback, and
leave the previous index exactly as it was; the next write, without the fault, must work.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from index import indexer as indexer_module
from index.lexical import LexicalIndex
from index.stores import local_write, segments
from index.stores.speech_zip import register
from qa.cli import app
from tests.faults._jobs import ROOT, edited
from tests.faults._log import note
from tests.faults._snapshot import check_consistent, snapshot
from tests.faults.fake_qa import FINGERPRINT
from tests.unit._index_fakes import FakeEncoder

runner = CliRunner()


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(indexer_module, "_default_encoder", lambda config, expected: FakeEncoder())
    monkeypatch.setattr(indexer_module, "_default_fingerprint", lambda config: FINGERPRINT)


@pytest.fixture()
def index(tmp_path: Path, speeches: Path) -> Path:
    """An index of four of the five speeches (the fifth, and an edit, are what the jobs add)."""
    target = tmp_path / "idx"
    files = sorted(speeches.glob("*.txt"))
    assert runner.invoke(app, ["index", "build", *map(str, files[:4]), "--index", str(target)]).exit_code == 0
    first = files[0]
    first.write_text(edited(first.read_text(encoding="utf-8")), encoding="utf-8")
    return target


def failing_after_part(real: Callable[..., Any], code: int) -> Callable[..., Any]:
    """``real`` (a writer taking the target path 2nd) writes part of its file, then fails with ``code``."""
    def write(obj: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(str(target)).write_bytes(b"\0" * 100)
        raise OSError(code, os.strerror(code), str(target))
    return write


def kernel_limited(real: Callable[..., Any], size: int = 1_000) -> Callable[..., Any]:
    """``real`` run while the kernel fails every write past ``size`` bytes (RLIMIT_FSIZE, soft limit
    only, restored after): the C++ and numpy writers meet a real EFBIG, as on a full disk."""
    def write(*args: Any, **kwargs: Any) -> Any:
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
        try:
            return real(*args, **kwargs)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            signal.signal(signal.SIGXFSZ, handler)
    return write


def sqlite_limited(real: Callable[..., sqlite3.Connection], pragma: str | None, readonly: bool
                   ) -> Callable[..., sqlite3.Connection]:
    def connect(db: Path, *, create: bool) -> sqlite3.Connection:
        if readonly:
            conn = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")
            register(conn)  # as the store's own factory does
            return conn
        conn = real(db, create=create)
        if pragma:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn
    return connect


def inject(monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    """Make the next index write meet ``fault``."""
    full, rofs = errno.ENOSPC, errno.EROFS
    if fault in ("vectors file: disk full", "vectors file: read-only"):
        faiss = segments.faiss_module()
        monkeypatch.setattr(faiss, "write_index", failing_after_part(faiss.write_index, full if "full" in fault else rofs))
    elif fault in ("BM25 files: disk full", "BM25 files: read-only"):
        code = full if "full" in fault else rofs

        def save(self: LexicalIndex, folder: Path) -> None:
            failing_after_part(None, code)(None, folder / "postings.npy")  # type: ignore[arg-type]
        monkeypatch.setattr(LexicalIndex, "save", save)
    elif fault == "vectors file: kernel write limit":
        faiss = segments.faiss_module()
        monkeypatch.setattr(faiss, "write_index", kernel_limited(faiss.write_index))
    elif fault == "BM25 files: kernel write limit":
        monkeypatch.setattr(LexicalIndex, "save", kernel_limited(LexicalIndex.save))
    elif fault == "SQLite: disk full":
        monkeypatch.setattr(local_write, "connect", sqlite_limited(local_write.connect, "full", False))
    elif fault == "SQLite: read-only":
        monkeypatch.setattr(local_write, "connect", sqlite_limited(local_write.connect, None, True))
    elif fault == "lock file: read-only":
        def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
            raise OSError(rofs, os.strerror(rofs), str(path))
        monkeypatch.setattr(local_write, "open", refuse, raising=False)
    else:
        raise AssertionError(fault)


FAULTS = ["vectors file: disk full", "BM25 files: disk full", "SQLite: disk full", "vectors file: kernel write limit",
          "BM25 files: kernel write limit", "vectors file: read-only",
          "BM25 files: read-only", "SQLite: read-only", "lock file: read-only"]
PROBLEM = {"full": "the disk is full", "read-only": "the folder is read-only"}


@pytest.mark.parametrize("command", ["add", "build"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_write_says_why_and_keeps_the_index(index: Path, speeches: Path, monkeypatch: pytest.MonkeyPatch,
                                                     fault: str, command: str) -> None:
    before = snapshot(index)
    with monkeypatch.context() as patch:
        inject(patch, fault)
        result = runner.invoke(app, ["index", command, str(speeches), "--index", str(index)])
    lines = result.output.strip().splitlines()
    problems = []
    if result.exit_code != 1 or result.exception and not isinstance(result.exception, SystemExit):
        problems.append(f"exit {result.exit_code}: {result.exception!r}")
    errors = [line for line in lines if line.startswith("error:")]  # progress lines may come first
    if "Traceback" in result.output or len(errors) != 1 or errors[0] != lines[-1] or str(index) not in errors[0] \
            or PROBLEM["read-only" if "read-only" in fault else "full"] not in errors[0]:
        problems.append(f"message: {result.output!r}")
    if snapshot(index).same_as(before) or check_consistent(index):
        problems.append("the previous index changed")
    retry = runner.invoke(app, ["index", command, str(speeches), "--index", str(index)])  # the disk has room again
    if retry.exit_code != 0 or check_consistent(index) or [p for p in index.iterdir() if p.name.endswith(".tmp")]:
        problems.append(f"the next write: {retry.output!r}")
    note(fault, f"qa index {command}", "message, index kept" if not problems else "FAILED", problems)
    assert problems == []


@pytest.mark.parametrize("command", ["add", "build", "sync"])
@pytest.mark.parametrize("size", [4_096, 60_000])
def test_the_kernel_refusing_writes_in_a_real_process(index: Path, speeches: Path, tmp_path: Path, command: str,
                                                      size: int) -> None:
    """RLIMIT_FSIZE: the kernel fails every write past ``size`` bytes (the index's SQLite file is
    larger than both), wherever it comes from: SQLite's WAL, faiss's C++ writer, numpy."""
    before = snapshot(index)
    args = [sys.executable, "-m", "tests.faults.fake_qa", str(tmp_path / "ready"), "index", command, str(speeches),
            "--index", str(index), *(["--yes"] if command == "sync" else [])]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "QA_TEST_FSIZE": str(size)})
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    problems = []
    if result.returncode != 1 or "Traceback" in result.stderr or len(errors) != 1 or str(index) not in errors[0] \
            or PROBLEM["full"] not in errors[0]:
        problems.append(f"exit {result.returncode}: {result.stderr[-600:]!r}")
    if [p.name for p in index.iterdir() if "broken" in p.name] or snapshot(index).same_as(before) \
            or check_consistent(index):
        problems.append(f"the previous index changed: {sorted(p.name for p in index.iterdir())}")
    note(f"kernel write limit {size} B (EFBIG)", f"qa index {command}", "message, index kept" if not problems
         else "FAILED", problems)
    assert problems == []
