"""Titles and dates over every file of the shared reports corpus (88 texts, 1954–2025).

Read from ``../shared/corpus_reports`` beside the checkout (or ``QA_TEST_REPORTS_DIR``).
Skipped only on a developer machine without it; under CI a missing corpus fails.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from index.clean import clean_text
from index.document import Speech
from index.patterns import parse_date_line
from index.reader import parse_document, read_text_file
from index.sessions import find_session
from index.titleblock import parse_venue_line

REPORTS = Path(os.environ.get("QA_TEST_REPORTS_DIR")
               or Path(__file__).resolve().parents[2].parent / "shared" / "corpus_reports")
FILES = sorted(REPORTS.glob("*.txt")) if REPORTS.is_dir() else []

if not FILES:
    if os.environ.get("CI"):
        raise RuntimeError(f"the reports corpus is missing at {REPORTS} (set QA_TEST_REPORTS_DIR)")
    pytest.skip(f"no reports corpus at {REPORTS}", allow_module_level=True)


@cache
def speeches() -> dict[str, list[Speech]]:
    return {p.name: parse_document(p).speeches for p in FILES}


def _one(prefix: str) -> Speech:
    (name,) = [n for n in speeches() if n.startswith(prefix)]
    (speech,) = speeches()[name]
    return speech


def test_every_report_gets_a_year() -> None:
    assert len(FILES) == 88
    undated = [name for name, found in speeches().items() for s in found if not s.date]
    assert undated == []
    for found in speeches().values():
        for s in found:
            assert s.date and 1900 <= int(s.date[:4]) <= 2100 and s.date_source in {"text", "title", "session"}


def test_a_year_named_in_the_file_name_agrees_with_the_date_found() -> None:
    """The names start with the report's year: a check the reader never uses (it comes last)."""
    for name, found in speeches().items():
        if name[:4].isdigit():
            assert {s.date[:4] for s in found if s.date} == {name[:4]}, name


def test_dates_stated_with_their_session_agree_with_the_table() -> None:
    """Every text that gives both a date and a meeting is a check on index/sessions.py."""
    checked = 0
    for found in speeches().values():
        for s in found:
            session = find_session(s.venue or "") if s.date_source == "text" else None
            if session and s.date:
                assert session.date == s.date[: len(session.date)], (s.title, s.venue)
                checked += 1
    assert checked >= 10


def test_congress_reports_have_their_whole_title() -> None:
    for name, found in speeches().items():
        if name.startswith("cpc"):
            for s in found:
                assert s.title != s.subtitle and parse_venue_line(s.title) is None, name
    cpc19 = _one("cpc19")
    assert (cpc19.title, cpc19.subtitle, cpc19.venue, cpc19.date, cpc19.date_source) == (
        "决胜全面建成小康社会 为夺取新时代中国特色社会主义伟大胜利", "为夺取新时代中国特色社会主义伟大胜利",
        "中国共产党第十九次全国代表大会", "2017-10-18", "text")
    assert _one("cpc20").title == "高举中国特色社会主义伟大旗帜 为全面建设社会主义现代化国家而团结奋斗"


@pytest.mark.parametrize(("prefix", "title", "date", "source"), [
    ("2024_", "政府工作报告", "2024-03-05", "text"),
    ("2022_", "政府工作报告", "2022-03-05", "text"),
    ("2017_", "2017年中华人民共和国国务院政府工作报告", "2017-03-05", "text"),
    ("1957_", "1957年中华人民共和国国务院政府工作报告", "1957-06-26", "text"),
    ("1985_", "1985年中华人民共和国国务院政府工作报告", "1985", "title"),
    ("cpc09", "在中国共产党第九次全国代表大会上的报告", "1969-04-01", "session"),
    ("cpc12", "全面开创社会主义现代化建设的新局面 (十二大)", "1982-09-01", "session"),
    ("cpc07", "論聯合政府", "1945-04-23", "session"),  # only the file name's "(七大)" dates it
    ("第十一届全国人民代表大会第一次", "第十一届全国人民代表大会第一次会议关于政府工作报告的决议", "2008", "session"),
    ("第十三届全国人民代表大会第三次", "第十三届全国人民代表大会第三次会议关于政府工作报告的决议", "2020-05-28", "text"),
    ("第二届", "第二届全国人民代表大会第三次会议关于政府工作报告的决议", "1962", "session"),
])
def test_known_titles_and_dates(prefix: str, title: str, date: str, source: str) -> None:
    s = _one(prefix)
    assert (s.title, s.date, s.date_source) == (title, date, source)


def test_2017_report_keeps_its_venue_and_drops_its_broken_title_copy() -> None:
    s = _one("2017_")
    assert s.venue == "第十二届全国人民代表大会第五次会议"
    assert not s.text.startswith("政府工作报") and s.text.startswith("——2017年3月5日")


def test_cleaning_keeps_every_title_and_date_line() -> None:
    """The cleaner drops nothing at the head of a report before its text ends (a short resolution
    is followed within 8 lines by the source wiki's rights notice, which is furniture), and each
    title, date or venue line stays a paragraph of its own (never glued to a neighbour)."""
    for path in FILES:
        raw, _ = read_text_file(path)
        cleaned = clean_text(raw.replace("\r\n", "\n"))
        head = [line.strip(" \t\u3000\xa0\ufeff\u200b") for line in raw.splitlines()]
        head = [line for line in head if line][:8]
        notice = next((i for i, line in enumerate(head) if line in cleaned.dropped and i > 2), len(head))
        head = head[:notice]
        kept = {p.text for p in cleaned.paragraphs}
        assert not set(head) & set(cleaned.dropped), path.name
        assert head[0] in kept, path.name
        for line in head:
            if parse_date_line(line) or parse_venue_line(line):
                assert line in kept, (path.name, line)


def test_notices_at_the_end_never_become_titles() -> None:
    """Wikisource licence notices close most files; a title must come from the head."""
    for name, found in speeches().items():
        for s in found:
            shown = " ".join(filter(None, [s.title, s.subtitle, s.venue]))
            assert not any(w in shown for w in ("Public domain", "维基文库", "本作品", "公有领域", "false")), name
