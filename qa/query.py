"""From the question as typed to what each retriever reads: a :class:`QueryPlan`.

Three things are settled once, before retrieval:

* **Length.** A question longer than :data:`qa.limits.MAX_QUESTION_CHARS` is cut there, and the
  answer says so (``Answer.notice``): a pasted page would otherwise take seconds to encode and to
  match word by word against every candidate sentence, and no question needs that much text.
* **Kind** (qa.intent): list, why, how, fact or other, and the years the question names.
* **Language.** An English question is translated into Chinese keywords (qa.crosslingual), which
  BM25 and the sentence scorer read instead of the English words, and the encoder reads beside
  them; a traditional-script question is folded to simplified for the encoder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index.embed import Encoder
from index.normalize import normalize_same_length, to_simplified
from index.stores.base import Store
from qa.crosslingual import Translation, choose_senses, translate
from qa.intent import Intent, classify
from qa.limits import cut_question
from qa.params import DEFAULTS, RankingParams
from qa.sentences import query_terms

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class QueryPlan:
    """What retrieval and answering read of one question."""

    question: str  # as asked, after any cut
    intent: Intent
    lexical: str  # what BM25 and the sentence scorer match
    dense: tuple[str, ...]  # what the encoder embeds (several texts: their mean vector)
    synonyms: tuple[tuple[str, ...], ...] = ()  # alternative words per translated phrase (English)
    translation: Translation | None = None
    notice: str | None = None  # said with the answer (the question was cut)
    #: Share of the question's content words the collection uses at all (translated ones for
    #: English): evidence for refusal ("今天天气" — 天气 is in no speech).
    share: float = 1.0
    #: The encoder's vector of ``dense[0]`` when planning already computed it (an English
    #: question's senses are chosen with it), so that ranking does not encode it again.
    first_vector: np.ndarray | None = field(default=None, compare=False)


def plan_query(question: str, store: Store | None = None, params: RankingParams = DEFAULTS,
               encoder: Encoder | None = None) -> QueryPlan:
    """The plan for ``question``; without a store an English question is not translated.

    ``encoder``: the query encoder; with it, an English question's senses are also chosen by
    the passages nearest the English sentence (see :func:`_feedback`)."""
    question, notice = cut_question(question)
    question = question.strip()
    intent = classify(question)
    if intent.english and store is not None:
        tr = translate(question, store.term_counts, per_phrase=params.translation_candidates)
        qvec = encode_normalized(encoder, question, params) if encoder is not None and tr.text else None
        tr = choose_senses(tr, _feedback(tr.text, store, params, qvec), params.translation_words)
        # Chinese written into the English question ("what did they say about 意识形态工作责任制?")
        # is kept as it is, and counts as found words
        chinese = [to_simplified(part) for part in _CJK_RUN.findall(question)]
        found, words = _used(" ".join(chinese), store)
        share = round((tr.found + found) / max(tr.content + words, 1), 3)
        keywords = " ".join([tr.text, *chinese]).strip()
        if keywords:
            # the encoder reads both: the English sentence and its Chinese keywords (their mean
            # vector ranked the gold passage first or second for 5 of the 6 seeds' English
            # questions, either alone for 2 or 3; scripts/eval_retrieval.py, 2026-11-24)
            groups = tuple(words for _, words in tr.phrases) + tuple((c,) for c in chinese)
            return QueryPlan(question, intent, keywords, (question, keywords), groups, tr, notice, share, qvec)
        return QueryPlan(question, intent, question, (question,), (), tr, notice, share, qvec)
    found, words = _used(question, store) if store is not None else (1, 1)
    return QueryPlan(question, intent, question, (to_simplified(question),), (), None, notice,
                     round(found / max(words, 1), 3) if words else 1.0)


def _used(text: str, store: Store) -> tuple[int, int]:
    """(content words of ``text`` the collection uses, content words), as the lexical side cuts them."""
    if not text.strip():
        return 0, 0
    terms = query_terms(text, store.cut)
    counts = store.term_counts(terms)
    return sum(1 for t in terms if counts.get(t, 0) > 0), len(terms)


def encode_normalized(encoder: Encoder, text: str, params: RankingParams = DEFAULTS) -> np.ndarray:
    """The unit-length query vector of ``text`` (its first ``params.max_encoder_chars`` characters)."""
    vec = np.asarray(encoder.encode_query(text[: params.max_encoder_chars]), dtype=np.float32)
    return (vec / (np.linalg.norm(vec) or 1.0)).astype(np.float32)


def _feedback(keywords: str, store: Store, params: RankingParams, qvec: np.ndarray | None = None) -> list[str]:
    """Texts of the passages BM25 finds for every candidate translation at once, and those
    nearest the English sentence itself (``qvec``), normalized: where
    :func:`qa.crosslingual.choose_senses` sees which senses go together. The dense neighbours
    know what the question means even where every sense of a word is in the BM25 query (seeds'
    English questions, hit@1 0.667 → 0.833, answer unchanged; scripts/eval_retrieval.py, 2026-11-24)."""
    if not keywords or params.translation_feedback <= 0:
        return []
    ids = [cid for cid, _ in store.lexical_search(keywords, params.translation_feedback)]
    if qvec is not None and params.translation_dense_feedback > 0:
        ids += [cid for cid, _ in store.dense_search(qvec, params.translation_dense_feedback, None)]
    return [normalize_same_length(row.text) for row in store.chunks_by_ids(list(dict.fromkeys(ids)))]
