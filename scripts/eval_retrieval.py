"""Product vs. two baselines on the same data, in one process and one run.

Baselines: BM25-only and dense-only, both over naive 300-character windows (50 overlap) of the
same files, with the same encoder and tokenizer as the product. Their "answer" is the best
sentence (same sentence scorer as the product) of their top passage, so answer accuracy compares
retrieval+selection, not just retrieval.

Data: the seeds dev set over the sample speeches (hit = a passage contains a gold substring after
NFKC and whitespace removal) and the CMRC 2018 trial set (each paragraph a document; hit = a
passage contains the answer text). Prints a table and writes JSON.

    python -m scripts.eval_retrieval [--shared ../shared] [--out results/eval.json] [--cmrc-limit N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.engine import QAEngine
from qa.factory import make_engine
from qa.sentences import SentenceScorer, split_sentences
from scripts.evalkit import DEFAULT_SHARED, ROOT, Query, load_cmrc, load_seeds


@dataclass
class Scores:
    ranks: list[int | None] = field(default_factory=list)
    answers_ok: list[bool] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def add(self, passages: list[str], answer: list[str], query: Query, secs: float) -> None:
        rank = next((i for i, p in enumerate(passages[:10]) if query.passage_hit(p)), None)
        self.ranks.append(rank)
        self.answers_ok.append(query.found_in("".join(answer)))
        self.seconds.append(secs)

    def table(self) -> dict[str, float]:
        n = max(len(self.ranks), 1)
        return {
            "hit@1": sum(r == 0 for r in self.ranks) / n,
            "hit@5": sum(r is not None and r < 5 for r in self.ranks) / n,
            "mrr@10": sum(1 / (r + 1) for r in self.ranks if r is not None) / n,
            "answer_acc": sum(self.answers_ok) / n,
            "latency_ms_mean": 1000 * statistics.fmean(self.seconds) if self.seconds else 0.0,
            "latency_ms_p50": 1000 * statistics.median(self.seconds) if self.seconds else 0.0,
            "n": len(self.ranks),
        }


def windows(text: str, size: int = 300, overlap: int = 50) -> list[str]:
    step = size - overlap
    return [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]


def best_sentence(question: str, passage: str) -> list[str]:
    spans = split_sentences(passage)
    if not spans:
        return []
    sents = [passage[a:b] for a, b in spans]
    scorer = SentenceScorer(question, sents)
    return [sents[max(range(len(sents)), key=scorer.score)]]


class Baselines:
    """BM25 and dense retrieval over naive windows of the cleaned documents."""

    def __init__(self, texts: list[str], engine: QAEngine, cache: Path) -> None:
        import bm25s

        from index.embed import load_passage_encoder, load_query_encoder
        from index.lexical import tokenize

        self.tokenize = tokenize
        self.windows = [w for t in texts for w in windows(t)]
        self.bm25 = bm25s.BM25()
        self.bm25.index([tokenize(w) for w in self.windows], show_progress=False)
        if cache.is_file() and len(np.load(cache)) == len(self.windows):
            self.vectors = np.load(cache)
        else:
            self.vectors = load_passage_encoder(engine.config).encode_passages(
                self.windows, batch_size=engine.settings.batch_size)
            np.save(cache, self.vectors)
        self.query_encoder = load_query_encoder(engine.config)

    def bm25_search(self, q: str, k: int = 10) -> list[str]:
        tokens = self.tokenize(q)
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        order = np.argsort(-scores)[:k]
        return [self.windows[i] for i in order if scores[i] > 0]

    def dense_search(self, q: str, k: int = 10) -> list[str]:
        sims = self.vectors @ self.query_encoder.encode_query(q)
        return [self.windows[i] for i in np.argsort(-sims)[:k]]


def run_dataset(name: str, files: list[Path], queries: list[Query], index_dir: Path,
                reuse: bool = False) -> dict[str, dict[str, float]]:
    engine = make_engine(index_dir=index_dir)
    t0 = time.perf_counter()
    if not engine.status().exists or not reuse:
        engine.build(files)
    build_s = time.perf_counter() - t0
    engine.warm_up()
    from index.reader import parse_document

    texts = [sp.text for f in files for sp in parse_document(f).speeches]
    base = Baselines(texts, engine, index_dir.with_name(index_dir.name + "-baseline.npy"))
    systems = {"product": Scores(), "bm25-only": Scores(), "dense-only": Scores()}
    for query in queries:
        t = time.perf_counter()
        answer = engine.ask(query.q, top_k=10)
        secs = time.perf_counter() - t
        systems["product"].add([h.text for h in answer.hits], [s.text for s in answer.sentences], query, secs)
        for label, fn in (("bm25-only", base.bm25_search), ("dense-only", base.dense_search)):
            t = time.perf_counter()
            passages = fn(query.q)
            secs = time.perf_counter() - t
            systems[label].add(passages, best_sentence(query.q, passages[0]) if passages else [], query, secs)
    result = {label: s.table() for label, s in systems.items()}
    result["product"]["build_s"] = build_s
    print(f"\n== {name}: {len(queries)} questions, {len(files)} files ==")
    cols = ["hit@1", "hit@5", "mrr@10", "answer_acc", "latency_ms_mean", "latency_ms_p50"]
    print(f"{'system':<12}" + "".join(f"{c:>17}" for c in cols))
    for label, row in result.items():
        print(f"{label:<12}" + "".join(f"{row[c]:>17.3f}" for c in cols))
    misses = [q.q for q, r in zip(queries, systems["product"].ranks, strict=True) if r != 0]
    print(f"product misses at rank 1 ({len(misses)}): {misses[:10]}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=ROOT / "results/eval.json")
    ap.add_argument("--cmrc-limit", type=int, default=None, help="only the first N CMRC questions")
    ap.add_argument("--skip-cmrc", action="store_true")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="keep indexes and baseline vectors here and reuse them on the next run "
                         "(for tuning ranking; rebuild after changing the chunker or the model)")
    ap.add_argument("--ann", action="store_true",
                    help="make every index segment approximate (IVF, as past 200k passages) to measure its quality")
    args = ap.parse_args()
    if args.ann:
        from index.stores import merge, segments

        segments.ANN_MIN_ROWS = merge.ANN_MIN_ROWS = 1
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        (workdir / "cmrc").mkdir(parents=True, exist_ok=True)
        reuse = args.workdir is not None
        files, queries = load_seeds(args.shared)
        results["seeds_dev"] = run_dataset("seeds_dev", files, queries, workdir / "seeds-index", reuse)
        if not args.skip_cmrc:
            files, queries = load_cmrc(args.shared, workdir / "cmrc", args.cmrc_limit)
            results["cmrc2018_trial"] = run_dataset("cmrc2018_trial", files, queries, workdir / "cmrc-index", reuse)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
