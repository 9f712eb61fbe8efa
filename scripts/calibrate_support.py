"""Calibrate the refusal thresholds (qa/refusal.py) on the tuning halves only.

Positives: the "tune" half (scripts/evalkit.half) of each dev set asked of its own collection
(seeds, reports, CMRC, DRCD). Negatives: the "tune" half of the fixed off-topic questions asked of
every collection, and of each dev set asked of another collection (as scripts/eval_retrieval.py
pairs them). For each script the answerable must stay answered: the thresholds chosen refuse as
many negatives as they can while answering at least ``--keep`` of the positives of every script
(simplified, traditional); English questions, embedded as their Chinese keywords, get thresholds
of their own the same way. The fallback rule (another model: words found only) gets the largest
coverage threshold that still answers ``--keep`` of the positives. Prints and writes JSON: the
values go into qa/params.py with this script's name, the data and the date.

    python -m scripts.calibrate_support --workdir results/work   # indexes of scripts/eval_retrieval.py
    python -m scripts.calibrate_support --workdir results/work --english-only --extra scripts/data/english_dev.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.engine import QAEngine
from qa.params import DEFAULTS, RankingParams
from qa.query import plan_query
from qa.ranking import rank_passages
from qa.refusal import Evidence, decide_many, gather
from qa.settings import load_settings
from scripts.evalkit import DATASETS, DEFAULT_SHARED, ROOT, half, load_extra, off_topic
from scripts.evalrun import question_type


def features(engine: QAEngine, questions: Sequence[str]) -> list[tuple[str, Evidence]]:
    """(question type, evidence) of each question against the engine's collection."""
    store, encoder = engine.store, engine.query_encoder
    out = []
    for q in questions:
        plan = plan_query(q, store, engine.params)
        out.append((question_type(q), gather(rank_passages(store, encoder, plan, 5, None, engine.params), plan,
                                             engine.params)))
    return out


class Features:
    """Evidence of many questions as arrays, with each question's script."""

    def __init__(self, rows: Sequence[tuple[str, Evidence]]) -> None:
        self.scripts = np.array([t if t in ("English", "traditional") else "simplified" for t, _ in rows])
        self.dense = np.array([e.dense for _, e in rows])
        self.lexical = np.array([e.lexical for _, e in rows])
        self.share = np.array([e.share for _, e in rows])
        self.english = np.array([e.english for _, e in rows], dtype=bool)

    def answered(self, rule: str, params: RankingParams) -> np.ndarray:
        return decide_many(self.dense, self.lexical, self.share, self.english, rule, params)


def rates(pos: Features, neg: Features, rule: str, params: RankingParams) -> tuple[float, float, dict[str, float]]:
    """(lowest share answered over the scripts, share of negatives refused, answered per script)."""
    ok = pos.answered(rule, params)
    answered = {str(s): round(float(ok[pos.scripts == s].mean()), 4) for s in np.unique(pos.scripts)}
    refused = 1 - float(neg.answered(rule, params).mean()) if len(neg.dense) else 1.0
    return min(answered.values(), default=1.0), refused, answered


def search(pos: Features, neg: Features, grid: list[dict[str, float]],
           rule: str, keep: float) -> tuple[dict[str, float], float, float, dict[str, float]]:
    """The setting refusing most negatives with every script's positives answered >= ``keep``."""
    best: tuple[tuple[float, float], dict[str, float], float, float, dict[str, float]] | None = None
    for setting in grid:
        low, refused, answered = rates(pos, neg, rule, replace(DEFAULTS, **setting))  # type: ignore[arg-type]
        key = (refused, low) if low >= keep else (-1.0, low)
        if best is None or key > best[0]:
            best = (key, setting, low, refused, answered)
    assert best is not None
    return best[1], best[2], best[3], best[4]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions of CMRC and DRCD")
    ap.add_argument("--keep", type=float, default=0.99, help="share of answerable questions to answer, per script")
    ap.add_argument("--out", type=Path, default=ROOT / "results/calibrate_support.json")
    ap.add_argument("--extra", type=Path, action="append", default=[],
                    help="more dev questions (JSONL naming their collection in \"set\"; tune half used)")
    ap.add_argument("--english-only", action="store_true", help="calibrate the English thresholds alone")
    args = ap.parse_args()
    loaded = {n: loader(args.shared, args.workdir, args.limit) for n, (loader, _o) in DATASETS.items()}
    engines = {n: QAEngine(load_settings(index_dir=args.workdir / f"{n}-index")) for n in DATASETS}
    asked = {n: [q.q for q in loaded[n][1]] for n in DATASETS}
    for path in args.extra:
        for name, queries in load_extra(path).items():
            asked[name] += [q.q for q in queries]
    keep = (lambda q: question_type(q) == "English") if args.english_only else (lambda q: True)
    pos: list[tuple[str, Evidence]] = []
    neg: list[tuple[str, Evidence]] = []
    for name, (_loader, other) in DATASETS.items():
        tune = [q for q in asked[name] if half(q) == "tune" and keep(q)]
        pos += features(engines[name], tune)
        neg += features(engines[other], tune[:300])
        neg += features(engines[name], [q.q for q in off_topic() if half(q.q) == "tune" and keep(q.q)])
    english = (Features([p for p in pos if p[0] == "English"]), Features([n for n in neg if n[1].english]))
    chinese = (Features([p for p in pos if p[0] != "English"]), Features([n for n in neg if not n[1].english]))
    print(f"positives {len(pos)} ({len(english[0].dense)} English), negatives {len(neg)} ({len(english[1].dense)} English)")
    steps = [x / 100 for x in range(70, 100)]
    zh_grid = [{"dense_sure": s, "dense_min": m, "lexical_min": lex, "zh_share_min": sh}
               for s, m, lex, sh in itertools.product(steps, steps, [x / 20 for x in range(20)],
                                                      [0.0, 0.3, 0.4, 0.5, 0.6, 0.7]) if m <= s]
    en_grid = [{"en_dense_sure": s, "en_dense_min": m, "en_lexical_min": lex, "en_share_min": sh}
               for s, m, lex, sh in itertools.product(steps[::2], steps[::2], [x / 10 for x in range(10)],
                                                      [x / 10 for x in range(11)]) if m <= s]
    fb_grid = [{"fallback_lexical_min": x / 40} for x in range(40)]
    result = {"positives": len(pos), "negatives": len(neg), "keep": args.keep}
    jobs = (("chinese", chinese, zh_grid, "calibrated"), ("english", english, en_grid, "calibrated"),
            ("fallback", (Features(pos), Features(neg)), fb_grid, "fallback"))
    for label, (p, n), grid, rule in jobs[1:2] if args.english_only else jobs:
        setting, low, refused, answered = search(p, n, grid, rule, args.keep)
        cur_low, cur_refused, _ = rates(p, n, rule, DEFAULTS)
        print(f"{label}: {setting}: answered >= {low:.3f} per script {answered}, refused {refused:.3f} of "
              f"{len(n.dense)} negatives (current params: {cur_low:.3f} / {cur_refused:.3f})")
        result[label] = {"setting": setting, "answered_min": low, "answered": answered, "refused": refused,
                         "positives": len(p.dense), "negatives": len(n.dense), "current": [cur_low, cur_refused]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
