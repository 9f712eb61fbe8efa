#!/usr/bin/env python
"""Compare ranking settings on the seeds and CMRC dev sets (hit@1 and answer accuracy).

Reuses the indexes that `eval_retrieval.py --workdir DIR` built, so each setting costs only the
queries. A setting is a dict of module constants of qa.ranking (R.) and qa.compose (C.); each
run starts from the shipped defaults.

    python scripts/eval_retrieval.py --workdir results/work
    python scripts/tune_ranking.py --workdir results/work --cmrc-limit 300 \\
        "{'R.FUSION': 'rrf'}" "{'R.FUSION': 'score', 'R.ALPHA': 0.5}" "{}"
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_retrieval import Query, canon, load_cmrc, load_seeds  # noqa: E402

from qa import compose, ranking, sentences  # noqa: E402
from qa.engine import QAEngine  # noqa: E402
from qa.factory import make_engine  # noqa: E402

MODULES = {"R": ranking, "C": compose, "S": sentences}
KNOBS = {"S": ("CONTEXT_WEIGHT", "PHRASE_FULL"), "R": ("FUSION", "ALPHA", "DENSE_MIN_SPAN", "DENSE_WEIGHT", "LEXICAL_WEIGHT", "FUSION_K", "SENTENCE_WEIGHT", "POOL"),
         "C": ("KEEP_RATIO", "PASSAGE_WEIGHT", "MAX_SENTENCES")}


def score(engine: QAEngine, queries: list[Query]) -> tuple[float, float]:
    """(hit@1, answer accuracy) of the engine on ``queries``."""
    hit1 = answered = 0
    for query in queries:
        answer = engine.ask(query.q, top_k=5)
        golds = [canon(g) for g in query.gold]
        hit1 += bool(answer.hits) and any(g in canon(answer.hits[0].text) for g in golds)
        answered += any(g in canon("".join(s.text for s in answer.sentences)) for g in golds)
    return round(hit1 / len(queries), 3), round(answered / len(queries), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("settings", nargs="*", default=["{}"], help="Python dict literals of constants to set")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--cmrc-limit", type=int, default=300)
    args = ap.parse_args()
    _, seeds = load_seeds(args.shared)
    _, cmrc = load_cmrc(args.shared, args.workdir / "cmrc", args.cmrc_limit)
    engines = {"seeds": make_engine(index_dir=args.workdir / "seeds-index"),
               "cmrc": make_engine(index_dir=args.workdir / "cmrc-index")}
    for engine in engines.values():
        engine.warm_up()
    defaults = {f"{m}.{k}": getattr(MODULES[m], k) for m, names in KNOBS.items() for k in names}
    for text in args.settings:
        setting = ast.literal_eval(text)
        for key, value in {**defaults, **setting}.items():
            module, name = key.split(".")
            setattr(MODULES[module], name, value)
        started = time.perf_counter()
        seeds_row, cmrc_row = score(engines["seeds"], seeds), score(engines["cmrc"], cmrc)
        print(f"{setting}: seeds hit@1/answer {seeds_row}  cmrc hit@1/answer {cmrc_row}  "
              f"({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
