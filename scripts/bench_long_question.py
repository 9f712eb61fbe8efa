"""Time ``QAEngine.ask`` against the length of the question, to choose ``MAX_QUESTION_CHARS``.

Long questions are pasted paragraphs: each one here is cut from the sample speeches at the
given length (different offsets, so no cache helps), asked ``--runs`` times in one warm
process; the limit must be short enough that the longest allowed question answers in ≤ 1 s
on this 2-core machine. With ``--no-limit`` the engine's cut is bypassed, to see the cost the
limit avoids. Each row also gives the e5 token counts of its questions (the model reads 512),
and the time relative to the 50-character row of the same run (the machine's load varies).
Writes results/bench_long_question.json.

Usage: ``python -m scripts.bench_long_question --index DIR [--runs 3] [--no-limit]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

LENGTHS = (50, 200, 500, 1000, 2000, 5000)


def _questions(corpus: Path, length: int, runs: int) -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))).replace("\n", "")
    step = max(1, (len(text) - length) // max(1, runs))
    return [text[i * step: i * step + length] for i in range(runs)]


def _tokenizer(models_dir: Path) -> Any:
    """The exported e5 tokenizer, if the model was exported (token counts are then reported)."""
    found = sorted(models_dir.glob("multilingual-e5-small-*/tokenizer.json"))
    if not found:
        return None
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(found[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("tests/data"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-limit", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("results/bench_long_question.json"))
    args = parser.parse_args()

    from qa import limits
    from qa.factory import make_engine

    if args.no_limit:
        limits.MAX_QUESTION_CHARS = 10**9
    engine = make_engine(None, index_dir=args.index)
    engine.warm_up()
    tokenizer = _tokenizer(engine.settings.models_dir)
    rows: list[dict[str, object]] = []
    short: float | None = None
    for length in LENGTHS:
        seconds, tokens = [], []
        for question in _questions(args.corpus, length, args.runs):
            started = time.perf_counter()
            engine.ask(question)
            seconds.append(time.perf_counter() - started)
            if tokenizer is not None:
                tokens.append(len(tokenizer.encode("query: " + question).ids))
        median = statistics.median(seconds)
        short = short or median
        rows.append({"chars": length, "median_s": round(median, 3), "max_s": round(max(seconds), 3),
                     "x_short": round(median / short, 1),
                     "tokens": [min(tokens), max(tokens)] if tokens else None})
        print(rows[-1], flush=True)
    result = {"limit": None if args.no_limit else limits.MAX_QUESTION_CHARS, "runs": args.runs,
              "load": os.getloadavg(), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
