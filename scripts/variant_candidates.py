#!/usr/bin/env python
"""The data behind ``qa.variants.VariantParams``: every variant candidate of a list of 提法, with its cosine.

For each phrase, the candidates that pass the word rules (before the cosine threshold), with
their cosine to the phrase and edit distance; and, as negatives, the cosine between every two
*different* phrases of the list (unrelated formulations that often share words, like 改革开放
and 经济体制改革). A threshold between the two distributions keeps the candidates and would drop
an unrelated run that slipped through the word rules.

    python -m scripts.variant_candidates --index DIR [--models-dir DIR] [--out results/variant_candidates.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.engine import QAEngine
from qa.settings import load_settings
from qa.trace import trace_phrase
from qa.variants import DEFAULT_VARIANTS, edit_distance, find_variants

ROOT = Path(__file__).resolve().parent.parent
#: Common 提法 of the reports corpus (1954–2025), chosen before looking at any candidate.
PHRASES = ["全面建成小康社会", "中国特色社会主义", "社会主义市场经济体制", "科学发展观", "依法治国", "精神文明建设",
           "社会主义初级阶段", "和谐社会", "生态文明建设", "供给侧结构性改革", "乡村振兴", "脱贫攻坚", "对外开放",
           "国有企业改革", "经济体制改革", "科教兴国", "可持续发展", "西部大开发", "以人为本", "四个现代化",
           "改革开放", "共同富裕", "高质量发展", "新质生产力"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--models-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "results/variant_candidates.json")
    args = ap.parse_args()
    engine = QAEngine(load_settings(index_dir=args.index, model_dir=args.models_dir))
    store, encoder = engine.store, engine.query_encoder
    open_params = replace(DEFAULT_VARIANTS, min_similarity=-1.0, limit=100)
    found: dict[str, list[dict[str, object]]] = {}
    seconds = []
    for phrase in PHRASES:
        trace = trace_phrase(store, phrase)
        started = time.perf_counter()
        variants = find_variants(store, encoder, trace, None, open_params)
        seconds.append(time.perf_counter() - started)
        found[phrase] = [{"text": v.text, "cosine": round(v.similarity, 4), "seen": v.seen,
                          "edits": edit_distance(v.text, phrase, 10)} for v in variants]
    vectors = np.vstack([encoder.encode_query(p) for p in PHRASES])
    negatives = sorted(float(vectors[i] @ vectors[j]) for i, j in itertools.combinations(range(len(PHRASES)), 2))
    positives = sorted(float(c["cosine"]) for cands in found.values() for c in cands)  # type: ignore[arg-type]
    result = {"candidates": found, "candidate_cosines": positives,
              "unrelated_pairs": {"n": len(negatives), "max": negatives[-1], "median": negatives[len(negatives) // 2],
                                  "share_at_or_above": {str(t): sum(n >= t for n in negatives) / len(negatives)
                                                        for t in (0.88, 0.9, 0.92)}},
              "threshold_in_use": DEFAULT_VARIANTS.min_similarity, "variant_seconds_max": max(seconds),
              "variant_seconds_median": sorted(seconds)[len(seconds) // 2]}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
