"""The real ``qa`` command in a process of its own, with the deterministic fake encoder.

What the fault tests kill: everything but the model is the product's own code (CLI, reader,
chunker, indexer, store), and the fake encoder (tests/unit/_index_fakes.py) makes a job take
a second instead of a minute, so dozens of kills fit in a test run. No hook in the product:
this module patches the two indexer seams the in-process tests patch too.

Usage: ``python -m tests.faults.fake_qa READY_FILE qa-args...``; READY_FILE is created once the
command is about to run (imports done), so a test can time its kill from the job's start.
With ``QA_TEST_FAULT_KILL_AT=module:qualname:n[:after]`` the process SIGKILLs itself at the
n-th call of that function (before it runs, or after it returns): a kill at an exact step of
the store's write, which a kill timed from outside rarely hits (the write is the last ~10 %).
With ``QA_TEST_FSIZE=BYTES`` the process limits the files it writes to that size (RLIMIT_FSIZE,
SIGXFSZ ignored), set here rather than by the parent's ``preexec_fn``: after the Milvus tests
have loaded gRPC in the parent, its fork handlers abort a child that runs Python before exec.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index import indexer as indexer_module
from qa.cli import main
from tests.unit._index_fakes import FakeEncoder

FINGERPRINT = "fake-fp"


def kill_at(spec: str) -> None:
    """Wrap the function ``spec`` names so that its n-th call kills this process."""
    module_name, qualname, nth, *when = spec.split(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    real: Callable[..., Any] = getattr(owner, name)
    calls = [0]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == int(nth) and when != ["after"]:
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if calls[0] == int(nth) and when == ["after"]:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(owner, name, wrapper)


def run(ready: Path, args: list[str]) -> None:
    if os.environ.get("QA_TEST_FSIZE"):
        import resource

        size = int(os.environ["QA_TEST_FSIZE"])
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    if os.environ.get("QA_TEST_FAULT_KILL_AT"):
        kill_at(os.environ["QA_TEST_FAULT_KILL_AT"])
    indexer_module._default_encoder = lambda config, expected: FakeEncoder()  # type: ignore[assignment]
    indexer_module._default_fingerprint = lambda config: FINGERPRINT
    sys.argv = ["qa", *args]
    ready.touch()
    main()


if __name__ == "__main__":
    run(Path(sys.argv[1]), sys.argv[2:])
