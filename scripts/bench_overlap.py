#!/usr/bin/env python
"""Dense and BM25 search one after the other against side by side (``qa.ranking._search_both``).

Both ways run in one process over one index, taking turns round by round, so the machine's
load hits them alike. Three ways are timed:

* ``in_turn``: always one after the other (``overlap_min_s`` infinite);
* ``side_by_side``: always side by side (``overlap_min_s`` 0, a core taken as idle);
* ``product``: the shipped rule (``RankingParams.overlap_min_s``, :func:`index.encoding.idle_cores`).

Also each side alone and both at once on the same query vectors, without the rest of an ask:
what ``overlap_min_s`` was chosen from (the cost of handing one side to a thread).

    python -m scripts.bench_overlap --index DIR [--rounds 4] [--out results/bench_overlap.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from scripts.bench_scale import ms_each
from scripts.evalkit import load_jsonl

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _ms(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2)}


def sides(engine: Any, questions: list[str]) -> dict[str, Any]:
    """Each side alone, one after the other and side by side, on the questions' vectors."""
    from concurrent.futures import ThreadPoolExecutor

    store, encoder = engine.store, engine.query_encoder
    vectors = {q: np.asarray(encoder.encode_query(q), np.float32) for q in questions}
    pool = ThreadPoolExecutor(1)

    def both(q: str) -> None:
        future = pool.submit(store.dense_search, vectors[q], 40)
        store.lexical_search(q, 40)
        future.result()

    ways: dict[str, Callable[[str], Any]] = {
        "dense": lambda q: store.dense_search(vectors[q], 40), "bm25": lambda q: store.lexical_search(q, 40),
        "in_turn": lambda q: (store.dense_search(vectors[q], 40), store.lexical_search(q, 40)),
        "side_by_side": both}
    return {name: _ms(ms_each(way, questions) + ms_each(way, questions)) for name, way in ways.items()}


def asks(engine: Any, questions: list[str], rounds: int) -> dict[str, Any]:
    """Whole asks, the three ways taking turns round by round."""
    import qa.ranking as ranking
    from index.encoding import idle_cores
    from qa.params import DEFAULTS

    ways = {"in_turn": (replace(DEFAULTS, overlap_min_s=float("inf")), idle_cores),
            "side_by_side": (replace(DEFAULTS, overlap_min_s=0.0), lambda: 2),
            "product": (DEFAULTS, idle_cores)}
    times: dict[str, list[float]] = {name: [] for name in ways}
    for question in questions:  # pages the index in
        engine.ask(question)
    for r in range(rounds):
        for name in list(ways) if r % 2 == 0 else list(ways)[::-1]:
            engine.params, ranking.idle_cores = ways[name]  # type: ignore[assignment]
            times[name] += ms_each(engine.ask, questions)
    engine.params, ranking.idle_cores = DEFAULTS, idle_cores  # type: ignore[assignment]
    return {name: _ms(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("results/bench_overlap.json"))
    args = parser.parse_args()
    from qa.engine import QAEngine
    from qa.settings import load_settings

    questions = [q.q for name in ("reports_dev", "seeds_dev") for q in load_jsonl(args.shared / "eval" / f"{name}.jsonl")]
    engine = QAEngine(load_settings(data_dir=args.index.parent / "data", index_dir=args.index))
    engine.warm_up()
    load_before = os.getloadavg()
    out = {"index": str(args.index), "questions": len(questions), "rounds": args.rounds,
           "passages": engine.store.chunk_count(), "sides": sides(engine, questions),
           "ask": asks(engine, questions, args.rounds), "load_before": load_before, "load_after": os.getloadavg()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1), encoding="utf-8")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
