"""``qa trace`` over real reports (tests/data_reports: 1954, 1978, 1988, 2023, 2024 and more):
first use, years, scripts, line breaks, counts against a brute force, grouping and output."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from _reports import SUBSET, brute_force, brute_years, build_index, flat
from rich.console import Console

from index.stores.local import LocalStore
from index.types import Filters
from qa.trace import Trace, periods, sentence_around, trace_phrase
from qa.trace_render import bar, render_trace, shown_periods, trace_csv
from qa.tracing import run_trace


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    opened = build_index(SUBSET, tmp_path_factory.mktemp("reports-subset"))
    yield opened
    opened.close()


def test_xinzhi_productive_forces_first_appear_in_2024(store: LocalStore) -> None:
    t = trace_phrase(store, "新质生产力")
    assert t.first is not None and t.first.date is not None and t.first.date.startswith("2024")
    assert {o.date[:4] for o in t.occurrences if o.date} == {"2024"} == brute_years(SUBSET, "新质生产力")
    assert t.first.date == "2024-03-05" and "政府工作报告" in t.first.title  # a day-dated use before a year-dated one
    by_year = {p.label: p.count for p in t.periods}
    assert by_year["2023"] == 0 and by_year["2024"] == t.total > 0 and by_year["1954"] == 0


def test_four_modernizations_years_match_the_brute_force(store: LocalStore) -> None:
    t = trace_phrase(store, "四个现代化")
    assert {p.label for p in t.used_periods()} == brute_years(SUBSET, "四个现代化") == {"1978", "1988"}
    assert (t.first and t.first.date, t.last and t.last.date) == ("1978", "1988")


@pytest.mark.parametrize("phrase", ["新质生产力", "四个现代化", "共产党", "社会主义", "小康", "发展", "人民", "改革开放",
                                    "過渡時期", "国民经济"])
def test_counts_equal_a_brute_force_count_over_the_cleaned_texts(store: LocalStore, phrase: str) -> None:
    t = trace_phrase(store, phrase)
    assert Counter(Path(o.doc_path).name for o in t.occurrences) == brute_force(SUBSET, phrase)
    assert all(flat(o.matched) == flat(phrase) for o in t.occurrences)
    assert sum(p.count for p in t.periods) == t.total


def test_traditional_and_simplified_find_each_other(store: LocalStore) -> None:
    simplified = trace_phrase(store, "国民经济的发展")
    traditional = trace_phrase(store, "國民經濟的發展")
    assert [(o.speech_id, o.start) for o in simplified.occurrences] == [
        (o.speech_id, o.start) for o in traditional.occurrences]
    scripts = {o.matched for o in simplified.occurrences}
    assert "國民經濟的發展" in scripts and "国民经济的发展" in scripts  # 1954 is in traditional script


def test_a_phrase_split_by_a_line_break_is_found(store: LocalStore) -> None:
    """The words either side of a line break in a real report, traced as one phrase."""
    first = store.chunks_by_ids(store.generation.lexical.ids.tolist()[:1])[0]
    text = store.speech_text(first.chunk_id).text
    cut = text.index("\n", 200)
    while not (text[cut - 3:cut].strip() and text[cut + 1:cut + 4].strip()):
        cut = text.index("\n", cut + 1)
    phrase = text[cut - 3:cut] + text[cut + 1:cut + 4]
    t = trace_phrase(store, phrase)
    assert any(o.matched == text[cut - 3:cut + 4] and "\n" in o.matched for o in t.occurrences)


def test_context_comes_from_the_speech_text(store: LocalStore) -> None:
    t = trace_phrase(store, "新质生产力", context=8)
    for occ in t.occurrences:
        text = store.speech_text(occ.chunk_id).text
        assert occ.left == text[max(0, occ.start - 8):occ.start] and occ.right == text[occ.end:occ.end + 8]
        start, end, sentence = sentence_around(text, occ.start, occ.end)
        assert start <= occ.start < occ.end <= end and sentence == text[start:end]


def test_filters_and_grouping_by_date(store: LocalStore) -> None:
    t = trace_phrase(store, "发展", Filters(since="1988", until="2023"), by="date")
    assert {o.date[:4] for o in t.occurrences if o.date} == {"1988", "2023"}
    assert all(p.label[:4] in {"1988", "2023"} for p in t.periods)
    assert sum(p.total_speeches for p in t.periods) == 2


def test_periods_count_speeches_with_and_without_the_phrase(store: LocalStore) -> None:
    t = trace_phrase(store, "四个现代化")
    assert [(p.label, p.count > 0, p.speeches, p.total_speeches) for p in t.periods if p.label == "1978"] == [
        ("1978", True, 1, 1)]
    assert periods([], ["2020", "2020-05", None], "year")[0].total_speeches == 2


def test_json_csv_and_bars(store: LocalStore) -> None:
    trace = run_trace(store, ["四个现代化", "新质生产力", "四个现代化"], context=4)
    assert [t.phrase for t in trace.phrases] == ["四个现代化", "新质生产力"]
    data = json.loads(json.dumps(trace.to_dict(), ensure_ascii=False))
    first = data["phrases"][0]
    assert first["total"] == len(first["occurrences"]) == trace.phrases[0].total
    assert first["first"]["citation"].startswith("1978年中华人民共和国国务院政府工作报告 (1978)")
    rows = list(csv.DictReader(io.StringIO(trace_csv(trace))))
    assert sum(int(r["count"]) for r in rows if r["phrase"] == "四个现代化") == trace.phrases[0].total
    assert bar(0, 10, 20) == "" and bar(10, 10, 20) == "█" * 20 and bar(1, 1000, 20) == "▏"
    assert shown_periods(Trace(trace.phrases[:1]))[:2] == ["1954", "1978"]  # the year before the first use
    console = Console(width=100, record=True)
    render_trace(console, trace, context=True)
    shown = console.export_text()
    assert "1978–1988 · " in shown and "新质生产力" in shown and "…" in shown
