"""Time the reader on a corpus: read + decode + clean + split + structure + chunk, N passes.

Usage: python -m scripts.bench_chunk [FOLDER_OR_FILES ...] [-n 20] [--chunk-size 400] [--chunk-overlap 40]

The goal (issue 2) is the whole sample corpus well under a second per pass; the printed
chars/s (characters of cleaned speech text produced per second of wall time) is the number
to compare.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from index.chunker import chunk_document
from index.errors import ReadError
from index.reader import iter_documents, parse_document

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "tests" / "data"])
    parser.add_argument("-n", "--repeat", type=int, default=20)
    parser.add_argument("--chunk-size", type=int, default=400)
    parser.add_argument("--chunk-overlap", type=int, default=40)
    args = parser.parse_args(argv)

    files = iter_documents(args.paths)
    if not files:
        print("no supported files found", file=sys.stderr)
        return 1
    raw_bytes = sum(p.stat().st_size for p in files)
    chars = speeches = chunks = 0
    best = float("inf")
    started = time.perf_counter()
    for n in range(args.repeat):
        t0 = time.perf_counter()
        for path in files:
            try:
                doc = chunk_document(parse_document(path), chunk_size=args.chunk_size,
                                     chunk_overlap=args.chunk_overlap)
            except ReadError as exc:
                if n == 0:
                    print(f"skipped: {exc}", file=sys.stderr)
                continue
            if n == 0:
                chars += sum(len(s.text) for s in doc.speeches)
                speeches += len(doc.speeches)
                chunks += sum(len(s.chunks) for s in doc.speeches)
        best = min(best, time.perf_counter() - t0)
    total = time.perf_counter() - started
    per_pass = total / args.repeat
    print(
        f"files {len(files)} ({raw_bytes:,} bytes)  speeches {speeches}  chunks {chunks}  speech chars {chars:,}"
    )
    print(
        f"passes {args.repeat}  total {total:.3f}s  mean/pass {per_pass * 1000:.1f} ms  best/pass {best * 1000:.1f} ms"
    )
    print(
        f"throughput {chars / per_pass:,.0f} chars/s (mean), {chars / best:,.0f} chars/s (best), "
        f"{raw_bytes / per_pass / 2**20:.1f} MB/s of files"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
