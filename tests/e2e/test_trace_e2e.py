"""Tracing with the real engine and model over the sample speeches: counts, trace questions, variants."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qa.engine import QAEngine
from qa.trace_question import parse_trace_question
from tests.unit._reports import brute_force, flat

pytestmark = pytest.mark.e2e
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("phrase", ["统一战线", "意识形态工作责任制", "党建"])
def test_trace_counts_equal_a_brute_force(real_engine: QAEngine, phrase: str) -> None:
    trace = real_engine.trace([phrase])
    (t,) = trace.phrases
    assert Counter(Path(o.doc_path).name for o in t.occurrences) == brute_force(DATA, phrase)


def test_a_first_use_question_is_answered_from_the_trace(real_engine: QAEngine) -> None:
    question = "“意识形态工作责任制”是哪一年首次提出的？"
    answer = real_engine.ask(question)
    first = real_engine.trace(["意识形态工作责任制"]).phrases[0].first
    assert first is not None and answer.summary is not None
    assert answer.summary.startswith(f"“意识形态工作责任制”最早见于{first.citation()}")
    assert answer.hits[0].chunk_id == first.chunk_id and "意识形态工作责任制" in answer.sentences[0].text
    assert real_engine.ask("意识形态工作责任制怎样落实？").summary is None  # an ordinary question


def test_variants_are_traced_on_their_own_and_labelled(real_engine: QAEngine) -> None:
    trace = real_engine.trace(["全面从严治党"], similar=True)
    main, *variants = trace.phrases
    assert main.variant_of is None and main.total > 0
    for v in variants:
        assert v.variant_of == "全面从严治党" and v.similarity is not None and v.total > 0
        assert all(flat(o.matched) == flat(v.phrase) for o in v.occurrences)
    assert parse_trace_question("全面从严治党的提法是怎么变化的？") is not None
    answer = real_engine.ask("全面从严治党的提法是怎么变化的？")
    assert answer.summary is not None and answer.summary.count("\n") == len(trace.phrases)
