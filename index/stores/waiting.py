"""Taking the writer lock without leaving the user to guess why nothing happens.

A second writer (another ``qa index …`` process, or the chat's F5 while a CLI job runs)
waits for the first, by design: failing would turn every overlap into an error to retry by
hand. Waiting silently looked like a hang, so after :data:`PATIENCE_S` of waiting the job
says so once, through ``on_wait``, and goes on waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import IO, Any

#: How long a writer waits before saying it is waiting: longer than an uncontended lock ever
#: takes (microseconds), short enough that a user never stares at a silent terminal.
PATIENCE_S = 1.0
_POLL_S = 0.05


class Waiter:
    """Acquires the thread lock, then the flock, calling ``on_wait`` once if either is held."""

    def __init__(self, on_wait: Callable[[], None] | None, patience: float = PATIENCE_S) -> None:
        self._on_wait = on_wait
        self._patience = patience
        self._started = time.monotonic()
        self._told = False

    def _tell(self) -> None:
        if not self._told and self._on_wait is not None:
            self._told = True
            self._on_wait()

    def _left(self) -> float:
        return max(0.0, self._patience - (time.monotonic() - self._started))

    def thread_lock(self, lock: threading.Lock) -> None:
        """``lock.acquire()``, telling the user if it takes longer than the patience."""
        if lock.acquire(timeout=self._left()):
            return
        self._tell()
        lock.acquire()

    def flock(self, handle: IO[Any]) -> None:
        """An exclusive flock on ``handle``, polled until the patience runs out, then blocking."""
        import fcntl

        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if not self._left():
                    break
                time.sleep(min(_POLL_S, self._left()))
        self._tell()
        fcntl.flock(handle, fcntl.LOCK_EX)


__all__ = ["PATIENCE_S", "Waiter"]
