"""Load jieba's prefix dictionary from jieba's own cache file, three times faster than jieba does.

``jieba.initialize()`` reads its cache (``jieba.cache`` in the temp dir: the ~500k words and
prefixes with their frequencies, 9 MB) with ``marshal.load(file)``, which asks the file object
for every one of its million small objects separately: 0.38-0.42 s on this machine, paid by every
``qa index add`` on the main thread. Reading the file's bytes in one call and unmarshalling them
with ``marshal.loads`` gives the very same objects in 0.11-0.12 s (measured in fresh processes,
load < 0.5, jieba 0.42.1).

Nothing else changes: the same file, found by the same rules (the tokenizer's ``cache_file``
or ``tmp_dir`` if set, the default dictionary's cache trusted as it is, a custom dictionary's
only when newer than the dictionary), so the tokenizer ends up exactly as ``initialize()``
would leave it and cuts text identically. Whenever the cache is missing, unreadable or not a
``(dict, int)`` pair, jieba's own ``initialize()`` runs instead: it builds the dictionary from
``dict.txt`` and rewrites the cache, as it always has.
"""

from __future__ import annotations

import marshal
import os
import tempfile
from hashlib import md5
from pathlib import Path
from typing import Any


def cache_path(tokenizer: Any) -> Path:
    """The cache file ``tokenizer.initialize()`` reads and writes (jieba 0.42's naming)."""
    import jieba

    if tokenizer.cache_file:
        name = tokenizer.cache_file
    elif tokenizer.dictionary == jieba.DEFAULT_DICT:
        name = "jieba.cache"
    else:
        name = f"jieba.u{md5(tokenizer.dictionary.encode('utf-8', 'replace')).hexdigest()}.cache"
    return Path(tokenizer.tmp_dir or tempfile.gettempdir()) / name


def _read(tokenizer: Any) -> tuple[dict[str, int], int] | None:
    """``(FREQ, total)`` from the cache file when jieba would use it, else None."""
    import jieba

    path = cache_path(tokenizer)
    try:
        custom = tokenizer.dictionary != jieba.DEFAULT_DICT
        if custom and os.path.getmtime(path) <= os.path.getmtime(tokenizer.dictionary):
            return None  # stale: jieba rebuilds it
        loaded = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], dict)
            and isinstance(loaded[1], int)):
        return None
    return loaded[0], loaded[1]


def initialize(tokenizer: Any) -> None:
    """Make ``tokenizer`` (a ``jieba.Tokenizer``) ready to cut, as its ``initialize()`` would."""
    if tokenizer.initialized:
        return
    with tokenizer.lock:  # the lock jieba's initialize() takes: never two loads at once
        if not tokenizer.initialized:
            loaded = _read(tokenizer)
            if loaded is not None:
                tokenizer.FREQ, tokenizer.total = loaded
                tokenizer.initialized = True
    if not tokenizer.initialized:
        tokenizer.initialize()
