#!/usr/bin/env python
"""Pick the chunk size: build the seeds and CMRC indexes at several sizes and score each.

Prints hit@1, hit@5 and answer accuracy per size (overlap = size / 10), so the default in
qa/settings.py rests on a measurement, not a guess.

    python scripts/sweep_chunk_size.py --workdir results/sweep --sizes 200 300 400 500
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_retrieval import Query, canon, load_cmrc, load_seeds  # noqa: E402

from qa.engine import QAEngine  # noqa: E402
from qa.factory import make_engine  # noqa: E402


def scores(engine: QAEngine, queries: list[Query]) -> dict[str, float]:
    hit1 = hit5 = answered = 0
    for query in queries:
        answer = engine.ask(query.q, top_k=5)
        golds = [canon(g) for g in query.gold]
        ranks = [i for i, h in enumerate(answer.hits) if any(g in canon(h.text) for g in golds)]
        hit1 += bool(ranks) and ranks[0] == 0
        hit5 += bool(ranks)
        answered += any(g in canon("".join(s.text for s in answer.sentences)) for g in golds)
    n = len(queries)
    return {"hit@1": round(hit1 / n, 3), "hit@5": round(hit5 / n, 3), "answer": round(answered / n, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 300, 400, 500])
    ap.add_argument("--cmrc-limit", type=int, default=None)
    args = ap.parse_args()
    (args.workdir / "cmrc").mkdir(parents=True, exist_ok=True)
    datasets = {"seeds": load_seeds(args.shared), "cmrc": load_cmrc(args.shared, args.workdir / "cmrc", args.cmrc_limit)}
    for size in args.sizes:
        row = []
        for name, (files, queries) in datasets.items():
            engine = make_engine(index_dir=args.workdir / f"{name}-{size}", chunk_size=size, chunk_overlap=size // 10)
            if not engine.status().exists:
                engine.build(files)
            row.append(f"{name} {scores(engine, queries)} chunks={engine.status().chunks}")
        print(f"size {size}: " + " | ".join(row), flush=True)


if __name__ == "__main__":
    main()
