#!/usr/bin/env python
"""Index and query benchmarks of issue 3, on the bundled sample speeches.

Reports: the raw passage encoder rate (passages/s on the sample chunks' embed texts), the
index build rate (chunks/s of a full `build`, reading + chunking + embedding + storing; goal
>= 90% of the raw rate), also without the one-time model load (measured on its own), in-process query latency p50/p95 of `QAEngine.ask` (goal p50 <= 30 ms
for retrieval, <= 50 ms with answer composition), and the wall time of a cold `qa ask`
subprocess (goal <= 1.5 s). Writes JSON too.

    python scripts/bench_index.py [--models-dir DIR] [--out results/bench_index.json] [--rounds 3]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.embed import load_passage_encoder  # noqa: E402
from index.model import embed_text  # noqa: E402
from index.reader import iter_documents, parse_document  # noqa: E402
from qa.engine import QAEngine  # noqa: E402
from qa.settings import load_settings  # noqa: E402

QUESTIONS = ["机关专职党务工作人员按什么比例配备？", "怎样把意识形态工作责任制落到实处？", "统一战线工作的主题是什么？",
             "社區黨建為什麼要更加注重服務？", "What is the main line of work for welcoming the Party Congress?",
             "干部队伍如何做到能上能下？", "怎样营造“近悦远来”的人才生态？", "宗教工作方面有什么部署？"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=Path, default=ROOT / "samples")
    ap.add_argument("--models-dir", type=Path, default=None, help="exported model cache (default: the data dir's)")
    ap.add_argument("--out", type=Path, default=ROOT / "results/bench_index.json")
    ap.add_argument("--rounds", type=int, default=3, help="query rounds over the question list")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), model_dir=args.models_dir or load_settings().models_dir)
        files = iter_documents([args.samples])
        texts = [embed_text(sp.title, c.section, c.text) for f in files for sp in parse_document(f).speeches for c in sp.chunks]
        t = time.perf_counter()
        encoder = load_passage_encoder(settings)
        load_s = time.perf_counter() - t
        encoder.encode_passages(texts[:8])  # warm up
        t = time.perf_counter()
        encoder.encode_passages(texts, batch_size=settings.batch_size)
        raw = len(texts) / (time.perf_counter() - t)
        del encoder
        engine = QAEngine(settings)
        t = time.perf_counter()
        report = engine.build(files)
        build_s = time.perf_counter() - t
        build_rate = report.chunks_embedded / build_s
        engine.warm_up()
        lat = []
        for _ in range(args.rounds):
            for q in QUESTIONS:
                t = time.perf_counter()
                engine.ask(q)
                lat.append(1000 * (time.perf_counter() - t))
        env = {**os.environ, "QA_DATA_DIR": tmp, "QA_MODEL_DIR": str(settings.models_dir)}
        cold = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "qa.cli", "ask", QUESTIONS[0]], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            cold.append(time.perf_counter() - t)
    result = {
        "chunks": len(texts), "raw_encoder_passages_per_s": raw, "build_chunks_per_s": build_rate,
        "build_vs_raw": build_rate / raw, "build_s": build_s, "encoder_load_s": load_s,
        "build_vs_raw_without_load": report.chunks_embedded / (build_s - load_s) / raw,
        "query_ms_p50": statistics.median(lat), "query_ms_p95": percentile(lat, 0.95),
        "cold_qa_ask_s_median": statistics.median(cold), "cold_qa_ask_s_all": cold,
    }
    for key, value in result.items():
        print(f"{key:>28}: {value if isinstance(value, list) else round(value, 3)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
