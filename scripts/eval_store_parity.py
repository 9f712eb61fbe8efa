"""The Milvus store against the local one: same questions, same vectors, one process, one run.

The local index is built (or reused) and copied into a Milvus collection (index/stores/copy.py:
the same vectors, no embedding), then every question is asked in:

* ``local`` — the real engine on FAISS + SQLite + BM25 (the reference);
* ``milvus-client`` — the real engine on the Milvus store: Milvus proposes dense and BM25
  candidates, qa/ranking.py fuses them client-side (what the product does);
* ``milvus-hybrid-rrf`` / ``milvus-hybrid-weighted`` — Milvus' own hybrid search
  (RRFRanker(60), WeightedRanker(0.7, 0.3)) proposes and orders the pool, which the same
  sentence scorer reranks and the same composer answers from.

Reported per system: hit@1/hit@5/MRR@10/answer accuracy (scripts/evalkit.py's gold rule), the mean
top-5 overlap with ``local`` (shared passages / 5), the questions whose hit@1 or answer differs,
and ask latency. Without ``--store`` a ``milvus-lite server`` is started on 127.0.0.1 for the run.

    python -m scripts.eval_store_parity [--shared ../shared] [--corpus DIR --questions FILE.jsonl]
        [--local-index DIR] [--store milvus://HOST:PORT/COLLECTION] [--out results/store_parity.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from index.stores.base import Scored
from index.stores.copy import copy_index
from index.stores.milvus.hybrid import hybrid_search
from index.stores.milvus.lite_server import serving
from index.stores.milvus.store import MilvusStore
from index.types import Filters
from qa.compose import compose_answer
from qa.engine import QAEngine
from qa.factory import make_engine
from qa.params import DEFAULTS
from qa.ranking import rank_passages
from qa.types import Answer
from scripts.evalkit import DEFAULT_SHARED, ROOT, Query, Scores, load_jsonl

TOP_K = 10  # as scripts/eval_retrieval.py: hits@10 feed MRR@10, the answer uses the top ones
#: Passage keys of a question's top 5, to compare systems whose chunk ids differ.
Top = list[tuple[str, int, int]]


class HybridStore(MilvusStore):
    """The Milvus store with both retrievers answering Milvus' hybrid result for ``question``.

    qa/ranking.py then fuses two identical lists; with ``alpha=0`` (BM25 side only) the fused
    order is the hybrid order and the fused score the hybrid score over the best one.
    """

    ranker = "rrf"
    question = ""
    _last: tuple[str, int, Scored] | None = None

    def _hybrid(self, vec: np.ndarray | None, k: int, filters: Filters | None) -> Scored:
        if self._last is None or self._last[:2] != (self.question, k):
            assert vec is not None, "dense_search runs first"
            self._last = (self.question, k, hybrid_search(self, vec, self.question, k, filters, ranker=self.ranker))
        return self._last[2]

    def dense_search(self, vec: np.ndarray, k: int, filters: Filters | None = None) -> Scored:
        self._last = None
        return self._hybrid(vec, k, filters)

    def lexical_search(self, question: str, k: int, filters: Filters | None = None) -> Scored:
        return self._hybrid(None, k, filters)


def hybrid_asker(milvus: QAEngine, ranker: str) -> Callable[[str], Answer]:
    """Ask through Milvus' hybrid search (see :class:`HybridStore`), reranked and answered as the engine does."""
    target = milvus.config.milvus
    assert target is not None
    store = HybridStore.open(target)
    store.ranker = ranker
    params = replace(DEFAULTS, alpha=0.0)

    def ask(question: str) -> Answer:
        store.question = question
        ranked = rank_passages(store, milvus.query_encoder, question, TOP_K, None, params)
        return compose_answer(question, question, ranked, params)
    return ask


def run_system(ask: Callable[[str], Answer], queries: list[Query], reference: Scores | None,
               reference_tops: list[Top] | None) -> tuple[dict[str, Any], Scores, list[Top]]:
    """Ask every question: the score table (with the top-5 overlap and the questions whose hit@1 or
    answer differs from ``reference``), the raw scores and each question's top-5 passage keys."""
    scores, tops, overlaps = Scores(), [], []
    ask(queries[0].q)  # warm: index, encoder, jieba, OpenCC
    for i, query in enumerate(queries):
        started = time.perf_counter()
        answer = ask(query.q)
        scores.add([h.text for h in answer.hits], [s.text for s in answer.sentences], query,
                   time.perf_counter() - started)
        top = [(h.doc_path, h.start, h.end) for h in answer.hits[:5]]
        tops.append(top)
        if reference_tops is not None:
            ref = set(reference_tops[i])
            overlaps.append(len(ref & set(top)) / max(len(ref), 1))
    table: dict[str, Any] = dict(scores.table())
    table["latency_ms_p90"] = 1000 * float(np.percentile(scores.seconds, 90))
    if reference is not None:
        table["top5_overlap"] = statistics.fmean(overlaps)
        table["top5_identical"] = sum(o == 1.0 for o in overlaps) / len(overlaps)
        table["answer_differs"] = [q.q for q, a, b in zip(queries, reference.answers_ok, scores.answers_ok,
                                                            strict=True) if a != b]
        table["hit1_differs"] = [q.q for q, a, b in zip(queries, reference.ranks, scores.ranks, strict=True)
                                 if (a == 0) != (b == 0)]
    return table, scores, tops


def evaluate(local: QAEngine, uri: str, queries: list[Query], systems: list[str]) -> dict[str, Any]:
    milvus = make_engine(index_dir=local.config.index_path, store=uri)
    copied = copy_index(local.config, milvus.config)
    result: dict[str, Any] = {"chunks": copied.chunks, "questions": len(queries), "upload_s": copied.seconds,
                              "store": uri}

    def engine_ask(engine: QAEngine) -> Callable[[str], Answer]:
        return lambda q: engine.ask(q, top_k=TOP_K)

    askers = {"milvus-client": lambda: engine_ask(milvus), "milvus-hybrid-rrf": lambda: hybrid_asker(milvus, "rrf"),
              "milvus-hybrid-weighted": lambda: hybrid_asker(milvus, "weighted")}
    result["local"], reference, tops = run_system(engine_ask(local), queries, None, None)
    for name in systems:
        if name != "local":
            result[name], _, _ = run_system(askers[name](), queries, reference, tops)
    cols = ["hit@1", "hit@5", "mrr@10", "answer_acc", "top5_overlap", "latency_ms_p50", "latency_ms_p90"]
    print(f"{len(queries)} questions, {copied.chunks} chunks, upload {copied.seconds:.1f} s")
    print(f"{'system':<24}" + "".join(f"{c:>15}" for c in cols))
    for name in systems:
        print(f"{name:<24}" + "".join(f"{result[name].get(c, float('nan')):>15.3f}" for c in cols))
        for key in ("answer_differs", "hit1_differs"):
            if result[name].get(key):
                print(f"    {key}: {result[name][key]}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--corpus", type=Path, help="speech files (default: SHARED/corpus)")
    ap.add_argument("--questions", type=Path, help="JSONL questions (default: SHARED/eval/seeds_dev.jsonl)")
    ap.add_argument("--local-index", type=Path, help="reuse this local index (built there if missing)")
    ap.add_argument("--store", help="a Milvus store URI to use instead of a loopback milvus-lite server")
    ap.add_argument("--systems", default="local,milvus-client,milvus-hybrid-rrf,milvus-hybrid-weighted")
    ap.add_argument("--out", type=Path, default=ROOT / "results/store_parity.json")
    args = ap.parse_args()
    corpus = args.corpus or args.shared / "corpus"
    queries = load_jsonl(args.questions or args.shared / "eval/seeds_dev.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        local = make_engine(index_dir=args.local_index or Path(tmp) / "local")
        if not local.status().exists:
            local.build(sorted(corpus.glob("*.txt")))
        with serving(args.store, Path(tmp) / "milvus", "parity") as uri:
            result = evaluate(local, uri, queries, args.systems.split(","))
    result["load_avg_1m"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
