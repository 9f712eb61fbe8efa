"""Chunk invariants on the real corpus and, with hypothesis, on arbitrary text."""

from __future__ import annotations

import pytest
from _corpus import FILES, assert_outline_valid, parsed
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunker import CHUNKER_VERSION, chunk_document, chunk_speech, split_span
from index.document import Chunk
from index.reader import parse_document
from index.structure import build_outline
from qa.errors import ConfigError

WS = " \t\n\r\u3000\xa0"


def assert_valid(text: str, chunks: list[Chunk], size: int, overlap: int) -> None:
    """Exact offsets, budget, no empty chunk, nothing lost, nothing repeated beyond ``overlap``."""
    pos = 0
    for n, c in enumerate(chunks):
        assert text[c.start : c.end] == c.text
        assert 0 < len(c.text) <= size
        assert c.text.strip(WS) == c.text  # no whitespace-only chunk, no ragged edges
        if n:
            prev = chunks[n - 1]
            assert prev.start < c.start and prev.end < c.end
            assert prev.end - c.start <= overlap
        assert text[pos : c.start].strip(WS) == ""  # any gap is whitespace only
        pos = max(pos, c.end)
    assert text[pos:].strip(WS) == ""


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize(("size", "overlap"), [(400, 40), (200, 20), (500, 0)])
def test_corpus_chunks_are_valid(path, size: int, overlap: int) -> None:
    for speech in chunk_document(parse_document(path), chunk_size=size, chunk_overlap=overlap).speeches:
        assert speech.chunks
        assert_valid(speech.text, speech.chunks, size, overlap)


def test_chunks_follow_sections() -> None:
    speech = parsed("002").speeches[0]
    paths = {c.section for c in speech.chunks}
    assert ("第一，要选贤任能、建强堡垒，全面夯实党的基层基础", "一要突出政治建设") in paths
    assert speech.chunks[0].section == ()  # opening remarks
    assert speech.chunks[-1].section == () and speech.chunks[-1].text.startswith("同志们，做好今年")
    one = next(c for c in speech.chunks if c.section[-1:] == ("一要突出政治建设",))
    assert one.text.startswith("一要突出政治建设。") and one.text.endswith("保持高度一致。")


def test_bare_heading_joins_first_subsection() -> None:
    speech = parsed("000").speeches[0]
    first = next(c for c in speech.chunks if c.section)
    assert first.section == ("一、在服务保障大局中彰显使命担当",)  # heading plus its short intro
    assert first.text.startswith("一、在服务保障大局中彰显使命担当\n党的建设历来")
    assert all(c.text != c.section[-1] for c in speech.chunks if c.section)  # no bare-title chunk


def test_tiny_sibling_sections_are_merged_under_their_parent() -> None:
    intro = "各级党组织要把抓好党建作为最大的政绩，" * 6 + "重点抓好四项工作。"
    items = "".join(f"{n}是要抓好第{n}项工作。" for n in "一二三四")
    text = f"一、总体要求\n{intro}{items}\n二、保障措施\n要加强领导。"
    chunks = chunk_speech(text, build_outline(text))
    assert [c.section for c in chunks] == [("一、总体要求",), ("一、总体要求",), ("二、保障措施",)]
    assert chunks[1].text == items


def test_long_section_splits_at_sentence_ends_with_overlap() -> None:
    text = "".join(f"第{n}句话讲的是工作，内容比较充实。" for n in range(60))
    spans = split_span(text, 0, len(text), 100, 40)
    assert all(text[b - 1] == "。" for _, b in spans)
    shared = [b1 - a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False)]
    assert all(0 < n <= 40 for n in shared)  # whole sentences repeated, never more than the overlap


def test_sentence_longer_than_budget_is_cut_at_commas_then_hard() -> None:
    text = "，".join(["党建工作要抓实抓细"] * 30) + "。" + "党" * 250
    spans = split_span(text, 0, len(text), 100, 0)
    assert all(b - a <= 100 for a, b in spans)
    assert text[spans[0][1] - 1] == "，"
    assert "".join(text[a:b] for a, b in spans) == text


def test_budget_is_validated() -> None:
    with pytest.raises(ConfigError):
        chunk_speech("文本。", [], chunk_size=5)
    with pytest.raises(ConfigError):
        chunk_speech("文本。", [], chunk_size=100, chunk_overlap=60)
    assert CHUNKER_VERSION


ALPHABET = st.sampled_from(
    list("党建工作要抓好落实一二三四五十是（）()、，,。！？；：:\n \u3000123同志们首先其次第篇")
)
TEXT = st.text(ALPHABET, max_size=2000)
MARKERS = [
    "",
    "",
    "一、",
    "二、",
    "（一）",
    "(二)",
    "1、",
    "2.",
    "（1）",
    "一是",
    "二是",
    "首先，",
    "其次，",
    "第一，",
    "同志们，",
]
LINE = st.builds(lambda m, body: m + body, st.sampled_from(MARKERS), st.text(ALPHABET, max_size=300))
OUTLINED = st.lists(LINE, max_size=30).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(20, 300), st.integers(0, 150))
def test_split_span_never_loses_or_repeats_text(text: str, size: int, overlap: int) -> None:
    overlap = min(overlap, size // 2)
    spans = split_span(text, 0, len(text), size, overlap)
    chunks = [Chunk((), text[a:b], a, b) for a, b in spans]
    assert_valid(text, chunks, size, overlap)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, OUTLINED), st.integers(20, 300), st.integers(0, 150))
def test_structured_chunking_never_loses_or_repeats_text(text: str, size: int, overlap: int) -> None:
    overlap = min(overlap, size // 2)
    sections = build_outline(text)
    assert_valid(text, chunk_speech(text, sections, chunk_size=size, chunk_overlap=overlap), size, overlap)


@settings(max_examples=200, deadline=None)
@given(OUTLINED)
def test_outline_sections_nest_within_their_parents(text: str) -> None:
    assert_outline_valid(build_outline(text), text)


def test_no_span_is_made_of_the_previous_one_s_tail_before_trailing_whitespace() -> None:
    text = "111111111111111111\n；\u3000"  # found by hypothesis: a second span "；" lay inside the first
    assert split_span(text, 0, len(text), 20, 1) == [(0, 20)]
