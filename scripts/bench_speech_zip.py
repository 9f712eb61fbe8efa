"""Compressed speech texts (index/stores/speech_zip.py): the zlib level, and what compressing costs and saves.

``levels``: per zlib level, over the speeches of a corpus folder as the reader cleans them: the
compression ratio (UTF-8 bytes / compressed bytes), compression MB/s, and the mean time to
decompress one speech (what a question pays per speech it reads).

``index``: on a COPY of a local index whose speech texts are still TEXT (it is written to):
the ``speeches`` table's bytes (dbstat) and ``index.sqlite``'s size, in-process ``ask`` p50
and ``chunks_by_ids`` p50 (the ~40 passages the lexical search returns per question) over the
reports and seeds dev questions, before; then :func:`compress_rows` and ``VACUUM``; then the
same after — and with the decompressed-text cache off, to show what it saves. Each also times
reading every record (what ``qa index copy`` reads).

    python -m scripts.bench_speech_zip levels --corpus /work/shared/corpus_reports --out levels.json
    python -m scripts.bench_speech_zip index --index COPY --models-dir /work/models --out index.json
    python -m scripts.bench_speech_zip ratio --index BUILT_INDEX --out ratio.json

``ratio``: stored bytes against plain UTF-8 bytes of the speech texts of an index built by this code.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts.evalkit import DEFAULT_SHARED, load_jsonl

ROUNDS = 2
PASSAGES = 40  # what a question reads (the engine's candidate pool, roughly)


def levels(corpus: Path) -> dict[str, Any]:
    from index.reader import iter_documents, parse_document

    texts = [s.text.encode("utf-8") for path in iter_documents([corpus]) for s in parse_document(path).speeches]
    raw = sum(map(len, texts))
    out: dict[str, Any] = {"speeches": len(texts), "utf8_mb": raw / 1e6}
    for level in (1, 3, 6, 9):
        started = time.perf_counter()
        packed = [zlib.compress(t, level) for t in texts]
        write_s = time.perf_counter() - started
        started = time.perf_counter()
        for p in packed:
            zlib.decompress(p).decode("utf-8")
        read_s = time.perf_counter() - started
        out[f"level_{level}"] = {"ratio": raw / sum(map(len, packed)), "compress_mb_s": raw / 1e6 / write_s,
                                 "decompress_us_per_speech": 1e6 * read_s / len(texts)}
    return out


def _table_mb(db: Path, table: str) -> float:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", (table,)).fetchone()[0] / 1e6
    finally:
        conn.close()


def _p50(run: Callable[[str], object], questions: list[str]) -> dict[str, float]:
    """Median milliseconds of ``run`` per round (round 1 is the first read of those passages)."""
    out = {}
    for r in range(ROUNDS):
        times = []
        for q in questions:
            started = time.perf_counter()
            run(q)
            times.append(1000 * (time.perf_counter() - started))
        out[f"round{r + 1}_p50_ms"] = statistics.median(times)
    return out


def _latencies(index: Path, models: Path, questions: list[str], workdir: Path) -> dict[str, Any]:
    """chunks_by_ids then ask, each on a freshly opened engine/store."""
    from index.config import IndexConfig
    from index.stores.copy import read_local
    from qa.engine import QAEngine
    from qa.settings import load_settings

    engine = QAEngine(load_settings(data_dir=workdir / "data", index_dir=index, model_dir=models))
    engine.warm_up()
    store = engine.store
    pools = {q: [cid for cid, _s in store.lexical_search(q, PASSAGES)] for q in questions}
    out: dict[str, Any] = {"chunks_by_ids": _p50(lambda q: store.chunks_by_ids(pools[q]), questions),
                           "ask": _p50(engine.ask, questions)}
    started = time.perf_counter()
    passages = sum(len(d.vectors) for d in read_local(IndexConfig(index_path=index, models_dir=models))[1])
    out["records"] = {"passages": passages, "seconds": time.perf_counter() - started}  # what `qa index copy` reads
    store.close()
    return out


def _measure(index: Path, models: Path, questions: list[str], workdir: Path) -> dict[str, Any]:
    db = index / "index.sqlite"
    return {"speeches_mb": _table_mb(db, "speeches"), "index_sqlite_mb": db.stat().st_size / 1e6,
            "uptime": os.getloadavg(), **_latencies(index, models, questions, workdir)}


def bench_index(index: Path, models: Path, shared: Path, workdir: Path) -> dict[str, Any]:
    from index.stores import speech_zip
    from index.stores.local_schema import DB_FILE, connect

    questions = [q.q for name in ("reports_dev", "seeds_dev") for q in load_jsonl(shared / "eval" / f"{name}.jsonl")]
    out: dict[str, Any] = {"questions": len(questions), "before": _measure(index, models, questions, workdir)}
    conn = connect(index / DB_FILE, create=False)
    try:
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        out["compressed_rows"] = speech_zip.compress_rows(conn)
        conn.execute("COMMIT")
        out["compress_s"] = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute("VACUUM")
        out["vacuum_s"] = time.perf_counter() - started
        started = time.perf_counter()
        out["doctor_decompress_all_s"] = (len(speech_zip.damaged_rows(conn)), time.perf_counter() - started)
    finally:
        conn.close()
    out["after"] = _measure(index, models, questions, workdir)
    speech_zip.CACHE_CHARS = 0  # no cache: what it saves
    out["after_no_cache"] = _latencies(index, models, questions, workdir)
    return out


def ratio(index: Path) -> dict[str, Any]:
    """Stored bytes against plain UTF-8 bytes of the speech texts of a built index."""
    from index.stores.local_schema import DB_FILE, connect

    conn = connect(index / DB_FILE, create=False)
    try:
        kinds, stored, plain = conn.execute(
            "SELECT group_concat(DISTINCT typeof(text)), sum(length(CAST(text AS BLOB))), "
            "sum(length(CAST(speech_text(text) AS BLOB))) FROM speeches").fetchone()
    finally:
        conn.close()
    return {"kinds": kinds, "stored_bytes": stored, "utf8_bytes": plain, "ratio": plain / stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("levels", "index", "ratio"))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_SHARED / "corpus_reports")
    parser.add_argument("--index", type=Path)
    parser.add_argument("--models-dir", type=Path, default=Path(os.environ.get("QA_TEST_MODELS_DIR", "models")))
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench_speech_zip"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.mode == "levels":
        result = levels(args.corpus)
    else:
        result = ratio(args.index) if args.mode == "ratio" else \
            bench_index(args.index, args.models_dir, args.shared, args.workdir)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
