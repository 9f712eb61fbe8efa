"""List answers: a list question is answered by the items under the matching section.

In this genre the answer to "营造良好舆论环境要做好哪几方面工作？" *is* the structure: the section
that names the topic and its sub-headings 一要壮大主流舆论 / 二要把牢意识形态 / 三要突出立德润心.
So the answer is those items, each verbatim (the heading as the speech writes it) and cited to
the passage holding it, in order and complete — at any level of the heading tree, and for
首先/其次/再次/最后 runs alike.

Finding the section: every enumeration (a run of two or more sibling headings, index.outline)
under a section that overlaps one of the top passages is a candidate, the whole speech included.
Its *topic* is the section's title and the sentence leading into the run ("创建学习型城区重点抓好
四方面工作："); the items count too, at the weight of headings (``context_weight``), since their
words often repeat the question's ("牢固树立…的意识"). The candidate whose topic best covers the
question (the same IDF-weighted coverage as sentences, qa.sentences) wins, if it covers at least
``params.list_min``; otherwise the question gets an ordinary sentence answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.outline import Outline
from index.stores.base import Store
from qa.enumeration import asked_kind, find_inline, inline_answer
from qa.params import DEFAULTS, RankingParams
from qa.ranking import Ranked, to_hit
from qa.sentences import Cut, SentenceScorer
from qa.types import Answer, AnswerSentence, Hit

#: Words that only say "a list is asked for": they must not count as the topic.
_LIST_WORDS = re.compile(r"哪几|哪些|几个|几项|几点|几种|几条|几大|几方面|方面|包括|分别|主要有")


@dataclass(frozen=True)
class ListMatch:
    """The enumeration chosen to answer a list question."""

    outline: Outline
    parent: int  # heading index of the section, -1 for the speech itself
    items: tuple[int, ...]  # heading indexes, in text order
    score: float
    rank: int  # index into the ranked passages of the passage that led to it


def _topic(outline: Outline, parent: int, first: int) -> str:
    head = outline.title if parent < 0 else outline.headings[parent].title
    return f"{head} {outline.headings[first].lead}"


def _overlaps(outline: Outline, parent: int, start: int, end: int) -> bool:
    if parent < 0:
        return True
    h = outline.headings[parent]
    return h.start < end and start < h.end


def candidates(ranked: list[Ranked], store: Store, params: RankingParams) -> list[ListMatch]:
    """Every run of 2+ sibling items under a section overlapping one of the top passages."""
    seen: set[tuple[int, int, int]] = set()
    out: list[ListMatch] = []
    for rank, r in enumerate(ranked[: params.list_passages]):
        if r.speech_id < 0:
            continue
        outline = store.outline(r.speech_id)
        for parent in [-1, *range(len(outline.headings))]:
            if not _overlaps(outline, parent, r.hit.start, r.hit.end):
                continue
            for run in outline.runs(parent):
                key = (r.speech_id, parent, run[0])
                if len(run) >= 2 and key not in seen:
                    seen.add(key)
                    out.append(ListMatch(outline, parent, tuple(run), 0.0, rank))
    return out


def find_list(question: str, ranked: list[Ranked], store: Store, cut: Cut | None = None,
              params: RankingParams = DEFAULTS) -> ListMatch | None:
    """The enumeration whose topic best covers the question, or None when none covers enough."""
    found = candidates(ranked, store, params)
    if not found:
        return None
    topic_question = _LIST_WORDS.sub(" ", question)
    scorer = SentenceScorer(topic_question, [_topic(m.outline, m.parent, m.items[0]) for m in found],
                            [" ".join(m.outline.headings[i].title for i in m.items) for m in found],
                            cut=cut, params=params, count_unseen=False)
    scored = [replace(m, score=scorer.score(i)) for i, m in enumerate(found)]
    best = max(scored, key=lambda m: (m.score, -m.rank, -m.outline.headings[m.items[0]].depth))
    return best if best.score >= params.list_min else None


def list_sentences(match: ListMatch, hits: list[Hit], store: Store) -> tuple[list[AnswerSentence], list[Hit]]:
    """Each item's heading as a cited answer sentence, and the passages re-ordered so that those
    holding the items come first, in item order (fetched when not among ``hits``), then the rest:
    the passages shown first are the ones the answer cites."""
    items = [h for h in (match.outline.headings[i] for i in match.items) if h.chunk_id >= 0]
    known = {h.chunk_id: h for h in hits}
    missing = [h.chunk_id for h in items if h.chunk_id not in known]
    for row in store.chunks_by_ids(dict.fromkeys(missing)):
        known[row.chunk_id] = to_hit(0, row, 0.0, (), [])
    order = list(dict.fromkeys([h.chunk_id for h in items if h.chunk_id in known] + [h.chunk_id for h in hits]))
    ranked = [replace(known[cid], rank=i) for i, cid in enumerate(order, 1)]
    position = {hit.chunk_id: i for i, hit in enumerate(ranked)}
    sentences: list[AnswerSentence] = []
    marks: dict[int, list[tuple[int, int]]] = {}
    for h in items:
        if h.chunk_id not in position:
            continue
        i = position[h.chunk_id]
        hit = ranked[i]
        a = h.start - hit.start
        end = min(a + len(h.title), len(hit.text))
        sentences.append(AnswerSentence(text=hit.text[a:end], cite=hit.rank, chunk_id=hit.chunk_id,
                                        start=h.start, end=hit.start + end))
        marks.setdefault(i, []).append((a, end))
    return sentences, [replace(h, highlights=tuple(marks.get(i, ()))) for i, h in enumerate(ranked)]


def with_list(answer: Answer, question: str, ranked: list[Ranked], store: Store,
              params: RankingParams = DEFAULTS) -> Answer:
    """``answer`` with its sentences replaced by the items of the matching enumeration, if one matches.

    When the question names the kind of item it asks for (qa.enumeration.asked_kind: 哪些单位) and
    the matching heading run's topic does not name it, a sentence of the top passages enumerating
    items of that kind ("我区检察院、河苑社区等5个单位被授予…") answers instead, whole.
    """
    if not answer.supported:
        return answer
    match = find_list(question, ranked, store, store.cut, params)
    kind = asked_kind(question, store.cut)
    if kind and (match is None or not any(w in _topic(match.outline, match.parent, match.items[0]) for w in kind)):
        inline = find_inline(kind, ranked, params)
        if inline is not None:
            return inline_answer(answer, ranked, inline)
    if match is None:
        return answer
    sentences, hits = list_sentences(match, [replace(h, highlights=()) for h in answer.hits], store)
    return replace(answer, sentences=tuple(sentences), hits=tuple(hits)) if sentences else answer
