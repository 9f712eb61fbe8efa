"""The real ``qa`` command in a process of its own, with the deterministic fake encoder.

What the fault tests kill: everything but the model is the product's own code (CLI, reader,
chunker, indexer, store), and the fake encoder (tests/unit/_index_fakes.py) makes a job take
a second instead of a minute, so dozens of kills fit in a test run. No hook in the product:
this module patches the two indexer seams the in-process tests patch too.

Usage: ``python -m tests.faults.fake_qa READY_FILE qa-args...``; READY_FILE is created once the
command is about to run (imports done), so a test can time its kill from the job's start.
"""

from __future__ import annotations

import sys
from pathlib import Path

from index import indexer as indexer_module
from qa.cli import main
from tests.unit._index_fakes import FakeEncoder

FINGERPRINT = "fake-fp"


def run(ready: Path, args: list[str]) -> None:
    indexer_module._default_encoder = lambda config, expected: FakeEncoder()  # type: ignore[assignment]
    indexer_module._default_fingerprint = lambda config: FINGERPRINT
    sys.argv = ["qa", *args]
    ready.touch()
    main()


if __name__ == "__main__":
    run(Path(sys.argv[1]), sys.argv[2:])
