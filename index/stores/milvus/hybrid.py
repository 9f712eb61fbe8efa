"""Milvus' own hybrid search (dense + BM25 fused on the server), kept to measure it against the
client-side fusion the product uses (scripts/eval_store_parity.py; results in docs/scaling.md).

The product fuses client-side (qa/ranking.py): on the seeds dev set that kept the local store's
hit@1/hit@5, while RRFRanker and WeightedRanker lost the margin of a confident dense match.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from index.normalize import normalize
from index.stores.base import Scored
from index.stores.milvus.client import guard
from index.stores.milvus.store import MAX_LIMIT, MilvusStore
from index.types import Filters

#: RRF's usual constant (Cormack et al. 2009), as qa/params.py's rrf_k.
RRF_K = 60


def hybrid_search(store: MilvusStore, vec: np.ndarray, question: str, k: int, filters: Filters | None = None, *,
                  ranker: str = "rrf", weights: tuple[float, float] = (0.7, 0.3)) -> Scored:
    """The ``k`` best passages of one hybrid search: ``k`` dense and ``k`` BM25 candidates fused by
    ``ranker`` "rrf" (RRFRanker(60)) or "weighted" (WeightedRanker(*weights)), best first."""
    from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

    expr = store.expression(filters) or ""
    if k <= 0 or not store.has_manifest:
        return []
    size = min(k, MAX_LIMIT)
    requests: list[Any] = [AnnSearchRequest(data=[np.asarray(vec, dtype=np.float32).reshape(-1).tolist()],
                                            anns_field="dense", param=store.dense_params(size), limit=size,
                                            expr=expr)]
    text = normalize(question).strip()
    if text:
        requests.append(AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"},
                                         limit=size, expr=expr))
    chosen = RRFRanker(RRF_K) if ranker == "rrf" else WeightedRanker(*weights[:len(requests)])
    with guard(store.target, "searching"):
        result = store.client.hybrid_search(store.chunks_collection, requests, ranker=chosen, limit=size,
                                            timeout=store.timeout)
    return [(int(h["id"]), abs(float(h["distance"]))) for h in result[0]]  # Milvus Lite: negated
