"""Readers in a tight loop while real ``qa`` processes sync, add, remove and rebuild (issue 9).

tests/e2e/test_concurrency.py shows with the real model that a reader keeps answering during
one add and one sync and sees each commit without a restart. This adds what it leaves out:
many rounds a second over a run of writes of every kind, with removals, in which no round
fails, and every round that no commit raced (see tests/faults/reader_watch.py) sees exactly
the documents and chunks of a committed generation, with every hit resolving to its passage.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from index.stores.local import LocalStore
from tests.faults._jobs import ROOT, Workbench, edited, pool
from tests.faults._log import note


@pytest.fixture(autouse=True)
def _no_user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))


def state(index: Path) -> tuple[int, tuple[int, int]]:
    store = LocalStore.open(index)
    try:
        return store.manifest.generation, (len(store.documents()), store.chunk_count())
    finally:
        store.close()


def test_readers_never_fail_nor_see_a_half_state(tmp_path: Path, data_dir: Path) -> None:
    bench = Workbench(tmp_path)
    texts = pool(data_dir)
    names = sorted(texts)
    index = tmp_path / "idx"
    bench.write_src({n: texts[n] for n in names[:5]})
    bench.indexer(index).build([bench.src])
    states = dict([state(index)])
    log, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-m", "tests.faults.reader_watch", str(index), str(log), str(stop)],
                              cwd=ROOT)
    src = str(bench.src)
    steps = [  # (files of src, command): each a real qa process
        ({n: texts[n] for n in names[2:7]}, ["index", "sync", src, "--yes"]),  # two removed, two added
        ({**{n: texts[n] for n in names[2:7]}, names[2]: edited(texts[names[2]]), names[7]: texts[names[7]]},
         ["index", "add", src]),
        (None, ["index", "remove", str(bench.src / names[3]), str(bench.src / names[4]), "--yes"]),
        ({n: texts[n] for n in names[:4]}, ["index", "build", src]),
        ({}, ["index", "sync", src, "--yes"]),  # everything removed
        ({n: texts[n] for n in names[:6]}, ["index", "add", src]),  # and back, from the trash
    ]
    try:
        for files, command in steps:
            if files is not None:
                bench.write_src(files)
            done = subprocess.run([sys.executable, "-m", "tests.faults.fake_qa", str(tmp_path / "ready"), *command,
                                   "--index", str(index)], cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            number, seen = state(index)
            states[number] = seen
    finally:
        stop.touch()
        reader.wait(timeout=60)
    rounds = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    failed = [r for r in rounds if not r["ok"]]
    stable = [r for r in rounds if r["ok"] and r["stable"]]
    half = [r for r in stable if states.get(r["generation"]) != (r["documents"], r["chunks"]) or not r["resolved"]]
    generations = {r["generation"] for r in stable}
    note("readers during writes", f"{len(rounds)} reads over {len(steps)} writes ({len(generations)} generations "
         "seen)", "no error, no half state" if not failed and not half else "FAILED",
         [str(r) for r in failed + half][:5])
    assert reader.returncode == 0 and failed == [] and half == []
    assert len(generations) >= 3, f"the reader saw too few generations ({generations}) to show anything"
