"""Ask latency of the Milvus store beside the local one, interleaved so machine load hits both alike.

The local index is copied into a Milvus collection (same vectors), then each question is asked
through the real engine on both stores in turn (local, Milvus, local, Milvus, ...), ``--rounds``
times. Reports p50/p90 per store, the median per-question ratio Milvus/local, the time to open
each store and answer a first question in-process, the store calls one question makes (dense
and BM25 search of the 40-passage pool, vectors and rows by id, the refresh check), and the
1-minute load average. Without ``--store`` a ``milvus-lite server`` is started on 127.0.0.1 (a
separate process, as a server is).

    python -m scripts.bench_store_latency --corpus ../shared/corpus_reports \\
        --questions ../shared/eval/reports_dev.jsonl [--local-index DIR] [--store URI] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from index.stores.base import Store
from index.stores.copy import copy_index
from index.stores.milvus.lite_server import serving
from qa.engine import QAEngine
from qa.factory import make_engine
from qa.params import DEFAULTS
from scripts.evalkit import DEFAULT_SHARED, ROOT, load_jsonl


def seconds(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def store_calls(engine: QAEngine, questions: list[str]) -> dict[str, float]:
    """Median milliseconds of each store call one question makes (qa/ranking.py), pool size as the engine's."""
    store: Store = engine.store
    encoder = engine.query_encoder
    pool = DEFAULTS.pool
    times: dict[str, list[float]] = {}
    for q in questions:
        vec = encoder.encode_query(q)
        ids = [c for c, _ in store.dense_search(vec, pool)] + [c for c, _ in store.lexical_search(q, pool)]
        calls: dict[str, Callable[[], Any]] = {
            "dense_search": partial(store.dense_search, vec, pool), "lexical_search": partial(store.lexical_search, q, pool),
            "vectors": partial(store.vectors, ids), "chunks_by_ids": partial(store.chunks_by_ids, ids),
            "refresh": store.refresh}
        for name, call in calls.items():
            times.setdefault(name, []).append(seconds(call))
    return {name: round(1000 * statistics.median(v), 2) for name, v in times.items()}


def bench(local: QAEngine, uri: str, questions: list[str], rounds: int) -> dict[str, Any]:
    milvus = make_engine(index_dir=local.config.index_path, store=uri)
    copied = copy_index(local.config, milvus.config)
    local.query_encoder.encode_query("预热")
    milvus.query_encoder.encode_query("预热")
    firsts = {"local": seconds(lambda: local.ask(questions[0])), "milvus": seconds(lambda: milvus.ask(questions[0]))}
    times: dict[str, list[float]] = {"local": [], "milvus": []}
    ratios: list[float] = []
    for _ in range(rounds):
        for q in questions:
            pair = [seconds(partial(engine.ask, q)) for engine in (local, milvus)]
            times["local"].append(pair[0])
            times["milvus"].append(pair[1])
            ratios.append(pair[1] / pair[0])
    out: dict[str, Any] = {"chunks": copied.chunks, "questions": len(questions), "rounds": rounds,
                           "upload_s": copied.seconds, "store": uri,
                           "ratio_milvus_local_median": statistics.median(ratios)}
    for name, values in times.items():
        ms = 1000 * np.asarray(values)
        out[name] = {"p50_ms": float(np.percentile(ms, 50)), "p90_ms": float(np.percentile(ms, 90)),
                     "mean_ms": float(ms.mean()), "first_answer_s": firsts[name]}
    out["calls_ms"] = {"local": store_calls(local, questions), "milvus": store_calls(milvus, questions)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_SHARED / "corpus_reports")
    ap.add_argument("--questions", type=Path, default=DEFAULT_SHARED / "eval/reports_dev.jsonl")
    ap.add_argument("--local-index", type=Path, help="reuse this local index (built there if missing)")
    ap.add_argument("--store", help="a Milvus store URI to use instead of a loopback milvus-lite server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "results/store_latency.json")
    args = ap.parse_args()
    questions = [q.q for q in load_jsonl(args.questions)]
    with tempfile.TemporaryDirectory() as tmp:
        local = make_engine(index_dir=args.local_index or Path(tmp) / "local")
        if not local.status().exists:
            local.build(sorted(args.corpus.glob("*.txt")))
        load_before = os.getloadavg()[0]
        with serving(args.store, Path(tmp) / "milvus", "latency") as uri:
            result = bench(local, uri, questions, args.rounds)
    result["load_avg_1m"] = [load_before, os.getloadavg()[0]]
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
