"""Shared helpers for the reader tests: the five real speech files in tests/data, outline checks."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from index.chunker import chunk_document
from index.document import ParsedDocument, Section
from index.reader import parse_document

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(DATA.glob("*.txt"))


def corpus_file(prefix: str) -> Path:
    """The corpus file whose name starts with ``prefix`` ("000" … "004")."""
    (path,) = [p for p in FILES if p.name.startswith(prefix)]
    return path


@cache
def parsed(prefix: str) -> ParsedDocument:
    """Read and chunk a corpus file once per test session with the default budget."""
    return chunk_document(parse_document(corpus_file(prefix)))


def assert_outline_valid(sections: list[Section], text: str, lo: int = 0, hi: int | None = None) -> None:
    """Sections are ordered, non-overlapping, titled, and nested inside their parent's span."""
    hi = len(text) if hi is None else hi
    last = lo
    for sec in sections:
        assert last <= sec.start < sec.end <= hi and sec.title
        assert_outline_valid(sec.children, text, sec.start, sec.end)
        last = sec.end
