"""Index jobs for the fault tests: random but seeded inputs, the real ``qa`` process to kill, the
same job finished in-process, and clean builds to compare with (cached by file contents).

Every job works on one source folder (``src``) whose files are rewritten per trial, so that a
clean build of the same contents holds the same absolute paths and can be reused.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexMissingError
from index.indexer import Indexer
from index.plan import APPROVE_ALL
from qa.settings import Settings
from tests.faults._snapshot import Snapshot, snapshot
from tests.faults.fake_qa import FINGERPRINT
from tests.unit._index_fakes import Factory

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ("build", "add", "sync", "remove")
Files = dict[str, str]  # file name in src -> text
#: Steps of a store write to kill a job at (tests/faults/fake_qa.py), in write order (see the
#: docstring of index/stores/local_write.py): (function, most calls a job makes, kill after it).
WRITE_STEPS = (
    ("index.stores.trash:keep", 1, False),
    ("index.stores.local_write:_insert_document", 3, False),
    ("index.stores.phrases:add_speech", 3, True),
    ("index.stores.local_write:_new_layout", 1, False),
    ("index.stores.segments:Segment.save", 2, False),
    ("index.lexical:LexicalIndex.save", 2, False),
    ("index.stores.segments:Segment.save", 2, True),
    ("index.stores.local_write:merge", 1, False),
    ("index.stores.local_write:_sweep", 1, False),
    ("index.stores.local_write:_sweep", 1, True),
)
OPENING_CHARS = 3000


def pool(data_dir: Path) -> Files:
    """The sample speeches' openings (~10 passages each: a clean build then costs ~0.3 s, and a
    job still writes several segments), plus a reworded copy of three (new passages to embed)."""
    texts = {p.name: _opening(p.read_text(encoding="utf-8"), OPENING_CHARS) for p in sorted(data_dir.glob("*.txt"))}
    for name in list(texts)[:3]:
        texts[f"v_{name}"] = "\n".join(f"{ln}（修订稿）" if ln.endswith("。") else ln for ln in texts[name].splitlines())
    return texts


def _opening(text: str, size: int) -> str:
    """The first whole lines of ``text`` up to about ``size`` characters."""
    cut = text.find("\n", size)
    return text if cut < 0 else text[:cut + 1]


def edited(text: str) -> str:
    """The same speech with its first few sentences changed (some passages new, the rest reused)."""
    return text.replace("。", "！", 4)


@dataclass(frozen=True)
class Job:
    """One job: the index before (None: none yet), the source folder it runs on, its command
    (without ``--index``), and what the index must hold once it has run."""

    action: str
    before: Files | None
    src: Files
    args: tuple[str, ...]
    expected: Files

    def describe(self) -> str:
        start = "no index" if self.before is None else f"{len(self.before)} docs"
        return f"{self.action} ({start} -> {len(self.expected)} docs)"


def random_job(rng: random.Random, action: str, texts: Files, src: Path) -> Job:
    names = sorted(texts)
    before = {n: texts[n] for n in rng.sample(names, rng.randint(3, 5))}
    others = [n for n in names if n not in before]
    now = dict(before)
    if action in ("add", "sync", "build"):
        for name in rng.sample(others, rng.randint(1, 2)):
            now[name] = texts[name]
        if rng.random() < 0.6:
            name = rng.choice(sorted(before))
            now[name] = edited(before[name])
    if action in ("sync", "build"):
        for name in rng.sample(sorted(before), rng.randint(0, 1)):
            now.pop(name, None)
    if action == "remove":
        gone = rng.sample(sorted(before), rng.randint(1, 2))
        return Job(action, before, now, ("index", "remove", *(str(src / n) for n in gone), "--yes"),
                   {n: t for n, t in before.items() if n not in gone})
    args = {"build": ("index", "build", str(src)), "add": ("index", "add", str(src)),
            "sync": ("index", "sync", str(src), "--yes")}[action]
    first = action == "build" and rng.random() < 0.3  # a first build: no index to keep
    return Job(action, None if first else before, now, args, now)


class Workbench:
    """The source folder, the clean builds (cached by contents) and the jobs' indexer."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.src = root / "src"
        self._clean: dict[str, tuple[Path, Snapshot]] = {}

    def settings(self, index: Path) -> Settings:
        return Settings(data_dir=self.root / "data", index_dir=index)

    def indexer(self, index: Path) -> Indexer:
        return Indexer(self.settings(index).index_config, Factory(), fingerprint=lambda config: FINGERPRINT)

    def write_src(self, files: Files) -> None:
        shutil.rmtree(self.src, ignore_errors=True)
        self.src.mkdir(parents=True)
        for name, text in files.items():
            (self.src / name).write_text(text, encoding="utf-8")

    def clean(self, files: Files) -> tuple[Path, Snapshot]:
        """A clean build of ``files`` (src must hold them), and its snapshot."""
        key = hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:16]
        if key not in self._clean:
            index = self.root / "clean" / key
            self.indexer(index).build([self.src / n for n in sorted(files)])
            self._clean[key] = (index, snapshot(index))
        return self._clean[key]

    def prepare(self, job: Job, index: Path) -> tuple[Snapshot | None, Snapshot]:
        """Put the job's starting index at ``index`` and its files in src; return the snapshots
        of the index before and of a clean build of what it must hold after."""
        shutil.rmtree(index, ignore_errors=True)
        before = None
        if job.before is not None:
            self.write_src(job.before)
            built, before = self.clean(job.before)
            shutil.copytree(built, index, ignore=shutil.ignore_patterns(".write.lock"))
        self.write_src(job.src)
        return before, self.clean(job.expected)[1]

    def start(self, job: Job, index: Path, ready: Path, kill_at: str | None = None) -> subprocess.Popen[bytes]:
        """The job as a real ``qa`` process (tests/faults/fake_qa.py), killed at ``kill_at`` if given."""
        ready.unlink(missing_ok=True)
        env = {**os.environ, **({"QA_TEST_FAULT_KILL_AT": kill_at} if kill_at else {})}
        return subprocess.Popen([sys.executable, "-m", "tests.faults.fake_qa", str(ready), *job.args,
                                 "--index", str(index)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=env)

    def finish(self, job: Job, index: Path) -> None:
        """Run the job again, in-process, as a user would after the kill."""
        indexer = self.indexer(index)
        if job.action == "build":
            indexer.build([self.src])
        elif job.action == "add":
            indexer.add([self.src])
        elif job.action == "sync":
            indexer.sync(self.src, approval=APPROVE_ALL)
        else:
            indexer.remove([Path(a) for a in job.args[2:-1]], approval=APPROVE_ALL)


def opened_state(index: Path) -> Snapshot | None:
    """The index's snapshot after a kill, None when no index was ever completed there."""
    try:
        return snapshot(index)
    except IndexMissingError:
        return None
