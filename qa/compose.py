"""Extractive answers: 1–3 sentences copied verbatim from the top passages, each cited.

Nothing is generated: every answer sentence is a span of a stored passage, and its
offsets point at exactly those characters of the cleaned speech. When the evidence is
too weak (calibrated by scripts/calibrate_support.py) the answer says so and the passages
are offered as related reading only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from qa.params import DEFAULTS, RankingParams
from qa.ranking import Ranked
from qa.types import Answer, AnswerSentence


@dataclass(frozen=True)
class _Candidate:
    rank: int  # index into ranked
    span: tuple[int, int]
    score: float
    lexical: float


def evidence(ranked: list[Ranked], params: RankingParams = DEFAULTS) -> tuple[float, float]:
    """(best cosine, best sentence coverage) among the passages answers are drawn from."""
    top = ranked[:params.answer_passages]
    if not top:
        return 0.0, 0.0
    return max(r.dense for r in top), max(max(r.sentence_scores, default=0.0) for r in top)


def supported_by(dense: float, lexical: float, params: RankingParams = DEFAULTS) -> bool:
    """The rule: close enough in meaning, or close and its words found."""
    return dense >= params.dense_sure or (dense >= params.dense_min and lexical >= params.lexical_min)


def is_supported(ranked: list[Ranked], params: RankingParams = DEFAULTS) -> bool:
    """Whether the best evidence clears the calibrated thresholds."""
    return bool(ranked) and supported_by(*evidence(ranked, params), params)


def _candidates(ranked: list[Ranked], params: RankingParams) -> list[_Candidate]:
    top = ranked[0].score or 1.0
    out = []
    for i, r in enumerate(ranked[:params.answer_passages]):
        for span, lex in zip(r.spans, r.sentence_scores, strict=True):
            out.append(_Candidate(i, span, lex + params.passage_weight * r.score / top, lex))
    return out


def _is_heading(r: Ranked, span: tuple[int, int]) -> bool:
    """Whether a sentence is just a heading of its passage ("一要壮大主流舆论。").

    A heading restates the topic; in this genre the answer is what follows it.
    """
    sent = r.hit.text[span[0] : span[1]].strip().rstrip("。：:，,；;、 ")
    return bool(sent) and any(
        title.startswith(sent) or (sent.startswith(title) and len(sent) - len(title) <= 4)
        for title in r.hit.section if title)


def _with_followers(ranked: list[Ranked], cand: _Candidate) -> list[_Candidate]:
    """A heading sentence together with the sentence after it, which carries its content."""
    r = ranked[cand.rank]
    if not _is_heading(r, cand.span):
        return [cand]
    after = [sp for sp in r.spans if sp[0] >= cand.span[1]]
    return [cand, _Candidate(cand.rank, after[0], cand.score, cand.lexical)] if after else [cand]


def choose_sentences(ranked: list[Ranked], params: RankingParams = DEFAULTS) -> list[_Candidate]:
    """The best sentence, plus up to two more nearly as good, in reading order.

    A heading chosen as best brings the sentence after it. With no lexical evidence at all
    (an English or fully paraphrased question), the lead of the best passage is taken:
    in this genre a section opens with its point.
    """
    cands = _candidates(ranked, params)
    if not cands:
        return []
    if max(c.lexical for c in cands) == 0.0:
        return _with_followers(ranked, [c for c in cands if c.rank == 0][0])
    cands.sort(key=lambda c: -c.score)
    best = cands[0]
    chosen = _with_followers(ranked, best)
    taken = {(c.rank, c.span) for c in chosen}
    for c in cands[1:]:
        if len(chosen) >= params.max_sentences or c.score < params.keep_ratio * best.score:
            break
        if c.lexical > 0 and (c.rank, c.span) not in taken and not _is_heading(ranked[c.rank], c.span):
            chosen.append(c)
            taken.add((c.rank, c.span))
    return sorted(chosen, key=lambda c: (c.rank, c.span))


def compose_answer(question: str, asked: str, ranked: list[Ranked], params: RankingParams = DEFAULTS,
                   supported: bool | None = None) -> Answer:
    """Answer with verbatim cited sentences, or an unsupported answer with related hits.

    ``supported``: the refusal decision when the caller made it (qa.refusal); else the thresholds here.
    """
    supported = is_supported(ranked, params) if supported is None else supported
    chosen = choose_sentences(ranked, params) if supported else []
    sentences = []
    marks: dict[int, list[tuple[int, int]]] = {}
    for c in chosen:
        hit = ranked[c.rank].hit
        a, b = c.span
        sentences.append(AnswerSentence(text=hit.text[a:b], cite=hit.rank, chunk_id=hit.chunk_id,
                                        start=hit.start + a, end=hit.start + b))
        marks.setdefault(c.rank, []).append((a, b))
    hits = tuple(replace(r.hit, highlights=tuple(marks.get(i, ()))) for i, r in enumerate(ranked))
    return Answer(question=question, sentences=tuple(sentences), hits=hits, supported=supported,
                  resolved_question=None if asked == question else asked)
