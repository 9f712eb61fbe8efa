"""Sentence splitting and lexical matching used to pick answer sentences and highlights.

Kept apart from the engine so it is pure (strings in, spans out) and testable on real text.
Matching runs on a *normalized view* (NFKC, traditional→simplified, lowercase) of the same
length as the original, so spans found there are spans in the original text too.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from index.lexical import full_cut
from index.normalize import normalize_same_length
from qa.params import DEFAULTS, RankingParams

#: Cuts a text into (normalized) words.
Cut = Callable[[str], list[str]]

#: Sentence ends; a closing quote or bracket right after one stays with its sentence.
_SENT_END = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)\"']*|\n|$)")

#: Question words and particles that say nothing about the topic: they must not make a
#: sentence look relevant. General Chinese interrogatives, not tuned to any question.
_QUESTION_NOISE = frozenset({
    "什么", "怎么", "怎样", "如何", "哪些", "哪个", "哪里", "为什么", "为何", "是否", "有没有", "多少", "几个",
    "吗", "呢", "吧", "呀", "的", "了", "是", "有", "在", "要", "把", "和", "与", "及", "对",
    "我们", "你们", "他们", "应该", "应当", "需要", "能够", "可以", "请问", "一下",
    # single-character prepositions and adverbs: grammar, not topic
    "从", "向", "给", "被", "让", "由", "以", "于", "跟", "往", "将", "就", "都", "也", "还", "又", "会", "该",
    "所", "着", "过", "得", "地", "哪", "几", "谁",
})


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


def query_terms(question: str, cut: Cut | None = None) -> list[str]:
    """The words of the question that can carry its topic (jieba's precise cut, normalized).

    Whole words, not overlapping bigrams, so a long term (统一战线) counts once rather than
    three times; question words and particles are dropped. ``cut`` is the index's own
    small-dictionary cutter (``LexicalIndex.cut``), which spares loading jieba's full
    dictionary on a cold start; without it, full jieba is used.
    """
    words = (cut or full_cut)(question)
    return [w for w in dict.fromkeys(words) if w.strip() and any(c.isalnum() for c in w) and w not in _QUESTION_NOISE]


#: A date named down to the month ("1998年6月", "6月5日").
_DATE = re.compile(r"(?:(?<!\d)\d{4}年)?(?<!\d)\d{1,2}月(?:\d{1,2}[日号])?")


def sentence_terms(question: str, cut: Cut | None = None) -> list[str]:
    """:func:`query_terms`, and each date named down to the month as one more, whole term.

    Cut apart, "1998年6月至2000年4月" leaves the terms 1998, 6, 2000, 4 and 年/月: single digits
    found in any sentence holding the digit, and years every sentence of a biography or a
    chronicle shares. Whole, the dates single out the sentence that names that period, which is
    what a question naming it asks about (CMRC 2018: "1998年6月至2000年4月，…担任什么职务？").
    The parts stay terms too, for text that writes the date another way ("1992年…同年7月").
    """
    dates = [m.group(0) for m in _DATE.finditer(normalize_same_length(question))]
    return list(dict.fromkeys(dates + query_terms(question, cut)))


def _latin(term: str) -> bool:
    """Whether a term is a word in Latin letters (English and the like)."""
    return term.isascii() and term.isalpha()


#: Interrogatives a sentence answering the question does not repeat: no part of the wording a
#: verbatim match looks for.
_ASKING = re.compile(r"有没有|为什么|有什么|是什么|什么是|什么|怎么样|怎么|怎样|如何|哪些|哪个|哪里|为何|是否|多少|[吗呢吧]")


def letters(norm: str) -> str:
    """The letters, digits and characters of normalized text: punctuation and spaces left out."""
    return "".join(ch for ch in norm if ch.isalnum())


def _core(question: str) -> str:
    """The normalized question without punctuation, spaces or interrogatives: what a verbatim match is measured on."""
    return letters(_ASKING.sub("", normalize_same_length(question)))


def phrase_share(core: str, sentence_norm: str, minimum: int = DEFAULTS.phrase_min) -> float:
    """Length of the longest stretch of ``core`` (>= ``minimum`` chars) found verbatim in the sentence, over len(core).

    Found through the question's ``minimum``-grams: consecutive present grams make one stretch.
    """
    if len(core) < minimum:
        return 1.0 if core and core in sentence_norm else 0.0
    best = run = 0
    for i in range(len(core) - minimum + 1):
        run = run + 1 if core[i : i + minimum] in sentence_norm else 0
        best = max(best, run)
    return (best + minimum - 1) / len(core) if best else 0.0


class SentenceScorer:
    """IDF-weighted coverage of the question's words by a sentence and the headings above it,
    plus the share of the question found there verbatim.

    IDF is computed over the candidate sentences themselves, so words every candidate
    shares (the collection's jargon) count less than the ones that single out the answer.
    A question word found only in the headings above a sentence counts ``params.context_weight``
    (the heading says what the sentence under it is about: "四要转变作风促落实" › "要大力弘扬…的作风").
    A sentence holding (nearly) the whole query verbatim covers it fully: users type a 提法
    ("应配尽配", "小办公大服务") expecting exactly that wording, which word coverage alone may
    not reward (jieba cuts a 提法 into pieces every passage shares).
    """

    def __init__(self, question: str, sentences: Sequence[str], contexts: Sequence[str] | None = None,
                 cut: Cut | None = None, params: RankingParams = DEFAULTS,
                 synonyms: Sequence[Sequence[str]] = (), leads: Sequence[str] | None = None,
                 count_unseen: bool = True) -> None:
        # ``leads``: the first sentence of each sentence's passage, read by :meth:`answer_score` only
        # ``synonyms``: the question's terms as groups of alternatives (a translated English
        # phrase), a group counting as found when any of its words is; it replaces the cut words
        groups = [tuple(g) for g in synonyms if g] or [(t,) for t in sentence_terms(question, cut)]
        self.terms = [g[0] for g in groups]
        self._present: list[dict[str, float]] = []
        self._around: list[dict[str, float]] = []
        self._phrase: list[float] = []
        core = "" if synonyms else _core(question)
        df: Counter[str] = Counter()
        folded: dict[str, str] = {}  # the sentences of one passage share its headings
        for i, sent in enumerate(sentences):
            norm = normalize_same_length(sent)
            # both sides without punctuation: "组织、宣传、统战工作" is the wording "组织宣传统战工作" asks for
            share = phrase_share(core, letters(norm), params.phrase_min) if core else 0.0
            self._phrase.append(share if share >= params.phrase_full else 0.0)
            if contexts and contexts[i] not in folded:
                folded[contexts[i]] = normalize_same_length(contexts[i])
            context = folded[contexts[i]] if contexts else ""
            present = {g[0]: 1.0 if any(w in norm for w in g) else params.context_weight
                       for g in groups if any(w in norm or w in context for w in g)}
            self._present.append(present)
            df.update(t for t, w in present.items() if w == 1.0)
            if leads:
                if leads[i] not in folded:
                    folded[leads[i]] = normalize_same_length(leads[i])
                lead = folded[leads[i]]
                self._around.append({g[0]: params.lead_weight for g in groups
                                     if g[0] not in present and any(w in lead for w in g)})
        self.words = [w for g in groups for w in g]  # every word matched, for highlighting
        seen = {t for present in self._present for t in present}
        # A Latin-script word no candidate contains says nothing about the topic of a Chinese
        # collection (an English question, or English around a Chinese term): leave it to the
        # dense side. An absent Chinese word, by contrast, is evidence (今天天气 → off topic).
        # ``count_unseen=False``: words no candidate holds are left out too, when the question is
        # only which candidate fits best (whether to answer at all is decided elsewhere)
        self.terms = [t for t in self.terms if t in seen or (count_unseen and not _latin(t))]
        n = len(sentences)
        self.idf = {t: math.log((n + 1) / (df[t] + 0.5)) for t in self.terms}
        self._total = sum(self.idf.values()) or 1.0

    def score(self, index: int) -> float:
        """How well sentence ``index`` (with its headings) covers the question, 0..1."""
        words = sum(self.idf[t] * w for t, w in self._present[index].items()) / self._total
        return max(words, self._phrase[index])

    def answer_score(self, index: int) -> float:
        """:meth:`score`, with the question's words found in the lead sentence of the sentence's passage
        counting ``params.lead_weight``: a passage names its subject in its first sentence and then
        says "它的…" or "本鱼…", and the sentence answering about the subject is one of those — the one
        holding the question's other words, not the lead that only names the subject."""
        if not self._around:
            return self.score(index)
        around = sum(self.idf[t] * w for t, w in self._around[index].items() if t in self.idf) / self._total
        return max(self.score(index), self._phrase[index], self.score(index) + around)


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Merged spans of ``text`` where any of ``terms`` (normalized words) occurs, for highlighting."""
    norm = normalize_same_length(text)
    found = sorted((m.start(), m.end()) for term in terms if term for m in re.finditer(re.escape(term), norm))
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans
