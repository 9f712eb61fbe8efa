"""Hybrid retrieval and sentence-aware reranking.

1. Dense (FAISS, cosine) and BM25 (jieba tokens) each propose a pool of passages.
2. The two are fused on their scores, each min-max normalized over the candidates, dense
   weighted 0.7 (see FUSION for why not reciprocal rank fusion).
3. Every pooled passage is split into sentences; a passage's final score adds how well its
   best sentence covers the question (IDF-weighted words, headings counting half), so one holding a
   sentence that says exactly what was asked beats one that is only generally on topic.
4. Near-duplicate passages (a paragraph reprinted in several speeches) are folded into the
   best-ranked one, which lists the others as "also in".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from index.normalize import to_simplified
from index.store import ChunkRow, IndexStore
from qa.fusion import fold_duplicates, rrf, score_fusion
from qa.sentences import SentenceScorer, match_spans, split_sentences
from qa.types import Hit

#: Passages each retriever proposes (at least; twice top_k when that is more); fused and
#: reranked down to top_k.
POOL = 40
#: Weight of the best-sentence coverage against the fused rank score (both in 0..1).
SENTENCE_WEIGHT = 0.5
#: "score": min-max normalized cosine and BM25 mixed with ALPHA; "rrf": reciprocal rank
#: fusion. Chosen with scripts/tune_ranking.py on the seeds and CMRC dev sets: score fusion
#: keeps the *margin* of a confident dense match, which rank fusion throws away.
FUSION = "score"
ALPHA = 0.7
#: Cosine spread below which dense differences are not stretched to the full 0..1 range.
DENSE_MIN_SPAN = 0.05
#: Weights and constant of the "rrf" alternative.
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
FUSION_K = 60


@dataclass
class Ranked:
    """A reranked passage with what answer composition needs about its sentences."""

    hit: Hit
    row: ChunkRow
    spans: list[tuple[int, int]]  # sentence spans in row.text
    sentence_scores: list[float]
    dense: float  # cosine of the passage with the question
    score: float


def _pool(store: IndexStore, qvec: np.ndarray, question: str, allowed: set[int] | None,
          size: int) -> tuple[list[tuple[int, float]], dict[int, float]]:
    """Both retrievers' ``size`` best candidates fused (see FUSION), best first, and the cosine
    of every candidate with the question (BM25-only ones included)."""
    dense = store.dense_search(qvec, size, allowed)
    lexical = store.lexical_search(question, size, allowed)
    ids = list(dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical]))
    cosines = dict(zip(ids, (store.vectors(ids) @ qvec).tolist(), strict=True)) if ids else {}
    if FUSION == "rrf":
        return rrf([dense, lexical], [DENSE_WEIGHT, LEXICAL_WEIGHT], k=FUSION_K)[:size], cosines
    return score_fusion(cosines, dict(lexical), ALPHA, DENSE_MIN_SPAN)[:size], cosines


def rank_passages(store: IndexStore, encoder: Any, question: str, top_k: int,
                  allowed: set[int] | None = None) -> list[Ranked]:
    """The ``top_k`` best passages for ``question``, reranked and de-duplicated."""
    # The collection is simplified Chinese: a traditional-script question is folded first,
    # which the encoder would otherwise see as different tokens.
    qvec = np.asarray(encoder.encode_query(to_simplified(question)), dtype=np.float32)
    fused, dense = _pool(store, qvec, question, allowed, max(POOL, 2 * top_k))  # room for duplicates to fold
    if not fused:
        return []
    rows = {r.chunk_id: r for r in store.chunks_by_ids([cid for cid, _ in fused])}
    fused = [(cid, s) for cid, s in fused if cid in rows]
    spans = {cid: split_sentences(rows[cid].text) for cid, _ in fused}
    flat = [(cid, a, b) for cid, _ in fused for a, b in spans[cid]]
    scorer = SentenceScorer(question, [rows[cid].text[a:b] for cid, a, b in flat],
                            [" ".join(rows[cid].section) for cid, _a, _b in flat], cut=store.lexical.cut)
    sent_scores: dict[int, list[float]] = {cid: [] for cid, _ in fused}
    for i, (cid, _a, _b) in enumerate(flat):
        sent_scores[cid].append(scorer.score(i))
    top_fused = fused[0][1] or 1.0
    scored = sorted(
        ((cid, f / top_fused + SENTENCE_WEIGHT * max(sent_scores[cid], default=0.0)) for cid, f in fused),
        key=lambda kv: -kv[1])
    groups = fold_duplicates([cid for cid, _ in scored], {cid: rows[cid].text for cid in rows}, keep=top_k)
    score_of = dict(scored)
    out: list[Ranked] = []
    for rank, (cid, absorbed) in enumerate(groups[:top_k], 1):
        row = rows[cid]
        also = tuple(dict.fromkeys(rows[a].title for a in absorbed if rows[a].title != row.title or rows[a].doc_path != row.doc_path))
        hit = Hit(rank=rank, score=round(float(score_of[cid]), 4), chunk_id=cid, doc_path=row.doc_path,
                  title=row.title, date=row.date, section=row.section, text=row.text, start=row.start,
                  end=row.end, also_in=also, matches=tuple(match_spans(row.text, scorer.terms)), pages=row.pages)
        out.append(Ranked(hit, row, spans[cid], sent_scores[cid], float(dense[cid]), float(score_of[cid])))
    return out
