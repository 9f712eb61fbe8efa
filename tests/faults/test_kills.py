"""SIGKILL of real ``qa index build/add/sync/remove`` processes at random moments (issue 9).

Each kill must leave an index that opens, has no lost or orphaned chunk
(tests/faults/_snapshot.py: check_consistent), and is either exactly the index before the job
or exactly a clean build of what the job makes (never a half state); running the job again
must then give a clean build's index. Inputs and kill delays come from one seed
(``QA_TEST_FAULT_SEED``, default 9; ``QA_TEST_FAULT_KILLS`` kills, default 24); the moment a
delay lands on depends on the machine's speed, so a failure log names the job and the delay.

Half the kills are timed from outside: delays drawn from 20–100 % of the job's own duration,
measured on a first run of each action that is not killed (the control run; a kill in the first
fifth would mostly hit the Python imports, which touch nothing). The other half are at a random
step of the store's write (tests/faults/_jobs.py: WRITE_STEPS, the n-th call of a function),
which a timed kill rarely hits: the write is the last tenth of a job.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.faults._jobs import ACTIONS, WRITE_STEPS, Job, Workbench, opened_state, pool, random_job
from tests.faults._log import note
from tests.faults._snapshot import check_consistent, lexical_gap

SEED = int(os.environ.get("QA_TEST_FAULT_SEED", "9"))
KILLS = int(os.environ.get("QA_TEST_FAULT_KILLS", "24"))
START_LIMIT_S = 60  # the process must reach its command within this (a busy 2-core machine)


@pytest.fixture(autouse=True)
def _no_user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))  # the qa processes' data dir


def run_to_end(bench: Workbench, job: Job, index: Path, ready: Path) -> float:
    """Run ``job`` unharmed; return its duration from the command's start."""
    process = bench.start(job, index, ready)
    started = wait_ready(ready)
    _out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    return time.monotonic() - started


def wait_ready(ready: Path) -> float:
    deadline = time.monotonic() + START_LIMIT_S
    while not ready.exists():
        assert time.monotonic() < deadline, "the qa process never started its command"
        time.sleep(0.005)
    return time.monotonic()


def test_random_kills_never_lose_a_chunk(tmp_path: Path, data_dir: Path) -> None:
    rng = random.Random(SEED)
    bench = Workbench(tmp_path)
    texts = pool(data_dir)
    ready = tmp_path / "ready"
    durations: dict[str, float] = {}
    kills = finished_first = 0
    outcomes: dict[str, int] = {}
    gaps: list[float] = []
    trial = 0
    while kills < KILLS:
        trial += 1
        assert trial < KILLS * 4, f"only {kills} of {trial} jobs were killed before they ended"
        action = ACTIONS[trial % len(ACTIONS)]
        job = random_job(rng, action, texts, bench.src)
        index = tmp_path / "idx"
        before, expected = bench.prepare(job, index)
        if action not in durations:  # the control run: no fault, the same checks
            durations[action] = run_to_end(bench, job, index, ready)
            state = opened_state(index)
            assert check_consistent(index) == [] and state is not None and state.same_as(expected) == []
            continue
        share = rng.uniform(0.2, 1.0)
        delay = durations[action] * share
        step, most, after = WRITE_STEPS[rng.randrange(len(WRITE_STEPS))]
        at = f"{step}:{rng.randint(1, most)}" + (":after" if after else "") if trial // len(ACTIONS) % 2 else None
        process = bench.start(job, index, ready, kill_at=at)
        wait_ready(ready)
        if at is None:
            time.sleep(delay)
            process.kill()
        process.wait(timeout=120)
        moment = f"at {at.split(':', 1)[1]}" if at else f"at {share:.0%} of its run"
        if process.returncode == 0:  # ended before the kill: shorter than measured, or the step never came
            finished_first += 1
            durations[action] = delay if at is None else durations[action]
            continue
        assert process.returncode == -9, process.stderr.read().decode() if process.stderr else ""
        kills += 1
        where = f"seed {SEED} trial {trial}: {job.describe()}, killed {moment}"
        state = opened_state(index)  # opens (or there was never a completed index)
        problems = check_consistent(index) if state is not None else []
        if state is None and job.before is not None:
            problems.append("the previous index was lost")
        outcome = ("no index yet" if state is None else "rolled back" if state == before
                   else "committed" if state.same_as(expected) == [] else "half state")
        if outcome == "half state":
            problems.append("neither the index before nor the one after")
        bench.finish(job, index)
        problems += check_consistent(index)
        final = opened_state(index)
        if final is None or final.same_as(expected):
            problems.append(f"after finishing the job: {final.same_as(expected) if final else 'no index'}")
        gaps.append(lexical_gap(final, expected) if final else 0.0)
        note("SIGKILL", f"{job.describe()}, {moment}", outcome, problems)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        assert problems == [], f"{where}: {problems}"
    print(f"{kills} kills ({outcomes}), {finished_first} jobs ended before their kill; "
          f"largest BM25 gap to a clean build {max(gaps):.3f}")


