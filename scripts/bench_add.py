"""Wall time of a cold ``qa index add`` of one speech, two source trees alternated (A/B).

bench_scale measures one add per size; this machine is too noisy for one run to tell a
0.2 s change from noise. Here each round adds the speech once with every tree, in turn
(order alternating), so both sides see about the same load; the JSON gives each tree's
median and its median difference from the first tree, round by round. The title line gets
a fresh tag before every add so the passages are really embedded (not reused from the
index), and each add is undone with ``qa index remove`` (not timed). The load average is
recorded beside every run.

    python -m scripts.bench_add --index IDX --speech FILE --tree base=/work/main --tree new=. \
        [--runs 5] [--models-dir /work/models] [--out results/bench_add.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _qa(tree: Path, models: Path, *words: str) -> float:
    """Seconds a ``python -m qa.cli WORDS`` run takes in ``tree`` (``-m`` puts the working directory first
    on the path, before PYTHONPATH); exits naming the tree if it fails."""
    env = dict(os.environ, PYTHONPATH=str(tree), QA_MODEL_DIR=str(models))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qa.cli", *words], env=env, cwd=tree, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"qa {' '.join(words)} failed with {tree}:\n{done.stdout}{done.stderr}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--speech", type=Path, required=True, help="the speech to add (its first line is its title)")
    ap.add_argument("--tree", action="append", required=True, metavar="LABEL=PATH")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--models-dir", type=Path, default=Path(os.environ.get("QA_TEST_MODELS_DIR", "/work/models")))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    trees = [(label, Path(path).resolve()) for label, path in (t.split("=", 1) for t in args.tree)]
    title, _, body = args.speech.read_text(encoding="utf-8").partition("\n")
    walls: dict[str, list[float]] = {label: [] for label, _ in trees}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / args.speech.name
        for run in range(args.runs):
            order = trees if run % 2 == 0 else trees[::-1]
            for label, tree in order:
                copy.write_text(f"{title}（{label}{run}）\n{body}", encoding="utf-8")
                loads.append(os.getloadavg()[0])
                walls[label].append(_qa(tree, args.models_dir, "index", "add", str(copy), "--index", str(args.index)))
                _qa(tree, args.models_dir, "index", "remove", str(copy), "--index", str(args.index))
                print(f"run {run} {label}: {walls[label][-1]:.2f} s (load {loads[-1]:.2f})", flush=True)
    result: dict[str, Any] = {
        "index": str(args.index), "speech": str(args.speech), "runs": args.runs,
        "load_1min": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)},
        "trees": {label: {"path": str(tree), "median_s": statistics.median(walls[label]), "walls_s": walls[label],
                          # the same round's runs saw about the same load: their difference is the steadier figure
                          f"median_minus_{trees[0][0]}_s": statistics.median(
                              a - b for a, b in zip(walls[label], walls[trees[0][0]], strict=True))}
                  for label, tree in trees},
    }
    print(json.dumps(result["trees"] | {"load": result["load_1min"]}, ensure_ascii=False, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
