"""Whether the collection answers a question at all: calibrated thresholds, tied to their model.

The evidence is the best cosine among the passages answers are drawn from, the best sentence
coverage of the question's words there, and the share of the question's content words the
collection uses at all (for an English question: that found a Chinese word there, qa.crosslingual).

* **Calibrated** (the index's model is the one the thresholds were measured with,
  ``params.calibrated_model``): answered when the cosine is very high, or high with enough words
  found (``dense_sure`` / ``dense_min`` + ``lexical_min``). An English question is embedded as its
  Chinese keywords, whose cosines sit on another scale, so it has thresholds of its own
  (``en_*``). All are set by scripts/calibrate_support.py on the tuning halves.
* **Fallback** (any other model): cosines of another model mean nothing against these numbers,
  so the rule uses only what does not depend on them: the words found (``fallback_lexical_min``,
  and for English ``en_share_min``).

Which rule decided is part of every answer (``Answer.refusal_rule``), in JSON and on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.params import DEFAULTS, RankingParams
from qa.query import QueryPlan
from qa.ranking import Ranked


@dataclass(frozen=True)
class Evidence:
    """What the decision reads."""

    dense: float  # best cosine among the answer passages
    lexical: float  # best sentence coverage of the question's words there
    share: float  # content words the collection uses (translated ones for English) / content words
    english: bool


def gather(ranked: list[Ranked], plan: QueryPlan | None = None, params: RankingParams = DEFAULTS) -> Evidence:
    """The evidence of the top ``params.answer_passages`` passages."""
    top = ranked[: params.answer_passages]
    english = bool(plan and plan.intent.english)
    share = plan.share if plan else 1.0
    if not top:
        return Evidence(0.0, 0.0, share, english)
    return Evidence(max(r.dense for r in top), max(max(r.sentence_scores, default=0.0) for r in top), share, english)


def rule_for(model: str | None, params: RankingParams = DEFAULTS) -> str:
    """"calibrated" when ``model`` is the one the thresholds were measured with, else "fallback"."""
    return "calibrated" if model is None or model.strip() == params.calibrated_model else "fallback"


def decide(ev: Evidence, rule: str, params: RankingParams = DEFAULTS) -> bool:
    """Whether the evidence supports an answer under ``rule``."""
    return bool(decide_many(np.array([ev.dense]), np.array([ev.lexical]), np.array([ev.share]),
                            np.array([ev.english]), rule, params)[0])


def decide_many(dense: np.ndarray, lexical: np.ndarray, share: np.ndarray, english: np.ndarray, rule: str,
                params: RankingParams = DEFAULTS) -> np.ndarray:
    """:func:`decide` over arrays of evidence at once (what calibration grid-searches)."""
    if rule == "fallback":
        return (lexical >= params.fallback_lexical_min) & (~english | (share >= params.en_share_min))
    chinese = (share >= params.zh_share_min) & (
        (dense >= params.dense_sure) | ((dense >= params.dense_min) & (lexical >= params.lexical_min)))
    en = (share >= params.en_share_min) & (
        (dense >= params.en_dense_sure) | ((dense >= params.en_dense_min) & (lexical >= params.en_lexical_min)))
    return np.where(english, en, chinese)
