"""Which store holds the index: the setting ``store`` as the rest of the index layer sees it.

``""`` (the default) is the local folder store at ``IndexConfig.index_path``. A Milvus store is
named by a URI, parsed here once into a :class:`MilvusTarget` so that every message quotes the
URI exactly as the user gave it and the store itself never sees URL syntax:

* ``milvus://host[:port][/collection]`` — a Milvus server (standalone or a cluster's proxy);
* ``milvus-lite:///path/to/dir[?collection=name]`` — embedded Milvus Lite in that folder.

Both take ``?timeout=SECONDS`` (how long one call may wait, retries included). This module is
plain parsing, importing nothing of Milvus, so ``IndexConfig`` validates the setting eagerly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from index.errors import ConfigError

SCHEMES = ("milvus", "milvus-lite")
DEFAULT_PORT = 19530
DEFAULT_COLLECTION = "speech_qa"
#: Milvus allows 255 characters; the build collections add a suffix of up to 40 (stores/milvus/schema.py).
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")
FORMS = "milvus://HOST:PORT/COLLECTION, milvus-lite:///ABSOLUTE/PATH, or empty for the local index folder"


@dataclass(frozen=True)
class MilvusTarget:
    """A parsed store URI: a server ``address`` (``http://host:port``) or a Milvus Lite ``lite_dir``."""

    uri: str
    collection: str
    address: str | None = None
    lite_dir: Path | None = None
    #: Seconds a call may take, retries included (``?timeout=S``; default stores/milvus/client.py).
    timeout: float | None = None

    @property
    def key(self) -> str:
        """The index this URI names, whatever its spelling or timeout (for the writer lock)."""
        where = self.address or str(self.lite_dir.resolve() if self.lite_dir else "")
        return f"{where}/{self.collection}"


def _bad(uri: str, problem: str) -> ConfigError:
    return ConfigError(f"setting 'store': {uri!r} {problem}")


def parse_store(value: str) -> MilvusTarget | None:
    """None for the local folder store (``value`` empty), else the Milvus target; ConfigError otherwise."""
    if not value.strip():
        return None
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if "://" not in value or scheme not in SCHEMES:
        raise _bad(value, f"is not a store URI (use {FORMS})")
    query = parse_qs(parts.query)
    if scheme == "milvus":
        if not parts.hostname:
            raise _bad(value, "has no host: write milvus://HOST:PORT/COLLECTION")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise _bad(value, "has a port that is not a number") from None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        target = MilvusTarget(value, parts.path.strip("/") or DEFAULT_COLLECTION, address=f"http://{host}:{port}")
    else:
        if parts.netloc or not parts.path:
            raise _bad(value, "needs an absolute folder: write milvus-lite:///ABSOLUTE/PATH (three slashes)")
        collection = (query.get("collection") or [DEFAULT_COLLECTION])[0]
        target = MilvusTarget(value, collection, lite_dir=Path(parts.path).expanduser())
    if "timeout" in query:
        try:
            seconds = float(query["timeout"][0])
        except ValueError:
            raise _bad(value, "has a timeout that is not a number of seconds") from None
        if seconds <= 0:
            raise _bad(value, "has a timeout that is not a positive number of seconds")
        target = replace(target, timeout=seconds)
    if not _NAME.match(target.collection):
        raise _bad(value, f"names collection {target.collection!r}: use letters, digits and _ (not starting "
                          "with a digit), at most 200 characters")
    return target


__all__ = ["DEFAULT_COLLECTION", "DEFAULT_PORT", "MilvusTarget", "parse_store"]
