"""One immutable segment of the local store: the vectors and BM25 rows of a set of chunks.

A segment is two files named by its number: ``vectors.<n>.faiss`` (FAISS, labels are row
numbers) and ``lexical.<n>/`` (:class:`index.lexical.LexicalIndex`: BM25 arrays, the chunk id
and speech id of every row, and for one segment of the index the query dictionary). Both are
written once, before the SQLite commit that names them, and read memory-mapped, so opening an
index reads neither all vectors nor all postings.

Small segments are exact (``IndexFlatIP``). From :data:`ANN_MIN_ROWS` rows a segment is an
IVF index with 8-bit scalar quantization (``IndexIVFScalarQuantizer``), which is what makes a
million passages fit in memory and answer in milliseconds; every IVF segment of an index shares
the quantizer trained for its first one, so merging them copies codes instead of re-encoding.
Why IVF and these numbers: see :data:`ANN_MIN_ROWS` and ``scripts/bench_scale.py``.
"""

from __future__ import annotations

import math
import os
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
#: Share of the lists a query scans; chosen on the 1M synthetic benchmark for recall@10 vs exact.
IVF_PROBE_SHARE = 0.25
_TRAIN_PER_LIST = 64
SPEECHES = "speeches"  # the extra array of a segment's lexical folder: speech id of every row


@dataclass(frozen=True)
class Segment:
    """The vectors (``dense``, labels = rows) and BM25 rows (``lexical``) of one set of chunks."""

    number: int
    kind: str  # "flat" or "ivf"
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
        flags = faiss.IO_FLAG_MMAP if info.kind == "ivf" else faiss.IO_FLAG_MMAP_IFC
        dense = faiss.read_index(str(vectors_file(folder, info.number)), flags)
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
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the ``k`` best rows, restricted to ``allowed`` (a row mask) when given."""
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
        if self.kind == "ivf":
            lists = int(self.dense.nlist)
            nprobe = min(lists, math.ceil(lists * IVF_PROBE_SHARE / max(share, 1e-9)))
            params: Any = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)  # type: ignore[call-arg]
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


def dense_index(vectors: np.ndarray, template: Any | None) -> tuple[str, Any]:
    """(kind, index) holding ``vectors`` as rows 0..n-1: flat below :data:`ANN_MIN_ROWS`, else IVF
    (from ``template``, an IVF segment of the same index, or trained here)."""
    faiss = faiss_module()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dimension = vectors.shape
    if n < ANN_MIN_ROWS:
        flat = faiss.IndexFlatIP(dimension)
        if n:
            flat.add(vectors)
        return "flat", flat
    ivf = empty_ivf(template) if template is not None else trained_ivf(vectors)
    ivf.add_with_ids(vectors, np.arange(n, dtype=np.int64))
    ivf.make_direct_map(True)
    return "ivf", ivf


def empty_ivf(template: Any) -> Any:
    """An empty IVF index with ``template``'s trained quantizer and scalar quantizer (no list copied)."""
    faiss = faiss_module()
    ivf = faiss.IndexIVFScalarQuantizer(faiss.clone_index(template.quantizer), template.d, template.nlist,
                                        faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    ivf.sq.trained = template.sq.trained
    ivf.by_residual = template.by_residual
    ivf.is_trained = True
    return ivf


def trained_ivf(vectors: np.ndarray) -> Any:
    """An empty IVF index whose quantizers are trained on (a sample of) ``vectors``.

    :data:`IVF_LISTS` lists, fewer when there are not 39 vectors a list to train on (faiss's
    minimum; only when :data:`ANN_MIN_ROWS` is lowered, as tests and ``eval_retrieval --ann`` do).
    """
    faiss = faiss_module()
    lists = min(IVF_LISTS, max(1, len(vectors) // 39))
    ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], lists,
                                        faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), lists * _TRAIN_PER_LIST),
                                             replace=False)
    ivf.train(vectors[np.sort(sample)])
    return ivf
