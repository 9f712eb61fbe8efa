"""Tracing several phrases and, on request, their variants: what ``QAEngine.trace`` runs.

Kept apart from :mod:`qa.trace` (one phrase, the data) and :mod:`qa.variants` (finding
variants), which both only read a store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from index.embed import Encoder
from index.stores.base import Store
from index.types import Filters
from qa.errors import EmptyQuestionError
from qa.trace import GroupBy, PhraseTrace, Trace, trace_phrase
from qa.variants import find_variants


def run_trace(store: Store, phrases: Sequence[str], *, filters: Filters | None = None, by: GroupBy = "year",
              context: int = 0, encoder: Callable[[], Encoder] | None = None) -> Trace:
    """Trace each phrase (duplicates once); with an ``encoder`` (the query encoder, loaded on
    demand) each phrase is followed by its variants (:mod:`qa.variants`), each traced on its own."""
    started = time.perf_counter()
    asked = [p.strip() for p in dict.fromkeys(phrases) if p.strip()]
    if not asked:
        raise EmptyQuestionError("give a phrase to trace, e.g. qa trace 新质生产力")
    out: list[PhraseTrace] = []
    for phrase in asked:
        main = trace_phrase(store, phrase, filters, by=by, context=context)
        out.append(main)
        if encoder is not None:
            for variant in find_variants(store, encoder(), main, filters):
                if variant.text not in asked:
                    out.append(trace_phrase(store, variant.text, filters, by=by, context=context,
                                            variant_of=phrase, similarity=variant.similarity))
    return Trace(tuple(out), by, filters or Filters(), time.perf_counter() - started)


__all__ = ["run_trace"]
