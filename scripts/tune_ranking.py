"""Compare RankingParams settings on the *tuning halves* of the dev sets (never the held-out ones).

Reuses the indexes that ``scripts.eval_retrieval --workdir DIR`` built, so each setting costs only
the queries. A setting is a dict of :class:`qa.params.RankingParams` fields; each run starts from
the shipped defaults (``dataclasses.replace(DEFAULTS, **setting)``); nothing sets module globals.
Reports hit@1, hit@5, answer accuracy, refusal and answer length per dataset and question type;
writes JSON. The held-out halves are for scripts/eval_retrieval.py to report on.

    python -m scripts.eval_retrieval --workdir results/work
    python -m scripts.tune_ranking --workdir results/work --only seeds,cmrc "{'alpha': 0.5}" "{}"
    python -m scripts.tune_ranking --workdir results/work --only cmrc,drcd --kinds why "{'reason_weight': 0.3}"
"""

from __future__ import annotations

import argparse
import ast
import json
import time
from dataclasses import asdict
from pathlib import Path

from qa.engine import QAEngine
from qa.intent import classify
from qa.settings import load_settings
from scripts.evalkit import DATASETS, DEFAULT_SHARED, ROOT, half, parse_setting
from scripts.evalrun import ask_all, grouped


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("settings", nargs="*", default=["{}"], help="Python dict literals of RankingParams fields")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--only", default="seeds,reports,cmrc", help="comma-separated datasets")
    ap.add_argument("--limit", type=int, default=None, help="first N questions of CMRC and DRCD")
    ap.add_argument("--kinds", default="", help="only questions of these qa.intent kinds (e.g. why,how)")
    ap.add_argument("--out", type=Path, default=ROOT / "results/tune_ranking.json")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    kinds = {k for k in args.kinds.split(",") if k}
    tune = {n: [q for q in DATASETS[n][0](args.shared, args.workdir, args.limit)[1]
                if half(q.q) == "tune" and (not kinds or classify(q.q).kind in kinds)] for n in names}
    results = []
    for text in args.settings:
        params = parse_setting(text)
        started = time.perf_counter()
        row: dict[str, object] = {"setting": ast.literal_eval(text), "params": asdict(params)}
        for name in names:
            engine = QAEngine(load_settings(index_dir=args.workdir / f"{name}-index"), params)
            groups = grouped(ask_all(engine, name, tune[name]))
            row[name] = groups
            brief = {k: groups["all"][k] for k in ("n", "hit@1", "hit@5", "answer", "refused", "chars_median")}
            types = {g[5:]: groups[g]["answer"] for g in groups if g.startswith("type:") and "@" not in g}
            print(f"{row['setting']} {name}: {brief} answer by type {types}", flush=True)
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
        results.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
