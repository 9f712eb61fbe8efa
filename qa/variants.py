"""Variants of a formulation: wordings that differ a little but mean the same (``--similar``).

"全面建成小康社会" has a history of its own next to "全面建设小康社会"; "有中国特色的社会主义" next
to "中国特色社会主义". A variant is found from the index's own words and vectors, never from a
list, and then traced on its own, labelled as a variant (never merged into the phrase):

1. **Where to look**: passages near the phrase — BM25 on its words (``Store.lexical_search``),
   dense search with the phrase's query vector, and dense search with the centroid of the
   stored vectors of the passages that use it (``Store.dense_search``, ``Store.vectors``).
2. **Candidates**: runs of whole words (the index's own cut, ``Store.cut``) in those passages
   whose text is within a small character edit distance of the phrase, share at least one of
   its words, and neither contain it nor are contained in it (a longer or shorter phrase is
   not another wording: its uses include or are included in the phrase's); of runs that hold
   one another, the shortest ("全面建设小康社会", not "要全面建设小康社会").
3. **Same meaning**: the query encoder embeds each candidate and the phrase; candidates below
   a cosine threshold are dropped, the rest ranked by cosine, then by how often they occur.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embed import Encoder
from index.stores.base import Store
from index.stores.phrases import fold
from index.types import Filters
from qa.trace import PhraseTrace


@dataclass(frozen=True)
class VariantParams:
    """How variants are found; see ``scripts/variant_candidates.py`` for the data behind each value."""

    #: Passages each of the three searches proposes.
    pool: int = 30
    #: Most characters a variant may differ by: one per ``chars_per_edit`` of the phrase, at least one.
    chars_per_edit: int = 4
    #: Shortest phrase that gets variants (a 2–3 character word has too many near neighbours).
    min_phrase: int = 4
    #: Cosine (query encoder) a candidate needs with the phrase.
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


def candidates(phrase: str, phrase_words: set[str], texts_words: Sequence[Sequence[str]],
               params: VariantParams = DEFAULT_VARIANTS) -> Counter[str]:
    """Word runs within the edit budget of the folded ``phrase`` that share one of its words and
    hold no shorter such run, with how often each was seen."""
    budget = max(1, len(phrase) // params.chars_per_edit)
    seen: Counter[str] = Counter()
    for words in texts_words:
        for run in word_runs(words, len(phrase) - budget, len(phrase) + budget):
            seen[run] += 1
    close = {run: n for run, n in seen.items()
             if phrase not in run and run not in phrase
             and any(w in run for w in phrase_words)
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
    phrase_words = {w for w in store.cut(phrase) if len(w) >= 2}
    found = candidates(phrase, phrase_words, [store.cut(r.text) for r in rows], params)
    if not found:
        return []
    texts = list(found)
    vectors = np.vstack([np.asarray(encoder.encode_query(t), np.float32) for t in [phrase, *texts]])
    sims = vectors[1:] @ vectors[0]
    kept = [Variant(t, float(s), found[t]) for t, s in zip(texts, sims, strict=True) if s >= params.min_similarity]
    kept.sort(key=lambda v: (-v.similarity, -v.seen, v.text))
    return kept[: params.limit]


__all__ = ["DEFAULT_VARIANTS", "Variant", "VariantParams", "candidates", "edit_distance", "find_variants", "word_runs"]
