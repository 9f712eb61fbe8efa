"""Pick the chunk size: build the seeds and CMRC indexes at several sizes and score each.

Prints hit@1, hit@5 and answer accuracy per size (overlap = size / 10) and writes JSON, so the
default in index/config.py rests on a measurement, not a guess.

    python -m scripts.sweep_chunk_size --workdir results/sweep --sizes 200 300 400 500
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.factory import make_engine
from scripts.evalkit import DEFAULT_SHARED, ROOT, hit1_and_answer, load_cmrc, load_seeds


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 300, 400, 500])
    ap.add_argument("--cmrc-limit", type=int, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "results/sweep_chunk_size.json")
    args = ap.parse_args()
    datasets = {"seeds": load_seeds(args.shared), "cmrc": load_cmrc(args.shared, args.workdir / "cmrc", args.cmrc_limit)}
    results: dict[int, dict[str, object]] = {}
    for size in args.sizes:
        row: dict[str, object] = {}
        for name, (files, queries) in datasets.items():
            engine = make_engine(index_dir=args.workdir / f"{name}-{size}", chunk_size=size, chunk_overlap=size // 10)
            if not engine.status().exists:
                engine.build(files)
            row[name] = {**hit1_and_answer(engine, queries), "chunks": engine.status().chunks}
        results[size] = row
        print(f"size {size}: {row}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
