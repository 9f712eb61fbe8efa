"""Calibrate the "no answer" thresholds of qa.compose on questions with and without support.

Positives: each dev set's questions against its own collection (seeds over the sample
speeches, CMRC questions over the CMRC paragraphs). Negatives: the same questions against
the *other* collection (encyclopedia questions asked of party speeches and vice versa),
plus a few everyday off-topic questions. Prints the evidence features, grid-searches the
thresholds for balanced accuracy, reports the current setting's accuracy, and writes JSON.

    python -m scripts.eval_retrieval --workdir results/work   # builds the two indexes once
    python -m scripts.calibrate_support --workdir results/work
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import replace
from pathlib import Path

from qa.compose import evidence, supported_by
from qa.engine import QAEngine
from qa.params import DEFAULTS, RankingParams
from qa.ranking import rank_passages
from qa.settings import load_settings
from scripts.evalkit import DEFAULT_SHARED, ROOT, load_cmrc, load_seeds

OFF_TOPIC = ["今天天气怎么样", "how do I bake bread", "世界杯足球赛谁是冠军？", "怎么做红烧肉？", "Python 怎么读取文件？",
             "明天北京会下雨吗", "推荐一部好看的电影", "what is the capital of France?"]

Feature = tuple[float, float]


def features(index_dir: Path, questions: list[str]) -> list[Feature]:
    engine = QAEngine(load_settings(index_dir=index_dir))
    store, encoder = engine.store, engine.query_encoder
    return [evidence(rank_passages(store, encoder, q, 5)) for q in questions]


def accuracy(pos: list[Feature], neg: list[Feature], params: RankingParams) -> tuple[float, float]:
    """(share of supported questions answered, share of unsupported ones refused)."""
    def ok(f: Feature) -> bool:
        return supported_by(*f, params)

    return sum(map(ok, pos)) / len(pos), 1 - sum(map(ok, neg)) / len(neg)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--cmrc-limit", type=int, default=300)
    ap.add_argument("--out", type=Path, default=ROOT / "results/calibrate_support.json")
    args = ap.parse_args()
    _, seeds = load_seeds(args.shared)
    _, cmrc = load_cmrc(args.shared, args.workdir / "cmrc", args.cmrc_limit)
    seed_q, cmrc_q = [q.q for q in seeds], [q.q for q in cmrc]
    seeds_idx, cmrc_idx = args.workdir / "seeds-index", args.workdir / "cmrc-index"
    pos = features(seeds_idx, seed_q) + features(cmrc_idx, cmrc_q)
    neg = features(seeds_idx, cmrc_q + OFF_TOPIC) + features(cmrc_idx, seed_q + OFF_TOPIC)
    print(f"positives {len(pos)}, negatives {len(neg)}")
    best: tuple[tuple[float, float], RankingParams, float, float] | None = None
    grid = [x / 100 for x in range(70, 96)]
    for sure, low, lex in itertools.product(grid, grid, [x / 20 for x in range(0, 20)]):
        if low > sure:
            continue
        params = replace(DEFAULTS, dense_sure=sure, dense_min=low, lexical_min=lex)
        tpr, tnr = accuracy(pos, neg, params)
        key = ((tpr + tnr) / 2, tpr)
        if best is None or key > best[0]:
            best = (key, params, tpr, tnr)
    assert best is not None
    _, found, tpr, tnr = best
    print(f"best: dense_sure={found.dense_sure} dense_min={found.dense_min} lexical_min={found.lexical_min}: "
          f"answered {tpr:.3f} of supported, refused {tnr:.3f} of unsupported")
    cur_tpr, cur_tnr = accuracy(pos, neg, DEFAULTS)
    print(f"current: dense_sure={DEFAULTS.dense_sure} dense_min={DEFAULTS.dense_min} lexical_min={DEFAULTS.lexical_min}: "
          f"answered {cur_tpr:.3f} of supported, refused {cur_tnr:.3f} of unsupported")
    result = {"best": {"dense_sure": found.dense_sure, "dense_min": found.dense_min, "lexical_min": found.lexical_min,
                       "answered": tpr, "refused": tnr},
              "current": {"answered": cur_tpr, "refused": cur_tnr}, "positives": len(pos), "negatives": len(neg)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
