"""Variants of a formulation: wordings that differ a little but mean the same (``--similar``).

"全面建成小康社会" has a history of its own next to "全面建设小康社会"; "有中国特色的社会主义" next
to "中国特色社会主义". A variant is found from the index's own words and vectors, never from a
list, and then traced on its own, labelled as a variant (never merged into the phrase):

1. **Where to look**: passages near the phrase — BM25 on its words (``Store.lexical_search``),
   dense search with the phrase's query vector, and dense search with the centroid of the
   stored vectors of the passages that use it (``Store.dense_search``, ``Store.vectors``).
2. **Candidates**: runs of whole words (the index's own cut, ``Store.cut``) in those passages
   whose text is within a small character edit distance of the phrase, hold its first and its
   last word (the change is inside it), and neither contain it nor are contained in it (a longer or shorter phrase is
   not another wording: its uses include or are included in the phrase's); of runs that hold
   one another, the shortest ("全面建设小康社会", not "要全面建设小康社会").
3. **Same meaning**: the query encoder embeds each candidate and the phrase; candidates below
   a cosine threshold are dropped, the rest ranked by cosine, then by how often they occur.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embed import Encoder
from index.normalize import normalize_same_length
from index.stores.base import Store
from index.stores.phrases import fold
from index.types import Filters
from qa.trace import PhraseTrace


@dataclass(frozen=True)
class VariantParams:
    """How variants are found; see ``scripts/variant_candidates.py`` for the data behind each value."""

    #: Passages each of the three searches proposes: 30 each (~60–90 distinct) keeps the search
    #: under ~0.45 s per phrase on the reports corpus (same run) while every variant above was
    #: already found with 10.
    pool: int = 30
    #: Most characters a variant may differ by: one per ``chars_per_edit`` of the phrase, at least
    #: one; the variants above differ by 1 (8 characters: 2 allowed).
    chars_per_edit: int = 4
    #: Shortest phrase that gets variants: with one edit allowed, a 2–3 character word matches
    #: too many other words to be a formulation.
    min_phrase: int = 4
    #: Cosine (query encoder) a candidate needs with the phrase. scripts/variant_candidates.py over the
    #: reports corpus (24 common 提法, multilingual-e5-small, 2026-11-24): the 8 candidates left by the
    #: word rules, all true variants by reading (全面建设小康社会, 中国特色的社会主义, 西部开发, …), score
    #: 0.926–0.997; two *different* 提法 of the list score 0.87 (median), and 6% of such pairs reach
    #: 0.9, 2% reach 0.92. e5's cosines of short phrases are too compressed to decide alone: the word
    #: rules do, and this is a guard, kept 0.026 below the lowest variant seen.
    min_similarity: float = 0.9
    #: Most variants per phrase.
    limit: int = 5


DEFAULT_VARIANTS = VariantParams()


@dataclass(frozen=True)
class Variant:
    """A wording close to the phrase: its folded text, cosine to the phrase, uses in the passages looked at."""

    text: str
    similarity: float
    seen: int


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def word_runs(words: Sequence[str], shortest: int, longest: int) -> list[str]:
    """Every run of consecutive ``words`` (whitespace and punctuation end a run) whose joined
    length lies in ``[shortest, longest]``."""
    runs = []
    for i in range(len(words)):
        text = ""
        for word in words[i:]:
            if not word.strip() or not any(ch.isalnum() for ch in word):
                break
            text += word
            if len(text) > longest:
                break
            if len(text) >= shortest:
                runs.append(text)
    return runs


def edit_budget(phrase: str, params: VariantParams = DEFAULT_VARIANTS) -> int:
    """Most characters a variant of ``phrase`` may differ by."""
    return max(1, len(phrase) // params.chars_per_edit)


def windows(text: str, word: str, reach: int) -> list[str]:
    """The stretches of ``text`` within ``reach`` characters of each use of ``word`` (merged where
    they overlap): every run that could hold a variant starting or ending near that word, so only
    these need cutting into words (jieba on whole passages was most of the time)."""
    spans: list[list[int]] = []
    for m in re.finditer(re.escape(word), normalize_same_length(text)):
        lo, hi = max(0, m.start() - reach), m.end() + reach
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    return [text[lo:hi] for lo, hi in spans]


def candidates(phrase: str, phrase_words: Sequence[str], texts_words: Sequence[Sequence[str]],
               params: VariantParams = DEFAULT_VARIANTS) -> Counter[str]:
    """Word runs within the edit budget of the folded ``phrase`` that keep its first and last
    words (``phrase_words``: its cut) and hold no shorter such run, with how often each was seen.

    Keeping both ends makes the change an inner one, as in 全面建[成→设]小康社会 or 中国特色[+的]社会主义;
    without it, a shorter phrase plus a particle ("社会主义市场经济的" for "社会主义市场经济体制")
    passes the edit distance.
    """
    budget = edit_budget(phrase, params)
    ends = [w for w in phrase_words if w.strip()]
    seen: Counter[str] = Counter()
    for words in texts_words:
        for run in word_runs(words, len(phrase) - budget, len(phrase) + budget):
            seen[run] += 1
    close = {run: n for run, n in seen.items()
             if phrase not in run and run not in phrase
             and len(ends) > 1 and ends[0] in run and ends[-1] in run
             and edit_distance(run, phrase, budget) <= budget}
    # "要全面建设小康社会" is the variant with a word attached: keep the shortest wording
    return Counter({run: n for run, n in close.items() if not any(o != run and o in run for o in close)})


def _related_chunks(store: Store, encoder: Encoder, trace: PhraseTrace, filters: Filters | None,
                    params: VariantParams) -> list[int]:
    """Chunk ids near the phrase by its words, its query vector and the centroid of its uses."""
    ids = [cid for cid, _ in store.lexical_search(trace.phrase, params.pool, filters)]
    query = np.asarray(encoder.encode_query(trace.phrase), np.float32)
    ids += [cid for cid, _ in store.dense_search(query, params.pool, filters)]
    used = list(dict.fromkeys(o.chunk_id for o in trace.occurrences))[:200]
    if used:
        centroid = store.vectors(used).mean(axis=0)
        norm = float(np.linalg.norm(centroid))
        if norm:
            ids += [cid for cid, _ in store.dense_search(centroid / norm, params.pool, filters)]
    return list(dict.fromkeys(ids))


def find_variants(store: Store, encoder: Encoder, trace: PhraseTrace, filters: Filters | None = None,
                  params: VariantParams = DEFAULT_VARIANTS) -> list[Variant]:
    """The phrase's variants, most similar first (empty for a phrase shorter than ``min_phrase``)."""
    phrase, _gaps = fold(trace.phrase)
    if len(phrase) < params.min_phrase:
        return []
    rows = store.chunks_by_ids(_related_chunks(store, encoder, trace, filters, params))
    words = [w for w in store.cut(phrase) if w.strip()]
    if len(words) < 2:
        return []
    reach = len(phrase) + edit_budget(phrase, params)
    parts = [part for r in rows for part in windows(r.text, words[0], reach)]
    found = candidates(phrase, words, [store.cut(part) for part in parts], params)
    if not found:
        return []
    texts = list(found)
    vectors = np.vstack([np.asarray(encoder.encode_query(t), np.float32) for t in [phrase, *texts]])
    sims = vectors[1:] @ vectors[0]
    kept = [Variant(t, float(s), found[t]) for t, s in zip(texts, sims, strict=True) if s >= params.min_similarity]
    kept.sort(key=lambda v: (-v.similarity, -v.seen, v.text))
    return kept[: params.limit]


__all__ = ["DEFAULT_VARIANTS", "Variant", "VariantParams", "candidates", "edit_budget", "edit_distance", "find_variants", "windows",
           "word_runs"]
