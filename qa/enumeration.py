"""Enumerations written inside a sentence, and what kind of item a list question asks for.

Not every list is a run of headings. "学习型城区建设有哪些单位获得了表彰？" is answered by one clause,
"我区检察院、河苑社区等5个单位被授予…": the items are a run separated by 、 inside a sentence, and the
words around the run ("等5个单位", "区领导蔡达林、冯军…", "“事不过夜、马上就办…”的作风") name what
kind of item they are. So a list question is read for the *kind* it asks for — the noun phrase after
哪些 / 哪几 (单位, 区领导, 作风要求) — and a sentence that enumerates (two or more items joined by 、)
with that kind named *outside* its items is an answer: the enumeration, whole, verbatim and cited.

Both rules are general facts of Chinese: 哪些 / 哪几 + measure word opens the noun phrase asked
about, and 、 (the enumeration comma, 顿号) joins coordinate items, the phrase naming them standing
before or after the run. A kind word found only *inside* an item ("政府机关、企事业单位、社区") is no
match: there the item is a kind of unit, not the units asked for. A generic kind (方面, 工作, 内容:
"哪几方面工作") says nothing about the items and leaves the question to the heading runs (qa.lists).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from index.normalize import normalize_same_length
from qa.params import DEFAULTS, RankingParams
from qa.ranking import Ranked
from qa.types import Answer, AnswerSentence

#: 哪些 / 哪几 with an optional measure word ("哪几项", "哪几种"): the noun phrase asked about follows.
_MARKER = re.compile(r"(?:哪一?些|哪几)[个位项种类条点家所大名批]?")
#: The end of the phrase asked about: a clause break.
_CLAUSE_END = re.compile(r"[，。？！；：,.?!;:\s]")
#: Kinds that do not say what the items are: any enumeration may answer "哪几方面工作".
_GENERIC = frozenset({"方面", "工作", "内容", "事情", "东西", "部分", "环节", "情况", "问题", "事项"})
#: Words before the noun that qualify it without naming a kind ("主要任务" asks for 任务).
_QUALIFIERS = frozenset({"主要", "重要", "重点", "相关", "具体", "其他", "其它", "哪", "些", "几"})
#: Clause breaks inside a sentence: a run of 、-items never spans one.
_CLAUSE = re.compile(r"[^，,：:（）()]+")


def asked_kind(question: str, cut: Callable[[str], list[str]]) -> tuple[str, ...]:
    """The words naming the kind of item a list question asks for ("哪些单位获得了表彰" → 单位,
    "哪些抓落实的作风要求" → 作风, 要求); empty when none is named or it is generic.

    The phrase runs from the marker to the next clause break. Its head: with a 的 among its first
    three words, the words after it ("抓落实的作风要求": 抓落实 only qualifies them), or those before
    it when the words after are generic ("哪些地区的问题" asks for 地区); else its first word, a
    one-character word joined to the next ("区" + "领导" → 区领导).
    """
    text = normalize_same_length(question)
    m = _MARKER.search(text)
    if m is None:
        return ()
    end = _CLAUSE_END.search(text, m.end())
    rest = text[m.end() : end.start() if end else len(text)]
    words = [w for w in cut(rest) if w.strip() and any(c.isalnum() for c in w)]
    while words and words[0] in _QUALIFIERS:
        words = words[1:]
    if not words or words[0] in _GENERIC:
        return ()
    if "的" in words[:3]:
        i = words.index("的")
        after = [w for w in words[i + 1 : i + 3] if len(w) > 1 and w not in _GENERIC]
        picked = after or [w for w in words[:i] if len(w) > 1]
    else:
        head = words[0] + words[1] if len(words[0]) == 1 and len(words) > 1 else words[0]
        picked = [head] if len(head) > 1 else []
    return tuple(w for w in dict.fromkeys(picked) if w not in _GENERIC and w not in _QUALIFIERS)


@dataclass(frozen=True)
class Run:
    """A 、-enumeration inside a sentence, in the clause holding it."""

    start: int  # offsets of the clause holding the run, in the sentence
    end: int
    items: int  # how many items the run joins
    first: str  # the clause up to the first 、 and from the last one (normalized): the first and last
    last: str  # items with the words around the run, where the kind of its items is named


def runs(sentence: str, params: RankingParams = DEFAULTS) -> list[Run]:
    """The 、-enumerations of ``sentence``: clauses with 2+ items, every inner item at most
    ``params.enum_item_chars`` long."""
    norm = normalize_same_length(sentence)
    out = []
    for m in _CLAUSE.finditer(norm):
        parts = m.group().split("、")
        if len(parts) < 2 or any(not p.strip() or len(p) > params.enum_item_chars for p in parts[1:-1]):
            continue
        if not parts[0].strip() or not parts[-1].strip():
            continue
        out.append(Run(m.start(), m.end(), len(parts), parts[0], parts[-1]))
    return out


def _attached(run: Run, word: str, params: RankingParams) -> bool:
    """Whether ``word`` names the run's items: in its first segment, ending at most an item's length
    (``params.enum_item_chars``) before the first 、 ("区领导蔡达林、…"), or in its last, starting at
    most an item's length plus ``params.enum_connector_chars`` (quotes, 等N个, 的) after the last 、
    ("…、河苑社区等5个单位", "…、手触为真”的作风")."""
    at = run.first.rfind(word)
    if at >= 0 and len(run.first) - (at + len(word)) <= params.enum_item_chars:
        return True
    at = run.last.find(word)
    return 0 <= at <= params.enum_item_chars + params.enum_connector_chars


def names_kind(sentence: str, kind: Sequence[str], params: RankingParams = DEFAULTS) -> bool:
    """Whether ``sentence`` enumerates items of ``kind``: a 、-run with one of the kind's words
    attached to it (:func:`_attached`), not inside an inner item."""
    return bool(kind) and any(_attached(run, w, params) for run in runs(sentence, params) for w in kind)


@dataclass(frozen=True)
class Inline:
    """The sentence chosen to answer a list question with the enumeration it holds."""

    rank: int  # index into the ranked passages
    span: tuple[int, int]  # the sentence, in the passage's text
    score: float


def find_inline(kind: Sequence[str], ranked: Sequence[Ranked], params: RankingParams = DEFAULTS) -> Inline | None:
    """The best sentence of the top ``params.list_passages`` passages that enumerates items of
    ``kind`` (:func:`names_kind`) and holds at least one of the question's words, scored as answer
    sentences are (its coverage plus ``params.passage_weight`` x the passage's score over the best).

    Only passages scoring at least ``params.enum_passage_ratio`` of the best one, and matching a year
    the question names as well as any top passage (as qa.compose does), are read: a kind word is
    common ("地区", "活动"), and an enumeration of it in a passage about something else is no answer.
    """
    top = ranked[0].score if ranked and ranked[0].score else 1.0
    shown = ranked[: params.list_passages]
    best_year = max((r.year_match for r in shown), default=0.0)
    best: Inline | None = None
    for i, r in enumerate(shown):
        if r.year_match < best_year or r.score < params.enum_passage_ratio * top:
            continue
        for span, lexical in zip(r.spans, r.answer_scores or r.sentence_scores, strict=True):
            if lexical <= 0 or not names_kind(r.hit.text[span[0] : span[1]], kind, params):
                continue
            score = lexical + params.passage_weight * r.score / top
            if best is None or score > best.score:
                best = Inline(i, span, score)
    return best


def inline_answer(answer: Answer, ranked: Sequence[Ranked], inline: Inline) -> Answer:
    """``answer`` as the enumerating sentence alone, cited, its passage shown first."""
    chosen = ranked[inline.rank].hit
    hits = [chosen] + [r.hit for j, r in enumerate(ranked) if j != inline.rank]
    hits = [replace(h, rank=n, highlights=()) for n, h in enumerate(hits, 1)]
    a, b = inline.span
    sentence = AnswerSentence(text=chosen.text[a:b], cite=1, chunk_id=chosen.chunk_id,
                              start=chosen.start + a, end=chosen.start + b)
    hits[0] = replace(hits[0], highlights=((a, b),))
    return replace(answer, sentences=(sentence,), hits=tuple(hits))
