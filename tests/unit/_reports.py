"""The reports corpus for trace tests: a few reports in tests/data_reports, all 88 from ../shared.

Indexes are built with the real reader, chunker and store but a cheap stand-in encoder: the
phrase index does not depend on vectors, and the real model would take minutes per build.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from index.config import IndexConfig
from index.embed import Progress
from index.indexer import Indexer
from index.normalize import normalize_same_length
from index.reader import parse_document
from index.stores.local import LocalStore

SUBSET = Path(__file__).resolve().parents[1] / "data_reports"  # apart from tests/data: tests index that folder whole
FULL = Path(os.environ.get("QA_TEST_REPORTS_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "corpus_reports")
DIM = 8


class CheapEncoder:
    """One fixed unit vector per text (from its CRC), for indexes whose vectors a test never reads."""

    name = "cheap-model"
    engine = "cheap"
    dimension = DIM

    def _vector(self, text: str) -> np.ndarray:
        vec = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(DIM).astype(np.float32)
        return vec / np.linalg.norm(vec)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
                        ) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, DIM), np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_passages(texts)


def build_index(source: Path, target: Path) -> LocalStore:
    """Index every file of ``source`` into ``target`` and open it for reading."""
    config = IndexConfig(index_path=target, models_dir=target / "models", model=CheapEncoder.name)
    Indexer(config, encoder_factory=lambda _c, _n: CheapEncoder(), fingerprint=lambda _c: "cheap").build([source])
    return LocalStore.open(target)


def flat(text: str) -> str:
    """The brute force's own folding: same-length normalization, then every whitespace character dropped."""
    return "".join(ch for ch in normalize_same_length(text) if not ch.isspace())


@cache
def flat_speeches(source: Path) -> tuple[tuple[str, str | None, str], ...]:
    """(file name, date, folded text) of every speech in ``source``, read once per session."""
    return tuple((path.name, speech.date, flat(speech.text)) for path in sorted(source.glob("*.txt"))
                 for speech in parse_document(path).speeches)


def brute_force(source: Path, phrase: str) -> dict[str, int]:
    """Uses of ``phrase`` per file name in the cleaned texts, by plain string search."""
    wanted = flat(phrase)
    counts: dict[str, int] = {}
    for name, _date, text in flat_speeches(source):
        hits = sum(1 for i in range(len(text)) if text.startswith(wanted, i))
        if hits:
            counts[name] = counts.get(name, 0) + hits
    return counts


def brute_years(source: Path, phrase: str) -> set[str]:
    """Years of the speeches using ``phrase``, by the brute force."""
    return {date[:4] for _name, date, text in flat_speeches(source) if date and flat(phrase) in text}
