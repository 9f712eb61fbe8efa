"""Connecting to Milvus, and turning its failures into one-line messages that name the URI.

pymilvus logs every failed call at ERROR level with a full traceback through handlers of its
own, and wraps gRPC failures in its exceptions. The product shows users one line instead:
pymilvus's loggers are sent to a NullHandler and propagate, so the details still reach any
logging the application configures (run with logging at DEBUG to see them), and every call
to the server goes through :func:`guard`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from index.errors import SpeechQAError
from index.store_uri import MilvusTarget

log = logging.getLogger(__name__)

#: Seconds one call may take, retries included, before it fails with a message. pymilvus
#: retries a call while the server is unreachable until this runs out; 30 s rides out a
#: server restart without leaving a user waiting minutes on a dead one.
DEFAULT_TIMEOUT = 30.0
#: Oldest servers with BM25 functions and the jieba analyzer: Milvus 2.5, and the pure-Python
#: Milvus Lite 3.x (the older C++ Milvus Lite 2.x has no jieba analyzer).
MIN_MILVUS = (2, 5)
MIN_LITE = (3, 2)
#: pymilvus pings an idle connection every 10 s; a gRPC server with default settings (Milvus
#: Lite's) answers a third ping within 5 minutes with GOAWAY "too_many_pings", and the next call
#: fails as if the server were down. Pinging only during calls, and at most every 5 minutes,
#: suits every server; a dead idle connection is found, and re-made, by the next call.
GRPC_OPTIONS = {"grpc.keepalive_permit_without_calls": 0, "grpc.keepalive_time_ms": 300_000}


class MilvusStoreError(SpeechQAError):
    """Milvus could not be reached or answered with an error; the message names the URI."""


def _quiet_pymilvus() -> None:
    """Send pymilvus's log records to the application's logging only (see the module docstring)."""
    for name in ("pymilvus", "pymilvus.milvus_client", "pymilvus.bulk_writer"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(logging.NullHandler())
        logger.propagate = True


def _first_line(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return re.sub(r"\s+", " ", str(message).splitlines()[0]).strip()[:300]


def _unreachable(text: str) -> bool:
    lowered = text.lower()
    return any(s in lowered for s in ("fail connecting", "unavailable", "connection refused", "deadline exceeded",
                                      "retry timeout", "failed to connect", "server unavailable", "socket closed"))


@contextmanager
def guard(target: MilvusTarget, action: str) -> Iterator[None]:
    """Run Milvus calls; any failure becomes a one-line :class:`MilvusStoreError` naming the URI."""
    try:
        yield
    except SpeechQAError:
        raise
    except Exception as exc:  # pymilvus raises MilvusException, grpc.RpcError, and plain errors
        log.debug("Milvus call failed at %s while %s", target.uri, action, exc_info=True)
        detail = _first_line(exc)
        if _unreachable(detail):
            raise MilvusStoreError(f"cannot reach Milvus at {target.uri} while {action} ({detail}); "
                                   "is the server running?") from None
        raise MilvusStoreError(f"Milvus at {target.uri} failed while {action}: {detail}") from None


def _lite_address(target: MilvusTarget) -> str:
    """Start (or reuse) the embedded Milvus Lite server of ``target.lite_dir`` in this process."""
    assert target.lite_dir is not None
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:
        raise MilvusStoreError(f"{target.uri}: Milvus Lite is not installed (install the milvus extra: "
                               "pip install 'speech-qa[milvus]')") from None
    target.lite_dir.parent.mkdir(parents=True, exist_ok=True)
    import jieba  # Milvus Lite's analyzer runs jieba in this process: keep its start-up chatter off the terminal

    jieba.setLogLevel(logging.WARNING)
    with guard(target, "starting Milvus Lite"):
        address = server_manager_instance.start_and_get_uri(str(target.lite_dir))
    if address is None:
        raise MilvusStoreError(f"{target.uri}: Milvus Lite could not open {target.lite_dir} "
                               "(is another process using it? Milvus Lite allows one process per folder)")
    return str(address)


def new_client(address: str, timeout: float) -> Any:
    """A ``MilvusClient`` with a channel of its own (``dedicated``), closed by ``close()``.

    pymilvus 3 shares one channel per address between clients by default, made with the first
    client's options and never closed; a dedicated one gets :data:`GRPC_OPTIONS` for certain.
    """
    from pymilvus import MilvusClient

    return MilvusClient(uri=address, timeout=timeout, grpc_options=GRPC_OPTIONS, dedicated=True)


def connect(target: MilvusTarget, timeout: float = DEFAULT_TIMEOUT) -> tuple[Any, str]:
    """A ``MilvusClient`` for ``target`` and the server's version (checked); MilvusStoreError otherwise."""
    try:
        import pymilvus  # noqa: F401
    except ImportError:
        raise MilvusStoreError(f"{target.uri}: pymilvus is not installed (install the milvus extra: "
                               "pip install 'speech-qa[milvus]')") from None
    _quiet_pymilvus()
    address = target.address or _lite_address(target)
    with guard(target, "connecting"):
        client = new_client(address, timeout)
    try:
        with guard(target, "connecting"):
            version = str(client.get_server_version(timeout=timeout))
        check_version(target, version)
    except BaseException:
        client.close()
        raise
    return client, version


def check_version(target: MilvusTarget, version: str) -> None:
    """MilvusStoreError unless ``version`` ("v2.5.4", "2.6.0", "milvus_lite-3.2.2") is new enough."""
    lite = version.startswith("milvus_lite")
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    needed = MIN_LITE if lite else MIN_MILVUS
    if len(numbers) == 2 and numbers >= needed:
        return
    product = "Milvus Lite" if lite else "Milvus"
    raise MilvusStoreError(f"{target.uri}: the server is {product} {version}; speech-qa needs {product} "
                           f"{'.'.join(map(str, needed))} or later (BM25 full-text search with the jieba analyzer)")
