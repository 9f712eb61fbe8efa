"""Pure text helpers for the chat: which characters to highlight and which lines to show.

Chinese has no spaces, so "matched words" are the longest substrings (two characters or
more) that a passage shares with the question; cheap enough for a few hundred characters
and free of the segmenter, which keeps the window's first paint fast.
"""

from __future__ import annotations

import re

from textual.content import Content

from qa.types import Hit

#: Styles (Textual CSS variables allowed) for answer sentences and question words.
ANSWER_STYLE = "bold $text-accent"
MATCH_STYLE = "bold $text-warning"
_CONTENT_CHAR = re.compile(r"[\w\u4e00-\u9fff]")


def matched_spans(text: str, question: str, min_len: int = 2) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``text`` that also occur in ``question`` (greedy, longest first)."""
    q = "".join(question.split())
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        best = 0
        if _CONTENT_CHAR.match(text[i]):
            length = min_len
            while i + length <= len(text) and text[i:i + length] in q:
                best = length
                length += 1
        if best:
            spans.append((i, i + best))
            i += best
        else:
            i += 1
    return spans


def styled_passage(text: str, question: str, highlights: tuple[tuple[int, int], ...] = ()) -> Content:
    """``text`` with answer-sentence spans and question words styled."""
    content = Content(text)
    for start, end in highlights:
        content = content.stylize(ANSWER_STYLE, start, end)
    for start, end in matched_spans(text, question):
        content = content.stylize(MATCH_STYLE, start, end)
    return content


def excerpt_window(hit: Hit, question: str, width: int = 150) -> tuple[int, int]:
    """The part of ``hit.text`` a compact card shows: around the first answer span, else the
    first matched word, else the start."""
    text = hit.text
    if len(text) <= width:
        return 0, len(text)
    anchors = [s for s, _ in hit.highlights] or [s for s, _ in matched_spans(text, question)[:1]] or [0]
    start = max(0, min(anchors[0] - width // 5, len(text) - width))
    return start, start + width


def card_excerpt(hit: Hit, question: str, width: int = 150) -> Content:
    """A styled excerpt with "…" where the passage was cut."""
    start, end = excerpt_window(hit, question, width)
    shifted = tuple((max(0, s - start), min(end, e) - start) for s, e in hit.highlights if e > start and s < end)
    body = re.sub(r"\s", " ", hit.text[start:end])  # one line; same length keeps offsets valid
    content = styled_passage(body, question, shifted)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(hit.text) else ""
    return Content(prefix) + content + Content(suffix)
