"""BM25 postings of one index segment: built from tokens, merged, saved, memory-mapped, scored.

The store keeps BM25 in immutable segments (one per write, merged as they pile up, see
:mod:`index.stores.segments`), so the statistics that depend on the whole collection cannot be
baked into a segment. A segment stores per (token, row) only the length-normalized term
frequency ``tfn = tf / (tf + k1·(1 − b + b·dl/avgdl))`` (Lucene BM25, bm25s's defaults, what
the index has always used); the IDF, which needs the collection's document frequencies, is
applied at query time from the sum of every segment's column lengths. One segment alone thus
scores exactly as bm25s would; several score as one collection would, with ``avgdl`` taken at
the time each segment was written (a merge renormalizes with the current one) and removed rows
counted in N and df until a merge drops them, as Lucene does.

Columns are tokens in code-point order (:class:`Vocabulary`); the CSC arrays are ``indptr`` (int64), ``rows`` (int32,
ascending within a column) and ``tfn`` (float32), loaded memory-mapped: a query reads only
the columns of its tokens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1 = 1.5
B = 0.75
_ARRAYS = ("indptr", "rows", "tfn", "lengths")
_META = "bm25.json"


class Vocabulary(Sequence[str]):
    """A segment's tokens in code-point order (column ``i`` is the ``i``-th), stored as one UTF-8
    blob and its offsets, memory-mapped: a cold start reads neither a JSON list nor builds a dict
    of 100k+ tokens (~0.1 s at 1M passages); a token is found by binary search."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._blob = blob
        self._offsets = offsets
        # Plain memoryviews of the (memory-mapped) arrays: a binary search reads ~15 tokens per
        # lookup, and numpy.memmap's own slicing made the lookups 5 ms of a 1M-passage ask.
        self._bytes = np.ascontiguousarray(blob, dtype=np.uint8).data
        self._ends = np.ascontiguousarray(offsets, dtype=np.int64).data

    @classmethod
    def of(cls, tokens: Sequence[str]) -> Vocabulary:
        """``tokens``, which must be sorted and distinct."""
        encoded = [t.encode("utf-8") for t in tokens]
        offsets = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), np.uint8), offsets)

    def __len__(self) -> int:
        return len(self._ends) - 1

    def _encoded(self, i: int) -> bytes:
        return bytes(self._bytes[self._ends[i] : self._ends[i + 1]])

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        return self._encoded(i).decode("utf-8")

    def find(self, token: str) -> int:
        """Column of ``token``, or -1 (UTF-8 bytes sort in code-point order: nothing is decoded)."""
        key = token.encode("utf-8")
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._encoded(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self) and self._encoded(lo) == key else -1

    def save(self, directory: Path) -> None:
        np.save(directory / "bm25.vocab.npy", np.asarray(self._blob))
        np.save(directory / "bm25.offsets.npy", np.asarray(self._offsets))

    @classmethod
    def load(cls, directory: Path) -> Vocabulary:
        return cls(np.load(directory / "bm25.vocab.npy", mmap_mode="r", allow_pickle=False),
                   np.load(directory / "bm25.offsets.npy", mmap_mode="r", allow_pickle=False))


def idf(df: np.ndarray, n: int) -> np.ndarray:
    """Lucene's IDF (never negative): ``ln(1 + (N − df + 0.5) / (df + 0.5))``."""
    df = np.asarray(df, dtype=np.float64)
    return np.log1p((n - df + 0.5) / (df + 0.5))


def _norm(lengths: np.ndarray, avgdl: float) -> np.ndarray:
    return K1 * ((1 - B) + B * lengths / (avgdl or 1.0))


@dataclass(frozen=True)
class Postings:
    """One segment's BM25 matrix (rows = passages, columns = tokens), see the module docstring."""

    vocab: Vocabulary
    indptr: np.ndarray
    rows: np.ndarray
    tfn: np.ndarray
    lengths: np.ndarray  # tokens per row (dl)
    avgdl: float  # the average length ``tfn`` was normalized with

    @property
    def row_count(self) -> int:
        return int(self.lengths.shape[0])

    def column_lengths(self) -> np.ndarray:
        return np.diff(np.asarray(self.indptr))

    @classmethod
    def empty(cls, rows: int = 0) -> Postings:
        return cls(Vocabulary.of([]), np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
                   np.zeros(rows, np.float32), 0.0)

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]], avgdl: float | None = None) -> Postings:
        """Postings of ``token_lists[i]`` as row ``i``; ``avgdl`` defaults to their own average length."""
        columns: dict[str, int] = {}
        flat = [columns.setdefault(t, len(columns)) for tokens in token_lists for t in tokens]
        lengths = np.fromiter((len(t) for t in token_lists), np.float32, len(token_lists))
        if avgdl is None:
            avgdl = float(lengths.mean()) if len(lengths) else 0.0
        if not flat:
            return cls.empty(len(token_lists))._replace_avgdl(avgdl)
        n = len(token_lists)
        tokens, rank = _sorted(columns)
        row_of = np.repeat(np.arange(n, dtype=np.int64), lengths.astype(np.int64))
        pairs, tf = np.unique(rank[np.asarray(flat, np.int64)] * n + row_of, return_counts=True)  # by column, row
        cols, rows = np.divmod(pairs, n)
        indptr = np.zeros(len(columns) + 1, np.int64)
        np.cumsum(np.bincount(cols, minlength=len(columns)), out=indptr[1:])
        tf = tf.astype(np.float32)
        tfn = tf / (tf + _norm(lengths[rows], avgdl))
        return cls(Vocabulary.of(tokens), indptr, rows.astype(np.int32), tfn.astype(np.float32), lengths, avgdl)

    def _replace_avgdl(self, avgdl: float) -> Postings:
        return Postings(self.vocab, self.indptr, self.rows, self.tfn, self.lengths, avgdl)

    # ----------------------------------------------------------------- files
    def save(self, directory: Path) -> None:
        for name in _ARRAYS:
            np.save(directory / f"bm25.{name}.npy", getattr(self, name))
        self.vocab.save(directory)
        (directory / _META).write_text(json.dumps({"avgdl": self.avgdl, "k1": K1, "b": B}), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Postings:
        """Load what :meth:`save` wrote, arrays memory-mapped; OSError/ValueError if missing or broken."""
        arrays = {name: np.load(directory / f"bm25.{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        vocab = Vocabulary.load(directory)
        if (meta.get("k1"), meta.get("b")) != (K1, B) or len(arrays["indptr"]) != len(vocab) + 1 \
                or len(arrays["rows"]) != len(arrays["tfn"]) or int(arrays["indptr"][-1]) != len(arrays["rows"]):
            raise ValueError(f"{directory}: BM25 arrays do not match their vocabulary")
        return cls(vocab, arrays["indptr"], arrays["rows"], arrays["tfn"], arrays["lengths"], float(meta["avgdl"]))

    # ----------------------------------------------------------------- scoring
    def add_scores(self, scores: np.ndarray, columns: Mapping[int, float]) -> None:
        """``scores[row] += weight · tfn`` for every (column → weight); a column lists a row once."""
        for column, weight in columns.items():
            start, end = int(self.indptr[column]), int(self.indptr[column + 1])
            scores[self.rows[start:end]] += np.float32(weight) * self.tfn[start:end]

    def scores_of(self, rows: np.ndarray, columns: Mapping[int, float]) -> np.ndarray:
        """``Σ weight · tfn`` of the given (ascending) rows only, by binary search in each column:
        cheaper than :meth:`add_scores` when a column lists far more rows than are asked about."""
        out = np.zeros(len(rows), np.float32)
        for column, weight in columns.items():
            start, end = int(self.indptr[column]), int(self.indptr[column + 1])
            listed = self.rows[start:end]
            pos = np.searchsorted(listed, rows)
            found = pos < len(listed)
            found[found] = listed[pos[found]] == rows[found]
            out[found] += np.float32(weight) * self.tfn[start:end][pos[found]]
        return out

    # ----------------------------------------------------------------- merging
    @classmethod
    def merge(cls, parts: Sequence[tuple[Postings, np.ndarray | None]], avgdl: float) -> Postings:
        """The parts one after another (rows renumbered), rows where the keep-mask is False dropped,
        ``tfn`` renormalized with ``avgdl``. Linear in the postings: no re-tokenizing, no sort.

        Two passes: count each token's surviving postings, then copy every part's postings into
        place (a part's rows all come after the previous part's, so columns stay row-ordered).
        """
        seen: dict[str, int] = {}
        first = [np.asarray([seen.setdefault(t, len(seen)) for t in part.vocab], np.int64) for part, _ in parts]
        tokens, rank = _sorted(seen)
        columns = [rank[c] for c in first]  # union columns, in token order
        vocab = dict(zip(tokens, range(len(tokens)), strict=True))
        counts = np.zeros(len(vocab), np.int64)
        for (part, keep), cols in zip(parts, columns, strict=True):  # pass 1: surviving postings per token
            counts[cols] += _MergePlan.of(part, keep, cols, counts_only=True).live_per_column
        indptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        rows = np.empty(int(indptr[-1]), np.int32)
        tfn = np.empty(int(indptr[-1]), np.float32)
        lengths = np.concatenate([np.asarray(part.lengths, np.float32)[np.ones(part.row_count, bool) if keep is None
                                  else keep] for part, keep in parts]) if parts else np.zeros(0, np.float32)
        fill = indptr[:-1].copy()
        offset = 0
        for (part, keep), cols in zip(parts, columns, strict=True):  # pass 2: one part at a time (memory)
            plan = _MergePlan.of(part, keep, cols)
            dest = plan.destinations(fill)
            new_rows = plan.new_rows + offset
            rows[dest] = new_rows
            tfn[dest] = plan.tf / (plan.tf + _norm(lengths[new_rows], avgdl))
            offset += plan.rows
        used = counts > 0  # tokens that only removed rows had go
        if not used.all():
            indptr = np.concatenate([[0], np.cumsum(counts[used])]).astype(np.int64)
            vocab = {t: i for t, i in vocab.items() if used[i]}
        return cls(Vocabulary.of(list(vocab)), indptr, rows, tfn, lengths.astype(np.float32), avgdl)


def _sorted(columns: Mapping[str, int]) -> tuple[list[str], np.ndarray]:
    """Tokens in code-point order, and the new column of each old column (insertion order)."""
    tokens = sorted(columns)
    rank = np.zeros(len(columns), np.int64)
    rank[np.asarray([columns[t] for t in tokens], np.int64)] = np.arange(len(tokens))
    return tokens, rank


@dataclass(frozen=True)
class _MergePlan:
    """One part of a merge: its surviving postings, by column, with their new row numbers and tf."""

    columns: np.ndarray  # union column of each of the part's columns
    live_per_column: np.ndarray
    live_columns: np.ndarray  # the part's own column of each surviving posting (ascending)
    new_rows: np.ndarray  # row within the part after dropping removed rows
    tf: np.ndarray  # raw term frequency, recovered from tfn
    rows: int  # surviving rows

    @classmethod
    def of(cls, part: Postings, keep: np.ndarray | None, columns: np.ndarray, *, counts_only: bool = False) -> _MergePlan:
        keep = np.ones(part.row_count, bool) if keep is None else np.asarray(keep, bool)
        rows = np.asarray(part.rows)
        live = keep[rows]
        own_columns = np.repeat(np.arange(len(part.vocab), dtype=np.int64), part.column_lengths())[live]
        per_column = np.bincount(own_columns, minlength=len(columns))
        empty = np.zeros(0, np.int64)
        if counts_only:
            return cls(columns, per_column, empty, empty, empty.astype(np.float64), int(keep.sum()))
        old_rows = rows[live]
        tfn = np.asarray(part.tfn)[live].astype(np.float64)
        tf = np.rint(tfn * _norm(np.asarray(part.lengths)[old_rows], part.avgdl) / (1 - tfn))
        renumber = np.cumsum(keep, dtype=np.int64) - 1
        return cls(columns, per_column, own_columns, renumber[old_rows], tf, int(keep.sum()))

    def destinations(self, fill: np.ndarray) -> np.ndarray:
        """Where each surviving posting goes; advances ``fill`` (next free slot per union column)."""
        first = np.concatenate([[0], np.cumsum(self.live_per_column)[:-1]]).astype(np.int64)
        within = np.arange(len(self.live_columns), dtype=np.int64) - first[self.live_columns]
        dest = fill[self.columns][self.live_columns] + within
        fill[self.columns] += self.live_per_column
        return dest
