"""Questions about a formulation's history, answered from its trace instead of by retrieval.

"'新质生产力'是哪一年首次提出的？" asks for a first use; "小康社会的提法是怎么变化的？" for how the
wording changed. Retrieval would return passages that mention the phrase, not the earliest one,
so such questions are recognised by general patterns (a quoted phrase, or the words before
"是哪一年…提出" / "的提法…变化") and answered with the first use cited and a one-line summary of
the counts; a "change" question also traces the phrase's variants (:mod:`qa.variants`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from index.stores.phrases import MAX_PHRASE
from index.types import SpeechText
from qa.trace import Occurrence, Trace, chronological, occurrence_hits
from qa.types import Answer, AnswerSentence

Kind = Literal["first", "change"]

_WHEN = r"(?:哪一?年|哪年|什么时候|什么时间|何时|哪个时候|哪次会议|哪份报告|哪一?篇)"
_EARLY = r"(?:首次|第一次|最早|最先|开始|初次)"
_SAID = r"(?:被)?(?:提出|出现|使用|提到|写入|用到|采用|见于)"
_NAME = r"(?:这一?个?|该)?(?:提法|表述|说法|概念|口号|词语?|用语)?"
_AT = r"(?:是在|是于|是|在|于)"
_CHANGE = r"(?:变化|演变|演进|变迁|沿革|改变|变动|发展变化|历程)"
_WORDING = r"(?:提法|表述|说法|用法|措辞|写法)"
_QUOTED = re.compile(r"[“\"‘'「『《]([^“”\"‘’'「」『』《》]{2,64})[”\"’'」』》]")
_FIRST = [
    re.compile(rf"^(?P<p>.+?){_NAME}(?:{_AT}?{_EARLY}?|{_EARLY}{_AT}?){_WHEN}{_EARLY}?{_SAID}"),
    re.compile(rf"^(?P<p>.+?){_NAME}{_AT}?{_EARLY}{_SAID}{_AT}?{_WHEN}"),
    re.compile(rf"^{_WHEN}{_EARLY}?{_SAID}了?(?P<p>.+?){_NAME}$"),
    re.compile(r"^when (?:was|were|did) (?:the (?:phrase|term|wording|expression) )?(?P<p>.+?) "
               r"(?:first )?(?:appear|used|use|mentioned|introduced|proposed|coined)", re.I),
]
#: A change of *wording* is asked about: the question names the wording (提法, 表述…) or quotes
#: the phrase ("经济发展有什么变化" asks about the economy, not about a formulation).
_CHANGES = [
    re.compile(rf"^(?P<p>.+?)(?:的|这一?个?){_WORDING}.*?{_CHANGE}"),
    re.compile(rf"^[“\"‘'「『](?P<p>[^”\"’'」』]{{2,64}})[”\"’'」』].*?{_CHANGE}"),
    re.compile(r"^how (?:did|has) (?:the (?:wording|phrase|term|use) (?:of )?)?(?P<p>.+?) (?:change|evolve)", re.I),
]
_TRIM = " \t\"'“”‘’「」『』《》，,。.?？!！:："


@dataclass(frozen=True)
class TraceQuestion:
    """A recognised history question: the phrase it asks about and what it wants to know."""

    phrase: str
    kind: Kind


def parse_trace_question(question: str) -> TraceQuestion | None:
    """The phrase and kind of a first-use or change-of-wording question, or None for any other."""
    text = question.strip().rstrip("？?。.!！ ")
    for kind, patterns in (("first", _FIRST), ("change", _CHANGES)):
        for pattern in patterns:
            match = pattern.search(text)
            if match is None:
                continue
            quoted = _QUOTED.search(text)
            phrase = (quoted.group(1) if quoted else match.group("p")).strip(_TRIM)
            if 2 <= len(phrase) <= MAX_PHRASE:
                return TraceQuestion(phrase, kind)  # type: ignore[arg-type]
    return None


def _first_uses(trace: Trace) -> list[Occurrence]:
    """The phrase's first use, each variant's first use, then the phrase's last use (in date order)."""
    main = trace.phrases[0]
    picks = [p.first for p in trace.phrases if p.first is not None]
    if main.last is not None and main.last.speech_id != (main.first.speech_id if main.first else None):
        picks.append(main.last)
    unique = {(o.speech_id, o.start): o for o in picks}
    return list(chronological(unique.values()))


def trace_answer(question: str, asked: TraceQuestion, trace: Trace,
                 speech_text: Callable[[int], SpeechText]) -> Answer | None:
    """The answer from ``trace`` (the phrase first, then its variants); None when the phrase is
    never used, so the question goes to ordinary retrieval instead."""
    main = trace.phrases[0] if trace.phrases else None
    if main is None or main.first is None:
        return None
    uses = _first_uses(trace) if asked.kind == "change" else [main.first]
    hits = occurrence_hits(speech_text, uses)
    sentences = tuple(AnswerSentence(h.text, h.rank, h.chunk_id, h.start, h.end) for h in hits)
    first = main.first
    lines = [f"“{main.phrase}”最早见于{first.citation()}。"]
    lines += [p.summary() + "。" for p in trace.phrases if p.total]
    return Answer(question=question, sentences=sentences, hits=hits, supported=True,
                  summary="".join(lines) if asked.kind == "first" else "\n".join(lines))


__all__ = ["TraceQuestion", "parse_trace_question", "trace_answer"]
