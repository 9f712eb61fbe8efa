"""Compare ranking parameter settings on the seeds and CMRC dev sets (hit@1, hit@5, answer accuracy).

Reuses the indexes that ``scripts.eval_retrieval --workdir DIR`` built, so each setting costs only
the queries. A setting is a dict of :class:`qa.params.RankingParams` fields; each run starts from
the shipped defaults (``dataclasses.replace(DEFAULTS, **setting)``). Writes JSON.

    python -m scripts.eval_retrieval --workdir results/work
    python -m scripts.tune_ranking --workdir results/work --cmrc-limit 300 \\
        "{'fusion': 'rrf'}" "{'alpha': 0.5}" "{}"
"""

from __future__ import annotations

import argparse
import ast
import json
import time
from dataclasses import asdict, fields, replace
from pathlib import Path

from qa.engine import QAEngine
from qa.params import DEFAULTS, RankingParams
from qa.settings import load_settings
from scripts.evalkit import DEFAULT_SHARED, ROOT, hit1_and_answer, load_cmrc, load_seeds


def parse_setting(text: str) -> RankingParams:
    """A dict literal of RankingParams fields → the defaults with those fields replaced."""
    setting = ast.literal_eval(text)
    known = {f.name for f in fields(RankingParams)}
    unknown = set(setting) - known
    if unknown:
        raise SystemExit(f"unknown parameter(s) {sorted(unknown)}; known: {sorted(known)}")
    return replace(DEFAULTS, **setting)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("settings", nargs="*", default=["{}"], help="Python dict literals of RankingParams fields")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--cmrc-limit", type=int, default=300)
    ap.add_argument("--out", type=Path, default=ROOT / "results/tune_ranking.json")
    args = ap.parse_args()
    _, seeds = load_seeds(args.shared)
    _, cmrc = load_cmrc(args.shared, args.workdir / "cmrc", args.cmrc_limit)
    results = []
    for text in args.settings:
        params = parse_setting(text)
        started = time.perf_counter()
        row: dict[str, object] = {"setting": ast.literal_eval(text), "params": asdict(params)}
        for name, queries in (("seeds", seeds), ("cmrc", cmrc)):
            engine = QAEngine(load_settings(index_dir=args.workdir / f"{name}-index"), params)
            row[name] = hit1_and_answer(engine, queries)
        print(f"{row['setting']}: seeds {row['seeds']}  cmrc {row['cmrc']}  ({time.perf_counter() - started:.0f} s)",
              flush=True)
        results.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
