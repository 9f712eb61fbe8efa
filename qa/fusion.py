"""Fusing ranked lists and folding near-duplicates: pure functions over (id, score) lists."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from index.normalize import normalize_same_length
from qa.params import DEFAULTS


def rrf(runs: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float] | None = None,
        k: int = DEFAULTS.rrf_k) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion of ranked ``(id, score)`` lists, best first."""
    weights = weights or [1.0] * len(runs)
    fused: dict[int, float] = {}
    for run, weight in zip(runs, weights, strict=True):
        for rank, (cid, _score) in enumerate(run):
            fused[cid] = fused.get(cid, 0.0) + weight / (k + rank + 1)
    return sorted(fused.items(), key=lambda kv: -kv[1])


def score_fusion(dense: Mapping[int, float], lexical: Mapping[int, float], alpha: float,
                 min_span: float = 0.0) -> list[tuple[int, float]]:
    """``alpha`` x min-max normalized cosine + (1 - alpha) x BM25 / max BM25, best first.

    Ids missing from ``lexical`` score 0 there (they were below its cut-off). Cosines are
    scaled by at least ``min_span``: when all candidates are about equally close (a short
    keyword query), their tiny differences must not be stretched into a decisive margin.
    """
    if not dense:
        return []
    top, low = max(dense.values()), min(dense.values())
    span = max(top - low, min_span) or 1.0
    best_bm25 = max(lexical.values(), default=0.0) or 1.0
    fused = {cid: alpha * (cos - low) / span + (1 - alpha) * lexical.get(cid, 0.0) / best_bm25
             for cid, cos in dense.items()}
    return sorted(fused.items(), key=lambda kv: -kv[1])


def shingles(text: str, n: int = DEFAULTS.shingle) -> set[str]:
    """Character n-grams of the normalized text with punctuation and spaces removed."""
    return _grams(_core(text), n)


def _core(text: str) -> str:
    return _NOT_WORD.sub("", normalize_same_length(text))


def _grams(core: str, n: int) -> set[str]:
    return {core[i : i + n] for i in range(max(len(core) - n + 1, 1))}


_NOT_WORD = re.compile(r"[\W_]+")
#: n-grams of the shorter text looked up before two passages' whole n-gram sets are compared.
_PROBES = 16


def near_duplicate(a: set[str], b: set[str], threshold: float = DEFAULTS.duplicate_threshold) -> bool:
    """True when one passage is mostly contained in the other (reprints cut at other bounds)."""
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= threshold


class _Passage:
    """A passage's normalized text, with its n-gram set made only when a comparison needs it."""

    def __init__(self, text: str, n: int) -> None:
        self.core = _core(text)
        self.n = n
        self._grams: set[str] | None = None
        step = max(1, (len(self.core) - n + 1) // _PROBES)
        self.probes = [self.core[i : i + n] for i in range(0, max(len(self.core) - n + 1, 1), step)][:_PROBES]

    @property
    def grams(self) -> set[str]:
        if self._grams is None:
            self._grams = _grams(self.core, self.n)
        return self._grams

    def duplicates(self, head: _Passage, threshold: float) -> bool:
        """:func:`near_duplicate` of the two, after a cheap check: when the shorter one holds a
        share ``threshold`` of its n-grams in the other, its evenly spaced probes are found there
        about as often, so fewer than half found means no duplicate (most pairs stop here)."""
        short, long = (self, head) if len(self.core) <= len(head.core) else (head, self)
        found = sum(g in long.core for g in short.probes)
        if found * 2 < len(short.probes):
            return False
        return near_duplicate(self.grams, head.grams, threshold)


def fold_duplicates(order: Sequence[int], texts: Mapping[int, str], keep: int | None = None, *,
                    n: int = DEFAULTS.shingle, threshold: float = DEFAULTS.duplicate_threshold,
                    ) -> list[tuple[int, list[int]]]:
    """Keep the first of each group of near-duplicate passages, with the ids it absorbed.

    With ``keep``, at most that many groups are formed; later passages are only checked
    against them (to list reprints as "also in"), which bounds the work at ``keep`` per id.
    """
    kept: list[tuple[int, list[int], _Passage]] = []
    for cid in order:
        passage = _Passage(texts[cid], n)
        for _head, absorbed, head in kept:
            if passage.duplicates(head, threshold):
                absorbed.append(cid)
                break
        else:
            if keep is None or len(kept) < keep:
                kept.append((cid, [], passage))
    return [(cid, absorbed) for cid, absorbed, _ in kept]
