"""Extractive answers: 1–3 sentences copied verbatim from the top passages, each cited.

Nothing is generated: every answer sentence is a span of a stored passage, and its
offsets point at exactly those characters of the cleaned speech. When the evidence is
too weak (calibrated by scripts/calibrate_support.py) the answer says so and the passages
are offered as related reading only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.normalize import normalize_same_length
from index.outline import item_number
from qa.params import DEFAULTS, RankingParams
from qa.ranking import Ranked
from qa.reasons import draws_result, reason_flags
from qa.sentences import letters
from qa.types import Answer, AnswerSentence

#: A number as facts are stated: digits (5.5%, 1200万), 百分之…, or a Chinese numeral with a unit.
_NUMBER = re.compile(r"\d|百分之|[一二两三四五六七八九十百千万亿]+(?:个|项|倍|位|名|家|条|次|成|番)")
#: A numeral before a unit of time, in digits or Chinese numerals.
_COUNT = r"[\d〇零一二两三四五六七八九十百]+\s*"
#: A time as facts are stated: a year, month, day or century in digits or Chinese numerals
#: (1873年, 同治十二年, 10月7日, 二十世纪), or an era (1950年代, 西周时期, 公元前).
_TIME = re.compile(_COUNT + r"(?:年|月|日|世纪)|年代|公元|时期|年间")
#: Several items in a row, as a list is written: three or more joined by 、 (分布于A、B、C等地).
_ITEMS = re.compile(r"[^、。；;]+、[^、。；;]+、")
#: A year as facts are stated (1873年, 同治十二年, 1950年代, 二十世纪, 公元前): what 哪一年 asks for.
_YEAR = re.compile(_COUNT + r"(?:年|世纪)|年代|公元")
#: What each answer type looks for in a sentence (qa.intent.asked_for).
_ASKED = {"quantity": _NUMBER, "time": _TIME, "year": _YEAR}


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
    """Every sentence of the answer passages, scored; when the question names a year, only those of
    the passages matching it best (a speech of that year before one only mentioning it): the same
    sentence from another year's report is not the answer."""
    top = ranked[0].score or 1.0
    out = []
    best_year = max((r.year_match for r in ranked[:params.answer_passages]), default=0.0)
    for i, r in enumerate(ranked[:params.answer_passages]):
        if r.year_match < best_year:
            continue
        for span, lex in zip(r.spans, r.answer_scores or r.sentence_scores, strict=True):
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


def is_question(text: str) -> bool:
    """A sentence that asks (ends with ？ or ?, closing quotes aside): in a speech, a rhetorical
    question that repeats the topic ("今年,我们为什么要开展…?"); the answer is what follows it."""
    return text.rstrip("”’」』）)\"' ").endswith(("？", "?"))


def restates(sentence: str, question: str, share: float) -> bool:
    """Whether ``sentence`` says nothing the question does not: at least ``share`` of its letters
    and characters occur in the question ("在张三禄之后，分为朱、沈、阿三派。" under "在相声始祖张三禄
    之后，相声分为朱、沈、阿三派，而现今…以谁为始祖？"). Such a sentence sets up the answer; the
    one after it gives it."""
    if not question or share > 1.0:
        return False
    chars = letters(normalize_same_length(sentence))
    asked = set(normalize_same_length(question))
    return len(chars) >= 4 and sum(ch in asked for ch in chars) >= share * len(chars)


def _with_followers(ranked: list[Ranked], cand: _Candidate, kind: str = "other", question: str = "",
                    params: RankingParams = DEFAULTS) -> list[_Candidate]:
    """A heading or a question together with the sentence after it, which carries its content;
    a question with nothing after it is no answer at all (empty). Under a why-question, a
    sentence opening with 因此/所以 comes with the sentence before it: that one is the reason,
    the chosen one only restates the result asked about ("因此它也被称为笨蛋水果。")."""
    r = ranked[cand.rank]
    text = r.hit.text[cand.span[0] : cand.span[1]]
    if kind == "why" and draws_result(text):
        before = [sp for sp in r.spans if sp[1] <= cand.span[0]]
        return [_Candidate(cand.rank, before[-1], cand.score, cand.lexical), cand] if before else [cand]
    asks = is_question(text)
    if not asks and not _is_heading(r, cand.span) and not restates(text, question, params.restate_share):
        return [cand]
    after = [sp for sp in r.spans if sp[0] >= cand.span[1]]
    if not after:
        return [] if asks else [cand]
    return [cand, _Candidate(cand.rank, after[0], cand.score, cand.lexical)]


def choose_sentences(ranked: list[Ranked], params: RankingParams = DEFAULTS, kind: str = "other",
                     asks: str = "", question: str = "") -> list[_Candidate]:
    """The best sentence, plus up to two more nearly as good, in reading order.

    A heading or a question chosen as best brings the sentence after it; neither is ever added
    alone. With no lexical evidence at all (a fully paraphrased question), the lead of the best
    passage is taken: in this genre a section opens with its point. When the question asks for a
    time or a quantity (``asks``, qa.intent.asked_for: 何时, 多少, 多高, what year) a sentence
    holding one gains ``params.type_weight``: the date or number is what was asked (and a best
    sentence without one brings the neighbour that has it, :func:`_holding_neighbour`); when it asks
    why, a sentence stating a reason (qa.reasons) gains ``params.reason_weight`` of its word
    coverage: the cause or purpose is what was asked, not the claim repeating the question; under a
    list question, a sentence listing items with 、 gains ``params.items_weight`` of it. A further
    sentence joins when it scores ``params.keep_ratio`` of the best (``params.point_keep_ratio``
    for a fact or other question, which asks for one point: a reason or a measure spreads over
    sentences, a fact sits in one).
    """
    cands = _candidates(ranked, params)
    if not cands:
        return []
    pattern = _ASKED.get(asks)
    if pattern is not None:
        cands = [replace(c, score=c.score + params.type_weight) if pattern.search(_text(ranked, c)) else c
                 for c in cands]
    if kind == "list" and params.items_weight:
        cands = [replace(c, score=c.score + params.items_weight * c.lexical) if _ITEMS.search(_text(ranked, c)) else c
                 for c in cands]
    if kind == "why" and params.reason_weight:
        reasons = _reason_map(ranked, {c.rank for c in cands})
        cands = [replace(c, score=c.score + params.reason_weight * c.lexical) if reasons[c.rank][c.span] else c
                 for c in cands]
    if max(c.lexical for c in cands) == 0.0:
        cands = [c for c in cands if c.rank == 0]
    cands.sort(key=lambda c: -c.score)
    chosen: list[_Candidate] = []
    for best in cands:
        chosen = _with_followers(ranked, best, kind, question, params)
        if chosen:
            break
    if not chosen:
        return []
    if pattern is not None:
        chosen += _holding_neighbour(ranked, chosen, pattern)
    taken = {(c.rank, c.span) for c in chosen}
    most = params.fact_sentences if kind == "fact" else params.max_sentences
    keep = params.point_keep_ratio if kind in ("fact", "other") else params.keep_ratio
    for c in cands:
        if len(chosen) >= most or c.score < keep * chosen[0].score:
            break
        if (c.lexical > 0 and (c.rank, c.span) not in taken and not _is_heading(ranked[c.rank], c.span)
                and not is_question(_text(ranked, c))):
            chosen.append(c)
            taken.add((c.rank, c.span))
    if kind != "fact" and params.item_heading:
        chosen += _item_heading(ranked, chosen[0], taken)
    return sorted(chosen, key=lambda c: (c.rank, c.span))


def _holding_neighbour(ranked: list[Ranked], chosen: list[_Candidate], pattern: re.Pattern[str]) -> list[_Candidate]:
    """The sentence next to the best one that holds the time or quantity asked for, when the best
    holds none: the sentence restating the question ("…转变为支援角色。") and the one dating it
    ("1994年12月1日，…") are neighbours, and the question's words are all in the first."""
    best = chosen[0]
    if any(pattern.search(_text(ranked, c)) for c in chosen):
        return []
    spans = ranked[best.rank].spans
    at = spans.index(best.span)  # candidates are spans of their passage
    for i in (at - 1, at + 1):
        if 0 <= i < len(spans):
            near = _Candidate(best.rank, spans[i], best.score, best.lexical)
            if pattern.search(_text(ranked, near)):
                return [near]
    return []


def _reason_map(ranked: list[Ranked], ranks: set[int]) -> dict[int, dict[tuple[int, int], bool]]:
    """For each passage in ``ranks``, which of its sentences state a reason (qa.reasons)."""
    out = {}
    for rank in ranks:
        r = ranked[rank]
        out[rank] = dict(zip(r.spans, reason_flags([r.hit.text[a:b] for a, b in r.spans]), strict=True))
    return out


def _item_heading(ranked: list[Ranked], best: _Candidate, taken: set[tuple[int, tuple[int, int]]]
                  ) -> list[_Candidate]:
    """The enumerated heading (一要…/（三）…/二是…) of the best sentence's section, when its passage
    holds it: under a how, why or what question that item *is* the measure, reason or point asked
    about ("三要对标对表提质增效。"), and the best sentence its elaboration."""
    r = ranked[best.rank]
    if not r.hit.section or not item_number(r.hit.section[-1]):
        return []
    for span in r.spans:
        if span[0] > best.span[0]:
            break
        if (best.rank, span) not in taken and _is_heading(r, span) and \
                r.hit.section[-1].startswith(r.hit.text[span[0] : span[1]].rstrip("。：:，,；; ")):
            return [_Candidate(best.rank, span, best.score, best.lexical)]
    return []


def _text(ranked: list[Ranked], c: _Candidate) -> str:
    return ranked[c.rank].hit.text[c.span[0] : c.span[1]]


def compose_answer(question: str, asked: str, ranked: list[Ranked], params: RankingParams = DEFAULTS,
                   supported: bool | None = None, kind: str = "other", asks: str = "") -> Answer:
    """Answer with verbatim cited sentences, or an unsupported answer with related hits.

    ``supported``: the refusal decision when the caller made it (qa.refusal); else the thresholds
    here. ``kind`` and ``asks``: what the question asks for (qa.intent).
    """
    supported = is_supported(ranked, params) if supported is None else supported
    chosen = choose_sentences(ranked, params, kind, asks, asked) if supported else []
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
