#!/usr/bin/env python
"""Index and query benchmarks of issue 3, on the bundled sample speeches.

Reports: the raw passage encoder rate (passages/s on the sample chunks' embed texts, model
warm), the index build rate (chunks/s of a full `build`: reading, chunking, tokenizing,
loading the model, embedding, storing; goal >= 90% of the raw rate) both whole and without the
one-time model load, in-process query latency p50/p95 of `QAEngine.ask` (retrieval + answer),
and the wall time of a cold `qa ask` subprocess (goal <= 1.5 s). Writes JSON too.

The encoder and the build run in a child process: torch's thread pool, once started, keeps
spinning on this 2-core machine and would slow the query measurements, while a real `qa ask`
never imports torch.

    python -m scripts.bench_index [--models-dir DIR] [--out results/bench_index.json] [--rounds 3]
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

from qa.engine import QAEngine
from qa.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = ["机关专职党务工作人员按什么比例配备？", "怎样把意识形态工作责任制落到实处？", "统一战线工作的主题是什么？",
             "社區黨建為什麼要更加注重服務？", "What is the main line of work for welcoming the Party Congress?",
             "干部队伍如何做到能上能下？", "怎样营造“近悦远来”的人才生态？", "宗教工作方面有什么部署？"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def build_phase(samples: Path, data_dir: Path, models_dir: Path) -> dict[str, float]:
    """Raw encoder rate (model warm), then a full build from a cold start."""
    from index.chunker import chunk_document
    from index.document import embed_text
    from index.embed import load_passage_encoder
    from index.reader import iter_documents, parse_document

    settings = load_settings(data_dir=data_dir, model_dir=models_dir)
    files = iter_documents([samples])
    texts = [embed_text(sp.title, c.section, c.text) for f in files
             for sp in chunk_document(parse_document(f)).speeches for c in sp.chunks]
    t = time.perf_counter()
    encoder = load_passage_encoder(settings.index_config)
    load_s = time.perf_counter() - t
    encoder.encode_passages(texts[:8])  # warm up
    t = time.perf_counter()
    encoder.encode_passages(texts, batch_size=settings.batch_size)
    raw = len(texts) / (time.perf_counter() - t)
    del encoder
    t = time.perf_counter()
    report = QAEngine(settings).build(files)
    build_s = time.perf_counter() - t
    return {"chunks": len(texts), "raw_encoder_passages_per_s": raw, "encoder_load_s": load_s, "build_s": build_s,
            "build_chunks_per_s": report.chunks_embedded / build_s,
            "build_vs_raw": report.chunks_embedded / build_s / raw,
            "build_vs_raw_without_load": report.chunks_embedded / (build_s - load_s) / raw}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=Path, default=ROOT / "samples")
    ap.add_argument("--models-dir", type=Path, default=None, help="exported model cache (default: the data dir's)")
    ap.add_argument("--out", type=Path, default=ROOT / "results/bench_index.json")
    ap.add_argument("--rounds", type=int, default=3, help="query rounds over the question list")
    ap.add_argument("--build-phase", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    models_dir = args.models_dir or load_settings().models_dir
    if args.build_phase:  # the child: print the build figures as JSON
        print(json.dumps(build_phase(args.samples, args.build_phase, models_dir)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.run([sys.executable, "-m", "scripts.bench_index", "--samples", str(args.samples), "--models-dir", str(models_dir),
                                "--build-phase", tmp], check=True, capture_output=True, text=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        engine = QAEngine(load_settings(data_dir=Path(tmp), model_dir=models_dir))
        engine.warm_up()
        lat = []
        for _ in range(args.rounds):
            for q in QUESTIONS:
                t = time.perf_counter()
                engine.ask(q)
                lat.append(1000 * (time.perf_counter() - t))
        env = {**os.environ, "QA_DATA_DIR": tmp, "QA_MODEL_DIR": str(models_dir)}
        cold = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "qa.cli", "ask", QUESTIONS[0]], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            cold.append(time.perf_counter() - t)
    result.update({"query_ms_p50": statistics.median(lat), "query_ms_p95": percentile(lat, 0.95),
                   "cold_qa_ask_s_median": statistics.median(cold), "cold_qa_ask_s_all": cold})
    for key, value in result.items():
        print(f"{key:>28}: {[round(v, 3) for v in value] if isinstance(value, list) else round(value, 3)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
