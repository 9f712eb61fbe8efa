#!/usr/bin/env python
"""Calibrate the "no answer" thresholds of qa.compose on questions with and without support.

Positives: each dev set's questions against its own collection (seeds over the sample
speeches, CMRC questions over the CMRC paragraphs). Negatives: the same questions against
the *other* collection (encyclopedia questions asked of party speeches and vice versa),
plus a few everyday off-topic questions. Prints the evidence features, grid-searches the
thresholds for balanced accuracy, and reports the current setting's accuracy.

    python scripts/eval_retrieval.py --workdir results/work   # builds the two indexes once
    python scripts/calibrate_support.py --workdir results/work
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_retrieval import load_cmrc, load_seeds  # noqa: E402

from qa import compose  # noqa: E402
from qa.factory import make_engine  # noqa: E402
from qa.ranking import rank_passages  # noqa: E402

OFF_TOPIC = ["今天天气怎么样", "how do I bake bread", "世界杯足球赛谁是冠军？", "怎么做红烧肉？", "Python 怎么读取文件？",
             "明天北京会下雨吗", "推荐一部好看的电影", "what is the capital of France?"]


def features(index_dir: Path, questions: list[str]) -> list[tuple[float, float]]:
    engine = make_engine(index_dir=index_dir)
    store, encoder = engine.store, engine.query_encoder
    return [compose.evidence(rank_passages(store, encoder, q, 5)) for q in questions]


def accuracy(pos: list[tuple[float, float]], neg: list[tuple[float, float]], sure: float, low: float, lex: float) -> tuple[float, float]:
    def ok(f: tuple[float, float]) -> bool:
        return compose.supported_by(*f, thresholds=(sure, low, lex))

    return sum(map(ok, pos)) / len(pos), 1 - sum(map(ok, neg)) / len(neg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--cmrc-limit", type=int, default=300)
    args = ap.parse_args()
    _, seeds = load_seeds(args.shared)
    _, cmrc = load_cmrc(args.shared, args.workdir / "cmrc", args.cmrc_limit)
    seed_q, cmrc_q = [q.q for q in seeds], [q.q for q in cmrc]
    seeds_idx, cmrc_idx = args.workdir / "seeds-index", args.workdir / "cmrc-index"
    pos = features(seeds_idx, seed_q) + features(cmrc_idx, cmrc_q)
    neg = features(seeds_idx, cmrc_q + OFF_TOPIC) + features(cmrc_idx, seed_q + OFF_TOPIC)
    print(f"positives {len(pos)}, negatives {len(neg)}")
    best = None
    grid = [x / 100 for x in range(70, 96)]
    for sure, low, lex in itertools.product(grid, grid, [x / 20 for x in range(0, 20)]):
        if low > sure:
            continue
        tpr, tnr = accuracy(pos, neg, sure, low, lex)
        key = ((tpr + tnr) / 2, tpr)
        if best is None or key > best[0]:
            best = (key, sure, low, lex, tpr, tnr)
    assert best is not None
    _, sure, low, lex, tpr, tnr = best
    print(f"best: DENSE_SURE={sure} DENSE_MIN={low} LEXICAL_MIN={lex}: answered {tpr:.3f} of supported, refused {tnr:.3f} of unsupported")
    tpr, tnr = accuracy(pos, neg, compose.DENSE_SURE, compose.DENSE_MIN, compose.LEXICAL_MIN)
    print(f"current: DENSE_SURE={compose.DENSE_SURE} DENSE_MIN={compose.DENSE_MIN} LEXICAL_MIN={compose.LEXICAL_MIN}: "
          f"answered {tpr:.3f} of supported, refused {tnr:.3f} of unsupported")
    for label, group in (("seeds on speeches", features(seeds_idx, seed_q)), ("off-topic on speeches", features(seeds_idx, OFF_TOPIC))):
        print(label, [(round(d, 3), round(x, 2)) for d, x in group])


if __name__ == "__main__":
    main()
