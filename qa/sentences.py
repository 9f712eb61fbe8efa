"""Sentence splitting and lexical matching used to pick answer sentences and highlights.

Kept apart from the engine so it is pure (strings in, spans out) and testable on real text.
Matching runs on a *normalized view* (NFKC, traditional→simplified, lowercase) of the same
length as the original, so spans found there are spans in the original text too.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from functools import lru_cache

#: Sentence ends; a closing quote or bracket right after one stays with its sentence.
_SENT_END = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)\"']*|\n|$)")

#: Question words and particles that say nothing about the topic: they must not make a
#: sentence look relevant. General Chinese interrogatives, not tuned to any question.
_QUESTION_NOISE = set(
    "什么 怎么 怎样 如何 哪些 哪个 哪里 为什么 为何 是否 有没有 多少 几个 吗 呢 吧 呀 的 了 是 有 在 要 把 和 与 及 对 "
    "我们 你们 他们 应该 应当 需要 能够 可以 请问 一下".split()
)


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def _norm_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).lower()
    if len(folded) != 1:
        return ch.lower() if len(ch.lower()) == 1 else ch
    simp = _t2s().convert(folded)
    return simp if len(simp) == 1 else folded


def normalize_same_length(text: str) -> str:
    """NFKC + traditional→simplified + lowercase, one character for one, so spans carry over."""
    return "".join(_norm_char(ch) for ch in text)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` (whitespace-trimmed, never empty)."""
    spans: list[tuple[int, int]] = []
    for m in _SENT_END.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def bigrams(text: str) -> list[str]:
    """Character bigrams of the CJK/alnum runs of a normalized text (the unit of Chinese matching)."""
    out: list[str] = []
    for run in re.findall(r"[\w]+", text):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def query_terms(question: str) -> list[str]:
    """Bigrams of the question that can carry its topic (question words removed)."""
    norm = normalize_same_length(question)
    for noise in sorted(_QUESTION_NOISE, key=len, reverse=True):
        if len(noise) > 1:
            norm = norm.replace(noise, " " * len(noise))
    return [b for b in dict.fromkeys(bigrams(norm)) if b not in _QUESTION_NOISE and len(b) == 2]


class SentenceScorer:
    """IDF-weighted bigram coverage of the question by a sentence.

    IDF is computed over the candidate sentences themselves, so words every candidate
    shares (the collection's jargon) count less than the ones that single out the answer.
    """

    def __init__(self, question: str, sentences: Sequence[str]) -> None:
        self.terms = query_terms(question)
        df: Counter[str] = Counter()
        self._grams: list[set[str]] = []
        for sent in sentences:
            grams = set(bigrams(normalize_same_length(sent)))
            self._grams.append(grams)
            df.update(t for t in self.terms if t in grams)
        n = max(len(sentences), 1)
        self.idf = {t: math.log(1 + n / (1 + df[t])) for t in self.terms}
        self._total = sum(self.idf.values()) or 1.0

    def score(self, index: int) -> float:
        """Share (0..1) of the question's weighted bigrams found in sentence ``index``."""
        grams = self._grams[index]
        return sum(w for t, w in self.idf.items() if t in grams) / self._total


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Merged spans of ``text`` where any of ``terms`` (normalized bigrams) occurs, for highlighting."""
    norm = normalize_same_length(text)
    marks = [False] * len(text)
    for term in terms:
        for m in re.finditer(re.escape(term), norm):
            for i in range(m.start(), m.end()):
                marks[i] = True
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(marks):
        if marks[i]:
            j = i
            while j < len(marks) and marks[j]:
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans
