"""One immutable segment of the local store: the vectors and BM25 rows of a set of chunks.

A segment is two files named by its number: ``vectors.<n>.faiss`` (FAISS, labels are row
numbers) and ``lexical.<n>/`` (:class:`index.lexical.LexicalIndex`: BM25 arrays, the chunk id
and speech id of every row, and for one segment of the index the query dictionary). Both are
written once, before the SQLite commit that names them, and read memory-mapped, so opening an
index reads neither all vectors nor all postings.

Small segments are exact (``IndexFlatIP``). From :data:`ANN_MIN_ROWS` rows a segment is
approximate, kind ``"ann"``: an IVF index of 4-bit product-quantization codes scanned with
SIMD ("fast scan", ``IVF1024,PQ192x4fs``) proposes a shortlist of :data:`ANN_SHORTLIST` rows,
which 8-bit scalar codes of every row rerank (``Refine(SQ8)``). The shortlist is cheap enough
to scan most lists, which is what keeps recall@10 against exact search above 0.95 on the 1M
benchmark at a few milliseconds a query; the 8-bit codes make a million passages fit in
memory. Every approximate segment of an index starts from the quantizers trained for its
first one. Indexes written before kept kind ``"ivf"`` (``IndexIVFScalarQuantizer``, 8-bit
codes scanned directly); those segments are still read and searched, and a merge rewrites
them as ``"ann"``. Why these numbers: see the constants and ``scripts/bench_scale.py``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.lexical import LexicalIndex
from index.stores.local_schema import SegmentInfo, faiss_module, lexical_dir, vectors_file

#: Rows from which a segment is approximate. Below it exact search is fast enough (a 100k-row
#: flat segment searches in ~4 ms on one idle core of this machine) and IVF gains little: on
#: e5 question → passage search IVF must scan a large share of its lists to keep recall@10
#: (scripts/bench_scale.py, "recall" phase, and the note of issue 12).
ANN_MIN_ROWS = 200_000
#: Inverted lists of an IVF segment (≈ √N·1 at 1M rows; trained once per index on ≤ 64 points per list).
IVF_LISTS = 1024
#: Share of the lists an old ``"ivf"`` segment's query scans (recall@10 0.88 at 1M, 10–11 ms).
IVF_PROBE_SHARE = 0.25
#: Share of the lists an ``"ann"`` query scans, and the shortlist the 8-bit codes rerank. Chosen
#: on the 1M synthetic vectors of scripts/bench_scale.py, 200 real questions, recall@10 against
#: exact fp32 search (2026-11-24, /work/scratch/lead/ann_try3.py; one idle core): shares
#: 0.5/0.625/0.75 with shortlists 1000/2000 gave 0.933/0.946 (4.4/5.4 ms), 0.941/0.952
#: (5.4/10 ms), 0.946/0.957 (6.6/6.9 ms); the old IVF-SQ8 at share 0.25 gave 0.88 in 10.4 ms.
#: The 8-bit codes themselves cap recall near 0.96 (exact search over them: 0.963).
ANN_PROBE_SHARE = 0.75
ANN_SHORTLIST = 2000
#: With several approximate segments the shortlist is shared by their rows, each keeping at least
#: this share of it: at 1M in segments of 600k/200k/200k, dense search of a 40-passage pool took
#: 8.2 ms with recall@10 0.959 against 13.5 ms and 0.966 with a whole shortlist each (same run,
#: /work/scratch/lead/rec2.py, 2026-11-24).
ANN_SHORTLIST_FLOOR = 0.2
#: The approximate index's recipe (faiss index_factory): see the module docstring.
ANN_FACTORY = "IVF{lists},PQ{m}x4fs,Refine(SQ8)"
_TRAIN_PER_LIST = 64
_PQ_CENTROIDS = 16  # codes of a 4-bit product quantizer
SPEECHES = "speeches"  # the extra array of a segment's lexical folder: speech id of every row


@dataclass(frozen=True)
class Segment:
    """The vectors (``dense``, labels = rows) and BM25 rows (``lexical``) of one set of chunks."""

    number: int
    kind: str  # "flat", "ann", or "ivf" (written by older versions)
    dense: Any
    lexical: LexicalIndex

    @property
    def ids(self) -> np.ndarray:
        """Chunk id of every row, ascending."""
        return self.lexical.ids

    @property
    def speeches(self) -> np.ndarray:
        return self.lexical.extra[SPEECHES]

    def __len__(self) -> int:
        return len(self.lexical)

    @property
    def info(self) -> SegmentInfo:
        return SegmentInfo(self.number, len(self), self.kind)

    # ----------------------------------------------------------------- files
    @classmethod
    def load(cls, folder: Path, info: SegmentInfo, *, dictionary: bool) -> Segment:
        """Open a committed segment memory-mapped; OSError/RuntimeError/ValueError when damaged."""
        faiss = faiss_module()
        dense = faiss.read_index(str(vectors_file(folder, info.number)), read_flags(info.kind))
        lexical = LexicalIndex.load(lexical_dir(folder, info.number), dictionary=dictionary, extra=(SPEECHES,))
        if not dense.ntotal == len(lexical) == info.rows == len(lexical.extra[SPEECHES]):
            raise ValueError(f"segment {info.number}: {dense.ntotal} vectors, {len(lexical)} BM25 rows, "
                             f"{info.rows} expected")
        return cls(info.number, info.kind, dense, lexical)

    def save(self, folder: Path) -> None:
        """Write both files (vectors first; temp names, fsync, rename): never half-written."""
        faiss = faiss_module()
        target = vectors_file(folder, self.number)
        tmp = target.with_name(target.name + ".tmp")
        faiss.write_index(self.dense, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        self.lexical.save(lexical_dir(folder, self.number))

    # ----------------------------------------------------------------- reading
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None,
               shortlist: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the ``k`` best rows, restricted to ``allowed`` (a row mask) when given;
        an approximate segment reranks a shortlist of ``shortlist`` rows (0: :data:`ANN_SHORTLIST`)."""
        faiss = faiss_module()
        n = len(self)
        k = min(k, n)
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        selector = None
        share = 1.0
        if allowed is not None:
            count = int(allowed.sum())
            if count == 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            share = count / n
            if count < n:
                bitmap = np.packbits(allowed, bitorder="little")
                selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap))
        if self.kind == "ann":
            lists = int(faiss.extract_index_ivf(self.dense).nlist)
            nprobe = min(lists, math.ceil(lists * ANN_PROBE_SHARE / max(share, 1e-9)))
            base = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
            params: Any = faiss.IndexRefineSearchParameters(  # type: ignore[call-arg]
                k_factor=max(1.0, (shortlist or ANN_SHORTLIST) / k), base_index_params=base)
        elif self.kind == "ivf":
            lists = int(self.dense.nlist)
            nprobe = min(lists, math.ceil(lists * IVF_PROBE_SHARE / max(share, 1e-9)))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]
        scores, rows = self.dense.search(query, k, params=params)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.dense.reconstruct_batch(np.asarray(rows, np.int64)), np.float32)

    def all_vectors(self) -> np.ndarray:
        """Every row's vector (flat: a view of the mapped file; IVF: decoded), for merging."""
        faiss = faiss_module()
        if self.kind == "flat":
            return faiss.rev_swig_ptr(self.dense.get_xb(), len(self) * self.dense.d).reshape(len(self), self.dense.d)
        return self.reconstruct(np.arange(len(self)))


def read_flags(kind: str) -> int:
    """How a segment's vectors are opened: memory-mapped wherever faiss can map them."""
    faiss = faiss_module()
    return int(faiss.IO_FLAG_MMAP if kind == "ivf" else faiss.IO_FLAG_MMAP_IFC)


def template_of(segments: Iterable[Segment]) -> Any | None:
    """The index of an approximate segment whose trained quantizers new ones start from."""
    return next((s.dense for s in segments if s.kind == "ann"), None)


def dense_index(vectors: np.ndarray, template: Any | None) -> tuple[str, Any]:
    """(kind, index) holding ``vectors`` as rows 0..n-1: flat below :data:`ANN_MIN_ROWS`, else
    approximate (from ``template``, an ``"ann"`` segment's index, or trained here)."""
    faiss = faiss_module()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dimension = vectors.shape
    if n < ANN_MIN_ROWS:
        flat = faiss.IndexFlatIP(dimension)
        if n:
            flat.add(vectors)
        return "flat", flat
    ann = empty_like(template) if template is not None else trained_ann(vectors)
    ann.add(vectors)
    return "ann", ann


def empty_like(template: Any) -> Any:
    """An empty approximate index with ``template``'s trained quantizers: a copy of the whole
    template, codes included (~0.1 GB per 200k rows, briefly), then emptied; faiss offers no copy
    of the trained state alone, and this runs only when a write makes or merges a big segment."""
    faiss = faiss_module()
    ann = faiss.deserialize_index(faiss.serialize_index(template))
    ann.reset()
    return ann


def trained_ann(vectors: np.ndarray) -> Any:
    """An empty approximate index whose quantizers are trained on (a sample of) ``vectors``.

    :data:`IVF_LISTS` lists, fewer when there are not 39 vectors a list to train on (faiss's
    minimum; only when :data:`ANN_MIN_ROWS` is lowered, as tests and ``eval_retrieval --ann`` do).
    """
    faiss = faiss_module()
    lists = min(IVF_LISTS, max(1, len(vectors) // 39))
    dimension = vectors.shape[1]
    m = next(m for m in range(max(1, dimension // 2), 0, -1) if dimension % m == 0)  # 2 dimensions a code
    ann = faiss.index_factory(dimension, ANN_FACTORY.format(lists=lists, m=m), faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), lists * _TRAIN_PER_LIST),
                                             replace=False)
    train = vectors[np.sort(sample)]
    if len(train) < _PQ_CENTROIDS:  # too few rows for the 16 codes of a 4-bit quantizer: only when
        train = np.tile(train, (-(-_PQ_CENTROIDS // len(train)), 1))  # ANN_MIN_ROWS is lowered (tests)
    ann.train(np.ascontiguousarray(train))
    return ann


def shortlists(segments: Sequence[Segment]) -> list[int]:
    """Each segment's share of :data:`ANN_SHORTLIST` (0 for exact ones): by rows, at least the floor."""
    total = sum(len(s) for s in segments if s.kind != "flat")
    return [0 if s.kind == "flat" or not total else
            max(1, round(ANN_SHORTLIST * max(ANN_SHORTLIST_FLOOR, len(s) / total))) for s in segments]
