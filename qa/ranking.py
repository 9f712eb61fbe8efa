"""Hybrid retrieval and sentence-aware reranking.

1. Dense (cosine) and BM25 (jieba tokens) each propose a pool of passages.
2. The two are fused on their scores, each min-max normalized over the candidates, dense
   weighted ``params.alpha`` (see :class:`qa.params.RankingParams` for why not rank fusion).
3. Every pooled passage is split into sentences; a passage's final score adds how well its
   best sentence covers the question (IDF-weighted words, headings counting less), so one holding a
   sentence that says exactly what was asked beats one that is only generally on topic.
4. Near-duplicate passages (a paragraph reprinted in several speeches) are folded into the
   best-ranked one, which lists the others as "also in".

Only the store interface is used here: which store answers is not this module's business.
"""

from __future__ import annotations

import contextlib
import functools
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from index.embed import Encoder
from index.encoding import idle_cores
from index.sessions import find_session
from index.stores.base import Scored, Store
from index.types import ChunkRow, Filters
from qa.fusion import fold_duplicates, rrf, score_fusion
from qa.intent import Intent
from qa.params import DEFAULTS, RankingParams
from qa.query import QueryPlan, encode_normalized, plan_query
from qa.sentences import SentenceScorer, match_spans, split_sentences
from qa.types import Hit


@dataclass(frozen=True)
class Ranked:
    """A reranked passage with what answer composition needs about its sentences."""

    hit: Hit
    spans: tuple[tuple[int, int], ...]  # sentence spans in hit.text
    sentence_scores: tuple[float, ...]
    dense: float  # cosine of the passage with the question
    score: float
    speech_id: int = -1  # the stored speech holding the passage (for its outline)
    answer_scores: tuple[float, ...] = ()  # sentence scores for choosing answers (the lead's words count too)
    year_match: float = 0.0  # what a year named in the question added (year_evidence)


Rows = dict[int, ChunkRow]


def _pool(store: Store, qvec: np.ndarray, question: str, filters: Filters | None, size: int,
          params: RankingParams) -> tuple[Scored, dict[int, float], Rows]:
    """Both retrievers' ``size`` best candidates fused, best first; the cosine of every
    candidate with the question (BM25-only ones included); the stored rows of the fused ones."""
    dense, lexical, rows = _search_both(store, qvec, question, filters, size, params)
    ids = list(dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical]))
    cosines = dict(zip(ids, (store.vectors(ids) @ qvec).tolist(), strict=True)) if ids else {}
    if params.fusion == "rrf":
        fused = rrf([dense, lexical], [params.dense_weight, params.lexical_weight], k=params.rrf_k)[:size]
    else:
        fused = score_fusion(cosines, dict(lexical), params.alpha, params.dense_min_span)[:size]
    rows.update((r.chunk_id, r) for r in store.chunks_by_ids([cid for cid, _ in fused if cid not in rows]))
    # rows a concurrent write removed are gone
    return [(cid, s) for cid, s in fused if cid in rows], cosines, {cid: rows[cid] for cid, _ in fused if cid in rows}


@functools.cache
def _dense_worker() -> ThreadPoolExecutor:
    """One thread for the dense side, shared by every engine of the process."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-dense")


#: Per store, a running average of how long each side took (dense, BM25), in seconds.
_side_times: weakref.WeakKeyDictionary[Store, tuple[float, float]] = weakref.WeakKeyDictionary()


def _timed(search: Callable[..., Scored], *args: object) -> tuple[Scored, float]:
    started = time.perf_counter()
    return search(*args), time.perf_counter() - started


def _search_both(store: Store, qvec: np.ndarray, question: str, filters: Filters | None,
                 size: int, params: RankingParams = DEFAULTS) -> tuple[Scored, Scored, Rows]:
    """Dense and BM25 candidates, side by side when that pays, and the rows of BM25's.

    FAISS releases the GIL and searches one query on one core, so BM25 (numpy and jieba) can
    run on the other meanwhile, and then, if the dense side is still busy, read the rows of its
    candidates, most of which the fused pool keeps (SQLite too releases the GIL); a remote
    store's round trips overlap the same way. At 1M passages the ask p50 went from 32.7 ms
    to 27.3 (``scripts/bench_overlap.py``). It pays only when both sides take longer than
    handing one to a thread costs (``params.overlap_min_s``; at 100k BM25 takes 0.65 ms and
    side by side was slower), and when a core is idle. It needs the query encoder's OpenMP
    threads to sleep when done (``index/__init__.py``). An error of either side is raised
    here, after both have finished.
    """
    seen = _side_times.get(store)
    if seen is None or min(seen) < params.overlap_min_s or idle_cores() < 2:
        dense, dense_s = _timed(store.dense_search, qvec, size, filters)
        lexical, lexical_s = _timed(store.lexical_search, question, size, filters)
        rows: Rows = {}
    else:
        future = _dense_worker().submit(_timed, store.dense_search, qvec, size, filters)
        try:
            lexical, lexical_s = _timed(store.lexical_search, question, size, filters)
            rows = {} if future.done() else {r.chunk_id: r for r in store.chunks_by_ids([c for c, _ in lexical])}
        finally:
            wait([future])
        dense, dense_s = future.result()
    with contextlib.suppress(TypeError):  # a store that cannot be weakly referenced is searched in turn
        _side_times[store] = (dense_s, lexical_s) if seen is None else \
            (0.8 * seen[0] + 0.2 * dense_s, 0.8 * seen[1] + 0.2 * lexical_s)
    return dense, lexical, rows


def to_hit(rank: int, row: ChunkRow, score: float, also: tuple[str, ...], terms: list[str]) -> Hit:
    return Hit(rank=rank, score=round(score, 4), chunk_id=row.chunk_id, doc_path=row.doc_path, title=row.title,
               date=row.date, section=row.section, text=row.text, start=row.start, end=row.end, also_in=also,
               matches=tuple(match_spans(row.text, terms)), title_derived=row.title_derived,
               source_name=row.source_name, date_source=row.date_source, pages=row.pages)


def year_evidence(row: ChunkRow, intent: Intent, params: RankingParams = DEFAULTS) -> float:
    """What a meeting or year named in the question adds to a passage: a speech given at that
    meeting most, then a speech of that year, then the year written in the passage or its title."""
    if not intent.years:
        return 0.0
    if intent.sessions and _title_session(row.title) in intent.sessions:
        return params.session_weight
    if row.date and row.date[:4] in intent.years:
        return params.year_weight
    return params.year_text_weight if any(y in row.text or y in row.title for y in intent.years) else 0.0


@functools.lru_cache(maxsize=4096)
def _title_session(title: str) -> str | None:
    """Date of the congress or NPC session a speech's title names, if any."""
    session = find_session(title)
    return session.date if session else None


def _subjects(store: Store, rows: dict[int, ChunkRow], ids: list[int]) -> dict[int, str]:
    """The first sentence of the speech of each passage in ``ids``: where a text without headings
    names what it is about ("假苹婆（学名…）是梧桐科…植物"), so that a later passage of it ("花为圆锥花序
    腋生…") is about that subject too. It stands where headings would (``context_weight``), for
    passages without any: a heading says more. CMRC hit@1 0.930 → 0.932, answers 0.833 → 0.840;
    DRCD 0.955 → 0.957, 0.889 → 0.892, refused 1.5% → 1.3%; gains in both halves, seeds and
    reports unchanged (scripts/eval_retrieval.py, 2026-11-24). 0.2–0.6 ms a question (DRCD)."""
    out: dict[int, str] = {}
    for cid in ids:
        sid = rows[cid].speech_id
        if sid not in out:
            text = store.speech_text(cid).text
            out[sid] = _lead(text, split_sentences(text[:400]))
    return out


def _lead(text: str, spans: list[tuple[int, int]]) -> str:
    """The passage's first sentence: where it names what it is about."""
    return text[spans[0][0] : spans[0][1]] if spans else ""


def rank_passages(store: Store, encoder: Encoder, question: str | QueryPlan, top_k: int,
                  filters: Filters | None = None, params: RankingParams = DEFAULTS) -> list[Ranked]:
    """The ``top_k`` best passages for ``question``, reranked and de-duplicated."""
    plan = question if isinstance(question, QueryPlan) else plan_query(question, store, params)
    # plan.dense: a traditional-script question folded to simplified (the collection's script),
    # an English one as its Chinese keywords
    qvec = np.mean([plan.first_vector if i == 0 and plan.first_vector is not None
                    else encode_normalized(encoder, text, params) for i, text in enumerate(plan.dense)], axis=0)
    qvec = (qvec / (np.linalg.norm(qvec) or 1.0)).astype(np.float32)
    fused, dense, rows = _pool(store, qvec, plan.lexical, filters, max(params.pool, 2 * top_k), params)  # room to fold
    if not fused:
        return []
    spans = {cid: split_sentences(rows[cid].text) for cid, _ in fused}
    flat = [(cid, a, b) for cid, _ in fused for a, b in spans[cid]]
    subjects = _subjects(store, rows, [cid for cid, _ in fused if not rows[cid].section])
    scorer = SentenceScorer(plan.lexical, [rows[cid].text[a:b] for cid, a, b in flat],
                            [" ".join(rows[cid].section) or subjects.get(rows[cid].speech_id, "")
                             for cid, _a, _b in flat],
                            cut=store.cut, params=params,
                            synonyms=plan.synonyms, leads=[_lead(rows[cid].text, spans[cid]) for cid, _a, _b in flat])
    sent_scores: dict[int, list[float]] = {cid: [] for cid, _ in fused}
    answer_scores: dict[int, list[float]] = {cid: [] for cid, _ in fused}
    for i, (cid, _a, _b) in enumerate(flat):
        sent_scores[cid].append(scorer.score(i))
        answer_scores[cid].append(scorer.answer_score(i))
    top_fused = fused[0][1] or 1.0
    scored = sorted(
        ((cid, f / top_fused + params.sentence_weight * max(sent_scores[cid], default=0.0)
          + year_evidence(rows[cid], plan.intent, params)) for cid, f in fused),
        key=lambda kv: -kv[1])
    groups = fold_duplicates([cid for cid, _ in scored], {cid: rows[cid].text for cid in rows}, keep=top_k,
                             n=params.shingle, threshold=params.duplicate_threshold)
    score_of = dict(scored)
    out: list[Ranked] = []
    for rank, (cid, absorbed) in enumerate(groups[:top_k], 1):
        row = rows[cid]
        also = tuple(dict.fromkeys(rows[a].title for a in absorbed
                                   if rows[a].title != row.title or rows[a].doc_path != row.doc_path))
        out.append(Ranked(to_hit(rank, row, float(score_of[cid]), also, scorer.words), tuple(spans[cid]),
                          tuple(sent_scores[cid]), float(dense[cid]), float(score_of[cid]), row.speech_id,
                          tuple(answer_scores[cid]), year_evidence(row, plan.intent, params)))
    return out
