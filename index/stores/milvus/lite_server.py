"""A ``milvus-lite server`` subprocess on 127.0.0.1: start, wait until it answers, stop, kill.

For the tests (tests/e2e/conftest.py) and the scripts that measure the Milvus store: a real
Milvus gRPC endpoint with no installation beyond ``pip install milvus-lite``. It binds the
loopback address only, on a free port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Seconds to wait for a fresh server to answer: Milvus Lite starts in ~1-2 s on an idle
#: 2-core machine, much longer while other processes load torch (the test suite).
READY_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MilvusLiteServer:
    """One server process over ``data_dir``; ``uri(name)`` names a collection on it."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir.with_name(data_dir.name + ".log")

    def uri(self, collection: str, timeout: float = 10.0) -> str:
        return f"milvus://127.0.0.1:{self.port}/{collection}?timeout={timeout:g}"

    def start(self) -> MilvusLiteServer:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(self.data_dir), "--host",
                 "127.0.0.1", "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        """Until a real gRPC call succeeds (the port opens before the service is registered)."""
        from index.stores.milvus.client import new_client

        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"milvus-lite server exited with {self.process.returncode}: "
                                   f"{self.log.read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                client = new_client(f"http://127.0.0.1:{self.port}", timeout=5)
                client.get_server_version(timeout=5)
                client.close()
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.kill()
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """Graceful: SIGINT lets the server flush and close its data dir; kill after 15 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: no flush, no cleanup."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


@contextmanager
def serving(uri: str | None, data_dir: Path, collection: str, timeout: float = 120.0) -> Iterator[str]:
    """``uri`` as it is, or (None) a fresh loopback server over ``data_dir`` for the block, naming ``collection``."""
    if uri:
        yield uri
        return
    server = MilvusLiteServer(data_dir).start()
    try:
        yield server.uri(collection, timeout=timeout)
    finally:
        server.stop()
