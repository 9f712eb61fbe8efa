#!/usr/bin/env python
"""Phrase-trace latency (issue 14): the reports corpus, and a synthetic collection of N passages.

Both collections are written straight into the local store's SQLite schema with its phrase
index (``index/stores/phrases.py``) — vectors and BM25 play no part in tracing, so none are
made — and read through ``LocalStore``: ``find_phrase`` (the FTS5 trigram lookup plus the
verifying pass) and ``qa.trace.trace_phrase`` (plus titles, dates, sections and grouping).

* ``reports``: every speech of the reports corpus as the reader cleans and chunks it; also
  timed, for the ratio, the naive way this design avoids (fold and scan every speech per query).
* ``synthetic``: speeches of ~30 passages (~300 characters each, like the reports' chunks) made
  of sentences drawn at random from the reports corpus, dated 1950–2025; a phrase's count grows
  with the collection, so each phrase is reported with its number of uses.

    python -m scripts.bench_trace [--passages 1000000] [--workdir DIR] [--out results/bench_trace.json]
    python -m scripts.bench_trace --index DIR/index-1m   # an index scripts.bench_scale built (segments, real schema)

With ``--index``, an index of an older schema is first upgraded in place (timed: for schema 3
that is rebuilding the phrase index), and the phrase index's size on disk is reported (dbstat:
every ``phrase_*`` table, FTS5 shadow tables included).

The synthetic database is kept in ``--workdir`` and reused when it already has ``--passages``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.chunker import chunk_document
from index.normalize import normalize_same_length
from index.reader import iter_documents, parse_document
from index.stores import phrases
from index.stores.local import LocalStore
from index.stores.local_schema import DB_FILE, OLD_SCHEMAS, SCHEMA, connect, manifest_schema
from index.stores.speech_zip import pack
from qa.trace import trace_phrase

ROOT = Path(__file__).resolve().parent.parent
#: From rare to everywhere; the last two are short enough (no trigram) to take the scan path.
PHRASES = ["新质生产力", "四个现代化", "全面建成小康社会", "小康社会", "中国特色社会主义", "改革开放", "社会主义",
           "发展", "党"]
#: Phrases of 1–2 characters, common to rare: the two ways to find them are compared (short_paths).
SHORT = ["党", "发展", "新质", "鼎", "饕餮"]
#: (title, date, text, [(section, start, end)]) of one speech.
SpeechRow = tuple[str, str | None, str, list[tuple[tuple[str, ...], int, int]]]


def report_speeches(folder: Path) -> Iterator[SpeechRow]:
    for path in iter_documents([folder]):
        for speech in chunk_document(parse_document(path)).speeches:
            yield speech.title, speech.date, speech.text, [(c.section, c.start, c.end) for c in speech.chunks]


def synthetic_speeches(folder: Path, passages: int, seed: int = 14) -> Iterator[SpeechRow]:
    """Speeches of 30 passages of ~300 characters, sentences drawn from the reports corpus."""
    pool = [s for _t, _d, text, _c in report_speeches(folder) for s in re.findall(r"[^。！？\n]+[。！？]?", text)
            if len(s.strip()) > 4]
    rng = random.Random(seed)
    made = 0
    while made < passages:
        text, chunks = "", []
        section: tuple[str, ...] = ("一、",)
        for n in range(min(30, passages - made)):
            start = len(text)
            while len(text) - start < 300:
                text += rng.choice(pool).strip()
            if n % 5 == 0:
                section = (f"{'一二三四五六'[n // 5]}、部分",)
            chunks.append((section, start, len(text)))
            text += "\n"
        made += len(chunks)
        yield "合成讲话", str(rng.randint(1950, 2025)), text.rstrip("\n"), chunks


def write_store(path: Path, speeches: Iterable[SpeechRow]) -> int:
    """The store's tables and phrase index, filled without vectors or BM25; returns passages written."""
    path.mkdir(parents=True, exist_ok=True)
    conn = connect(path / DB_FILE, create=True)
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    phrases.ensure(conn)
    count = 0
    for n, (title, date, text, chunks) in enumerate(speeches):
        doc = conn.execute("INSERT INTO documents (path, sha256, mtime, encoding, added, updated) "
                           "VALUES (?, '', 0, 'utf-8', '', '')", (f"/bench/{n}.txt",)).lastrowid
        sid = conn.execute("INSERT INTO speeches (doc_id, ordinal, title, date, text) VALUES (?, 0, ?, ?, ?)",
                           (doc, title, date, pack(text))).lastrowid
        ids = [int(conn.execute('INSERT INTO chunks (speech_id, ordinal, section, start, "end", embed_key) '
                            "VALUES (?, ?, ?, ?, ?, 0)",
                            (sid, o, json.dumps(list(sec), ensure_ascii=False), s, e)).lastrowid or 0)
               for o, (sec, s, e) in enumerate(chunks)]
        phrases.add_speech(conn, int(sid or 0), text, list(zip(ids, (s for _sec, s, _e in chunks), strict=True)))
        count += len(chunks)
        if n % 500 == 499:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    conn.close()
    return count


def naive_count(path: Path, phrase: str) -> int:
    """What the phrase index avoids: read, fold and scan every speech for each query."""
    wanted = phrases.fold_phrase(phrase)
    total = 0
    conn = connect(path / DB_FILE, create=False)
    try:
        for (text,) in conn.execute("SELECT speech_text(text) FROM speeches"):
            flat = re.sub(r"\s", "", normalize_same_length(text))
            pos = flat.find(wanted)
            while pos >= 0:
                total += 1
                pos = flat.find(wanted, pos + 1)
    finally:
        conn.close()
    return total


def time_phrases(path: Path, phrase_list: list[str], rounds: int, naive: bool) -> dict[str, dict[str, float]]:
    """Median/max milliseconds of find_phrase and of the whole trace, per phrase (first call warms up)."""
    store = LocalStore(path, connect(path / DB_FILE, create=False))
    out: dict[str, dict[str, float]] = {}
    try:
        for phrase in phrase_list:
            trace_phrase(store, phrase)
            find, whole, scan = [], [], []
            for _ in range(rounds):
                t = time.perf_counter()
                found = store.find_phrase(phrase)
                find.append(1000 * (time.perf_counter() - t))
                t = time.perf_counter()
                traced = trace_phrase(store, phrase)
                whole.append(1000 * (time.perf_counter() - t))
                if naive:
                    t = time.perf_counter()
                    assert naive_count(path, phrase) == traced.total
                    scan.append(1000 * (time.perf_counter() - t))
            out[phrase] = {"uses": len(found.occurrences), "speeches": traced.speeches,
                           "find_ms_p50": statistics.median(find), "find_ms_max": max(find),
                           "trace_ms_p50": statistics.median(whole), "trace_ms_max": max(whole)}
            if scan:
                out[phrase]["naive_scan_ms_p50"] = statistics.median(scan)
    finally:
        store.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=Path, default=ROOT.parent / "shared" / "corpus_reports")
    ap.add_argument("--passages", type=int, default=1_000_000, help="synthetic passages (0: reports only)")
    ap.add_argument("--workdir", type=Path, default=ROOT / "results" / "bench_trace")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--synthetic-phrases", type=int, default=6,
                    help="time the first N phrases on the synthetic collection (at 1M passages the last "
                         "three have 0.8–1.9M uses each and take minutes)")
    ap.add_argument("--index", type=Path, default=None,
                    help="time the phrases on this existing local index instead (e.g. one scripts.bench_scale built)")
    ap.add_argument("--short-paths", action="store_true",
                    help="with --index: also time folding every speech for 1–2 character phrases (linear)")
    ap.add_argument("--out", type=Path, default=ROOT / "results/bench_trace.json")
    args = ap.parse_args()
    result: dict[str, object] = {"load_before": os.getloadavg()}
    if args.index:
        result["upgrade_s"] = upgrade(args.index)
        conn = connect(args.index / DB_FILE, create=False)
        result["index"] = {"path": str(args.index), "passages": conn.execute("SELECT count(*) FROM chunks").fetchone()[0],
                           "db_mb": (args.index / DB_FILE).stat().st_size / 2**20,
                           "phrase_index_mb": phrase_index_mb(conn)}
        conn.close()
        result["phrases"] = time_phrases(args.index, PHRASES[:args.synthetic_phrases], args.rounds, naive=False)
        if args.short_paths:
            result["short_phrase_paths"] = short_paths(args.index, SHORT, args.rounds)
        return report(result, args.out)
    reports = args.workdir / "reports"
    if not (reports / DB_FILE).exists():
        write_store(reports, report_speeches(args.reports))
    result["reports"] = time_phrases(reports, PHRASES, args.rounds, naive=True)
    if args.passages:
        synthetic = args.workdir / f"synthetic-{args.passages}"
        if (synthetic / DB_FILE).exists():  # made by an earlier run: add what this version's writer adds
            conn = connect(synthetic / DB_FILE, create=False)
            phrases.ensure(conn)
            conn.close()
        else:
            t = time.perf_counter()
            written = write_store(synthetic, synthetic_speeches(args.reports, args.passages))
            result["synthetic_build_s"] = time.perf_counter() - t
            result["synthetic_passages"] = written
        result["synthetic_db_mb"] = (synthetic / DB_FILE).stat().st_size / 2**20
        result[f"synthetic_{args.passages}"] = time_phrases(synthetic, PHRASES[:args.synthetic_phrases], args.rounds,
                                                            naive=False)
    report(result, args.out)


def short_paths(path: Path, phrase_list: list[str], rounds: int) -> dict[str, dict[str, float]]:
    """Median ms of the two ways to find a phrase without a trigram: the candidates of a term
    range of the FTS vocabulary (what ``phrases.find`` does), against folding every speech."""
    store = LocalStore(path, connect(path / DB_FILE, create=False))
    query = store._query  # noqa: SLF001 - times the module's two paths on the store's connection
    out: dict[str, dict[str, float]] = {}
    try:
        every = [r[0] for r in query("SELECT id FROM speeches ORDER BY id", ())]
        for phrase in phrase_list:
            ranged, folded = [], []
            for _ in range(rounds):
                t = time.perf_counter()
                found = phrases.find(query, phrase, None)
                ranged.append(1000 * (time.perf_counter() - t))
                t = time.perf_counter()
                assert phrases.occurrences_in(phrases.speech_segments(query, every), phrase, None) == found
                folded.append(1000 * (time.perf_counter() - t))
            out[phrase] = {"uses": len(found), "term_range_ms_p50": statistics.median(ranged),
                           "fold_all_ms_p50": statistics.median(folded)}
    finally:
        store.close()
    return out


def upgrade(path: Path) -> float | None:
    """Seconds the writer takes to upgrade an index of an older schema in place (None: already current)."""
    conn = connect(path / DB_FILE, create=False)
    try:
        old = manifest_schema(conn) in OLD_SCHEMAS
    finally:
        conn.close()
    if not old:
        return None
    t = time.perf_counter()
    LocalStore.open_for_write(path).close()
    return time.perf_counter() - t


def phrase_index_mb(conn: sqlite3.Connection) -> dict[str, float]:
    """Megabytes (10^6 bytes) on disk of each ``phrase_*`` table and their total (SQLite's dbstat)."""
    sizes = {name: size / 1e6 for name, size in conn.execute(
        "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'phrase%' GROUP BY name ORDER BY name")}
    return {**sizes, "total": sum(sizes.values())}


def report(result: dict[str, object], out: Path) -> None:
    """Print the figures and write them as JSON, with the load at the end of the run."""
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1, ensure_ascii=False))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
