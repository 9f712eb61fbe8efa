"""Quality of the approximate (IVF) index where it matters: CMRC questions among a million passages.

The dev sets are a few hundred passages, far below the size at which segments become IVF, so
they cannot show what approximate search costs. This adds the CMRC 2018 trial paragraphs to a
big index (by default the 1M synthetic one of ``scripts/bench_scale.py``; an incremental
``Indexer.add``, so it also times one) and asks the 1000 questions with several IVF probe
shares, 1.0 being exact up to the 8-bit codes. Reports hit@1/hit@5/MRR@10/answer accuracy of
the product, dense recall@10 against share 1.0, and query latency. Prints a table, writes JSON.

    python -m scripts.eval_ann --index /tmp/bench_scale/index-1m [--shares 0.125,0.25,0.5,1.0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from qa.engine import QAEngine
from qa.settings import load_settings
from scripts.evalkit import DEFAULT_SHARED, ROOT, Query, load_cmrc


def measure(engine: QAEngine, queries: list[Query], share: float, exact: dict[str, set[int]] | None) -> dict[str, Any]:
    from index.stores import segments

    segments.ANN_PROBE_SHARE = segments.IVF_PROBE_SHARE = share
    ranks: list[int | None] = []
    answers, seconds, recall = [], [], []
    encoder = engine.query_encoder
    for query in queries:
        started = time.perf_counter()
        answer = engine.ask(query.q, top_k=10)
        seconds.append(time.perf_counter() - started)
        ranks.append(next((i for i, h in enumerate(answer.hits) if query.passage_hit(h.text)), None))
        answers.append(query.found_in("".join(s.text for s in answer.sentences)))
        if exact is not None:
            found = {cid for cid, _ in engine.store.dense_search(encoder.encode_query(query.q), 10)}
            recall.append(len(found & exact[query.q]) / 10)
    n = len(queries)
    return {"share": share, "hit@1": sum(r == 0 for r in ranks) / n, "hit@5": sum(r is not None and r < 5 for r in ranks) / n,
            "mrr@10": sum(1 / (r + 1) for r in ranks if r is not None) / n, "answer_acc": sum(answers) / n,
            "dense_recall@10": statistics.fmean(recall) if recall else 1.0,
            "ask_p50_ms": 1000 * statistics.median(seconds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--shares", default="0.125,0.25,0.5,1.0")
    ap.add_argument("--limit", type=int, default=None, help="only the first N CMRC questions")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--models-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "results/eval_ann.json")
    args = ap.parse_args()
    files, queries = load_cmrc(args.shared, args.index.parent / "cmrc-docs", args.limit)
    engine = QAEngine(load_settings(index_dir=args.index, model_dir=args.models_dir))
    started = time.perf_counter()
    report = engine.add(files)
    added = {"add_s": time.perf_counter() - started, "embedded": report.chunks_embedded,
             "passages": engine.store.chunk_count()}
    print(json.dumps(added))
    from index.stores import segments

    segments.ANN_PROBE_SHARE = segments.IVF_PROBE_SHARE = 1.0
    encoder = engine.query_encoder
    exact = {q.q: {cid for cid, _ in engine.store.dense_search(encoder.encode_query(q.q), 10)} for q in queries}
    rows = [measure(engine, queries, float(s), exact) for s in args.shares.split(",")]
    cols = ["share", "hit@1", "hit@5", "mrr@10", "answer_acc", "dense_recall@10", "ask_p50_ms"]
    print("| " + " | ".join(cols) + " |\n|" + " --- |" * len(cols))
    for row in rows:
        print("| " + " | ".join(f"{row[c]:.3f}" if c != "ask_p50_ms" else f"{row[c]:.0f}" for c in cols) + " |")
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps({"added": added, "rows": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
