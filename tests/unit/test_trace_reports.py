"""Tracing over all 88 reports (1921–2025), checked against a brute-force count over the cleaned texts.

Read from ``../shared/corpus_reports`` beside the checkout (or ``QA_TEST_REPORTS_DIR``); skipped
only on a developer machine without it, while under CI a missing corpus fails.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from _reports import FULL, brute_force, brute_years, build_index, flat

from index.stores.local import LocalStore
from qa.trace import trace_phrase
from qa.trace_question import parse_trace_question, trace_answer
from qa.tracing import run_trace

if not (FULL.is_dir() and any(FULL.glob("*.txt"))):
    if os.environ.get("CI"):
        raise RuntimeError(f"the reports corpus is missing at {FULL} (set QA_TEST_REPORTS_DIR)")
    pytest.skip(f"no reports corpus at {FULL}", allow_module_level=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    opened = build_index(FULL, tmp_path_factory.mktemp("reports-full"))
    yield opened
    opened.close()


def test_every_report_is_dated_and_undated_would_be_listed(store: LocalStore) -> None:
    status = store.status()
    assert status.documents == 88 and status.undated == []


def test_xinzhi_productive_forces_first_appear_in_2024(store: LocalStore) -> None:
    t = trace_phrase(store, "新质生产力")
    assert t.first is not None and t.first.date == "2024-03-05"
    assert {p.label for p in t.used_periods()} == brute_years(FULL, "新质生产力") == {"2024", "2025"}


def test_four_modernizations_run_from_1978_to_1988(store: LocalStore) -> None:
    t = trace_phrase(store, "四个现代化")
    years = {p.label for p in t.used_periods()}
    assert years == brute_years(FULL, "四个现代化")
    assert (min(years), max(years)) == ("1978", "1988")
    assert t.first is not None and t.first.date == "1978" and t.last is not None and t.last.date == "1988"


@pytest.mark.parametrize("phrase", ["四个现代化", "小康社会", "全面建成小康社会", "全面建设小康社会", "中国特色社会主义",
                                    "有中国特色的社会主义", "共同富裕", "社會主義", "党", "改革"])
def test_counts_equal_a_brute_force_count(store: LocalStore, phrase: str) -> None:
    t = trace_phrase(store, phrase)
    assert Counter(Path(o.doc_path).name for o in t.occurrences) == brute_force(FULL, phrase)
    assert all(flat(o.matched) == flat(phrase) for o in t.occurrences)


def test_a_first_use_question_is_answered_from_the_trace(store: LocalStore) -> None:
    asked = parse_trace_question("“新质生产力”是哪一年首次提出的？")
    assert asked is not None
    answer = trace_answer("“新质生产力”是哪一年首次提出的？", asked, run_trace(store, [asked.phrase]), store.speech_text)
    assert answer is not None and answer.summary is not None
    assert answer.summary.startswith("“新质生产力”最早见于政府工作报告 (2024-03-05)")
    assert answer.hits[0].date == "2024-03-05" and "新质生产力" in answer.sentences[0].text
    hit = answer.hits[0]
    (start, end), = hit.matches
    assert store.speech_text(hit.chunk_id).text[hit.start + start:hit.start + end] == "新质生产力"
