"""The product's figures on every dev set, per half and per question type, in one run; JSON out.

Datasets, each over its own collection: ``seeds`` (shared/eval/seeds_dev.jsonl over shared/corpus),
``reports`` (reports_dev.jsonl over shared/corpus_reports), ``cmrc`` (CMRC 2018 trial, simplified)
and ``drcd`` (DRCD test, traditional), the last two with each paragraph a document. For each:
hit@1, hit@5, MRR@10, answer accuracy ("all" rule for list questions), refusal rate, answer
length in characters (mean/median over answered questions), latency p50 — for all questions, for
the tuning half and the held-out half (scripts/evalkit.half), and per question type
(scripts/evalrun.question_type). Every question here is answerable, so its refusal rate is the
share wrongly refused.

Off-topic refusal: a fixed set of everyday questions (scripts/evalkit.OFF_TOPIC) asked of every
collection, and each dev set asked of another collection (seeds → CMRC, CMRC → seeds, reports →
DRCD, DRCD → reports): all of these should be refused.

    python -m scripts.eval_retrieval --workdir results/work [--limit N] [--only seeds,reports]
        [--set "{'alpha': 0.6}"] [--baselines] [--records results/eval-records.jsonl]
        [--extra scripts/data/english_dev.jsonl]

``--extra`` asks more questions of the dev sets' collections (each line says which in ``"set"``) and
reports them apart, outside the summary: e.g. the English questions written to check translation
on questions it was not tuned on.

``--workdir`` keeps the indexes (built on first use) for later runs; ``--limit`` asks only the
first N questions of CMRC and DRCD (the final figures are from a run without it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa.engine import QAEngine
from qa.params import DEFAULTS, RankingParams
from qa.settings import load_settings
from scripts.evalkit import DATASETS, DEFAULT_SHARED, ROOT, Query, load_extra, off_topic, parse_setting
from scripts.evalrun import Record, as_rows, ask_all, grouped, refusal_only

COLUMNS = ("n", "hit@1", "hit@5", "answer", "refused", "chars_mean", "chars_median", "ms_p50")


def open_engine(workdir: Path, name: str, files: list[Path], params: RankingParams) -> QAEngine:
    """The engine over ``name``'s index in ``workdir``, built from ``files`` when missing."""
    engine = QAEngine(load_settings(index_dir=workdir / f"{name}-index"), params)
    if not engine.status().exists:
        started = time.perf_counter()
        engine.build(files)
        print(f"built {name} index in {time.perf_counter() - started:.0f} s", flush=True)
    engine.warm_up()
    return engine


def print_table(name: str, groups: dict[str, dict[str, Any]]) -> None:
    print(f"\n== {name} ==")
    print(f"{'group':<26}" + "".join(f"{c:>13}" for c in COLUMNS))
    order = ["all", "tune", "held-out", "lists(all-rule)", "lists(all-rule)@held-out"]
    order += sorted(g for g in groups if g.startswith("type:") and "@" not in g)
    for g in order:
        if g in groups:
            print(f"{g:<26}" + "".join(f"{groups[g][c]:>13}" for c in COLUMNS))


def run_baselines(engine: QAEngine, files: list[Path], queries: list[Query], cache: Path) -> dict[str, Any]:
    """hit@1/hit@5/answer of the BM25-only and dense-only baselines (scripts/baselines.py)."""
    from index.reader import parse_document
    from scripts.baselines import Baselines, best_sentence

    base = Baselines([sp.text for f in files for sp in parse_document(f).speeches], engine, cache)
    out = {}
    for label, search in (("bm25-only", base.bm25_search), ("dense-only", base.dense_search)):
        ranks, right = [], 0
        for q in queries:
            passages = search(q.q)
            ranks.append(next((i for i, p in enumerate(passages) if q.passage_hit(p)), None))
            right += q.found_in("".join(best_sentence(q.q, passages[0]))) if passages else False
        n = max(len(queries), 1)
        out[label] = {"hit@1": round(sum(r == 0 for r in ranks) / n, 3),
                      "hit@5": round(sum(r is not None and r < 5 for r in ranks) / n, 3),
                      "answer": round(right / n, 3), "n": len(queries)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=ROOT / "results/eval.json")
    ap.add_argument("--workdir", type=Path, default=None, help="keep and reuse the indexes here")
    ap.add_argument("--only", default=",".join(DATASETS), help="comma-separated datasets")
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions of CMRC and DRCD")
    ap.add_argument("--cross-limit", type=int, default=300, help="questions per dev set asked of another collection")
    ap.add_argument("--set", default="{}", help="RankingParams fields to change, as a Python dict literal")
    ap.add_argument("--baselines", action="store_true", help="also BM25-only and dense-only baselines")
    ap.add_argument("--records", type=Path, default=None, help="write every question's record here (JSONL)")
    ap.add_argument("--extra", type=Path, action="append", default=[],
                    help="more questions (JSONL, each line naming its collection in \"set\"), reported apart")
    args = ap.parse_args()
    params = parse_setting(args.set) if args.set != "{}" else DEFAULTS
    names = [n for n in args.only.split(",") if n]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        result = evaluate(args, names, workdir, params)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")


def evaluate(args: argparse.Namespace, names: list[str], workdir: Path, params: RankingParams) -> dict[str, Any]:
    """Every figure of one run, as the JSON written."""
    loaded = {n: DATASETS[n][0](args.shared, workdir, args.limit) for n in names}
    engines: dict[str, QAEngine] = {}

    def engine(name: str) -> QAEngine:
        if name not in engines:
            files = loaded[name][0] if name in loaded else DATASETS[name][0](args.shared, workdir, 1)[0]
            engines[name] = open_engine(workdir, name, files, params)
        return engines[name]

    records: list[Record] = []
    result: dict[str, Any] = {"datasets": {}, "off_topic": {}, "cross": {}, "baselines": {}}
    for name in names:
        files, queries = loaded[name]
        recs = ask_all(engine(name), name, queries)
        records += recs
        result["datasets"][name] = grouped(recs)
        print_table(f"{name}: {len(queries)} questions, {len(files)} files", result["datasets"][name])
        if args.baselines:
            result["baselines"][name] = run_baselines(engine(name), files, queries,
                                                      workdir / f"{name}-baseline.npy")
            print(f"baselines: {result['baselines'][name]}")
    extra: list[Record] = []  # kept out of the summary
    for path in args.extra:
        for name, queries in load_extra(path).items():
            label = f"{path.stem}@{name}"
            extra += (recs := ask_all(engine(name), label, queries))
            result.setdefault("extra", {})[label] = grouped(recs)
            print_table(f"{label} (not in the summary): {len(queries)} questions", result["extra"][label])
    print("\n== refusal of questions the collection cannot answer ==")
    for name in names:
        recs = ask_all(engine(name), f"off-topic→{name}", off_topic())
        records += recs
        result["off_topic"][name] = refusal_only(recs)
        other = DATASETS[name][1]
        cross_q = [Query(q.q, ()) for q in loaded[name][1][: args.cross_limit]]
        recs = ask_all(engine(other), f"{name}→{other}", cross_q) if cross_q else []
        records += recs
        result["cross"][f"{name}→{other}"] = refusal_only(recs)
        print(f"off-topic → {name}: refused {result['off_topic'][name]['refused']:.3f} of {len(off_topic())}; "
              f"{name} questions → {other}: refused {result['cross'][f'{name}→{other}']['refused']:.3f} "
              f"of {len(cross_q)}")
    result["summary"] = summary(records)
    print(f"\nsummary: {json.dumps(result['summary'], ensure_ascii=False)}")
    result["run"] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "limit": args.limit,
                     "cross_limit": args.cross_limit, "params": asdict(params), "load": _load(),
                     "model": next(iter(engines.values())).config.model if engines else None}
    if args.records:
        args.records.parent.mkdir(parents=True, exist_ok=True)
        args.records.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in as_rows(records + extra)) + "\n",
                                encoding="utf-8")
    return result


def summary(records: list[Record]) -> dict[str, Any]:
    """Refusals over everything: answerable questions wrongly refused, per script; off-topic refused."""
    answerable = [r for r in records if r.dataset in DATASETS]
    off = [r for r in records if r.dataset not in DATASETS]
    out: dict[str, Any] = {"answerable_refused": round(sum(r.refused for r in answerable) / max(len(answerable), 1), 4),
                           "off_topic_refused": round(sum(r.refused for r in off) / max(len(off), 1), 4)}
    for script in ("English", "traditional"):
        part = [r for r in answerable if r.qtype == script]
        out[f"answerable_refused/{script}"] = round(sum(r.refused for r in part) / max(len(part), 1), 4)
    part = [r for r in answerable if r.qtype not in ("English", "traditional")]
    out["answerable_refused/simplified"] = round(sum(r.refused for r in part) / max(len(part), 1), 4)
    return out


def _load() -> str:
    """The machine's load average, to read latencies by (this machine is shared)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    main()
