"""Resolve short elliptical follow-ups ("那宣传部门呢？") with the previous question's topic.

A chat user asks "组织部门有什么职责？" and then only "那宣传部门呢？". Retrieval on the
follow-up alone finds nothing useful, so the engine rewrites it into a full question by
putting the new topic into the previous question's frame: "宣传部门有什么职责". Pure text
work (jieba part-of-speech tags), no index and no UI, so it can be unit-tested directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: Leading words that make a question elliptical ("那…呢", "还有…呢"); longest first.
_SUBSTITUTE_MARKERS = ("那么", "那", "还有", "另外", "再说说", "说说")
#: Leading pronouns: the rest is an aspect *of* the previous topic ("它的作用呢").
_PRONOUN_MARKERS = ("这个", "这些", "这", "它们", "它", "其")
#: A follow-up this long (without markers/punctuation) is a new question, not an ellipsis.
_MAX_CORE = 12
#: Words that carry their own question: "那怎么办呢" is not a topic substitution.
_INTERROGATIVES = re.compile(r"怎么|怎样|如何|什么|哪些|哪个|哪里|为什么|为何|是否|多少|吗|几")
_PUNCT = " \t\r\n?？!！。.,，、…~～;；:："
#: jieba flags counted as part of a noun phrase (topic).
_NOMINAL = {"n", "nr", "ns", "nt", "nz", "nl", "ng", "vn", "j", "l", "an", "eng", "nrt", "nrfg"}


@dataclass(frozen=True)
class _Run:
    """A maximal run of nominal words in the previous question: a candidate topic."""

    start: int
    end: int
    text: str


def _strip_markers(question: str) -> tuple[str, str] | None:
    """Split a follow-up into (kind, core), or None when it does not look elliptical.

    ``kind`` is "sub" (replace the previous topic) or "pron" (an aspect of it).
    """
    text = question.strip().strip(_PUNCT)
    ends_ne = text.endswith("呢")
    text = re.sub(r"(的)?呢$", "", text).strip(_PUNCT)
    kind = ""
    for marker in _SUBSTITUTE_MARKERS:
        if text.startswith(marker):
            kind, text = "sub", text[len(marker):]
            break
    else:
        for marker in _PRONOUN_MARKERS:
            if ends_ne and text.startswith(marker):
                kind, text = "pron", text[len(marker):]
                break
    if not kind and not ends_ne:
        return None
    core = text.strip(_PUNCT)
    if len(core) > _MAX_CORE or _INTERROGATIVES.search(core):
        return None
    return (kind or "sub"), core


@lru_cache(maxsize=256)
def _nominal_runs(previous: str) -> tuple[_Run, ...]:
    """Noun-phrase-like runs of ``previous``, located by character offsets.

    A trailing idiom (jieba flag ``l``, e.g. "落到实处") ends many runs without being part of
    the topic, so it is dropped unless it is the whole run.
    """
    import jieba.posseg as pseg

    from index.lexical import jieba_module

    jieba_module().setLogLevel(60)  # jieba_module loads the dictionary posseg cuts with, quickly
    runs: list[_Run] = []
    current: list[tuple[int, str, str]] = []
    pos = 0

    def close() -> None:
        while len(current) > 1 and current[-1][2] == "l":
            current.pop()
        if current:
            start = current[0][0]
            end = current[-1][0] + len(current[-1][1])
            runs.append(_Run(start, end, previous[start:end]))
        current.clear()

    for pair in pseg.cut(previous):
        word, flag = pair.word, pair.flag
        if flag in _NOMINAL or flag.startswith("n"):
            current.append((pos, word, flag))
        else:
            close()
        pos += len(word)
    close()
    return tuple(runs)


def _pick_topic(runs: tuple[_Run, ...], core: str) -> _Run | None:
    """The run the follow-up replaces: same head noun ("组织部门" ↔ "宣传部门"), else the longest."""
    if not runs:
        return None
    tail = core[-2:]
    for run in runs:
        if len(tail) == 2 and run.text.endswith(tail):
            return run
    return max(runs, key=lambda r: (len(r.text), -r.start))


def resolve_followup(question: str, previous: str | None) -> str | None:
    """Rewrite an elliptical follow-up into a full question, or None if it is not one.

    Examples: ("那宣传部门呢？", "组织部门有什么职责？") → "宣传部门有什么职责";
    ("还有呢？", q) → q; ("它的作用呢？", "统一战线工作的主题是什么？") → "统一战线工作的作用".
    """
    if not previous or not previous.strip(_PUNCT) or not question.strip(_PUNCT):
        return None
    parsed = _strip_markers(question)
    if parsed is None:
        return None
    kind, core = parsed
    prev = previous.strip().strip(_PUNCT)
    if not core:
        return prev
    topic = _pick_topic(_nominal_runs(prev), core)
    if kind == "pron":
        head = topic.text if topic else prev
        return head + (core if core.startswith("的") else "的" + core)
    if topic is None:
        return f"{core} {prev}"
    return prev[: topic.start] + core + prev[topic.end:]
