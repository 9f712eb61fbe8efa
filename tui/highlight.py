"""Pure text helpers for the chat: which characters to highlight and which lines to show.

The question's words are found by the engine (``Hit.matches``, after traditional→simplified
folding), so the chat and the CLI highlight the same characters.
"""

from __future__ import annotations

import re

from textual.content import Content

from qa.types import Hit

#: Styles (Textual CSS variables allowed) for answer sentences and question words.
ANSWER_STYLE = "bold $text-accent"
MATCH_STYLE = "bold $text-warning"


Spans = tuple[tuple[int, int], ...]


def styled_passage(text: str, highlights: Spans = (), matches: Spans = ()) -> Content:
    """``text`` with answer-sentence spans and the question's words (found by the engine) styled."""
    content = Content(text)
    for start, end in highlights:
        content = content.stylize(ANSWER_STYLE, start, end)
    for start, end in matches:
        content = content.stylize(MATCH_STYLE, start, end)
    return content


def clip_spans(spans: Spans, start: int, end: int) -> Spans:
    """``spans`` cut to ``[start, end)`` and made relative to ``start``."""
    return tuple((max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start)


def excerpt_window(hit: Hit, width: int = 150) -> tuple[int, int]:
    """The part of ``hit.text`` a compact card shows: around the first answer span, else the
    first matched word, else the start."""
    text = hit.text
    if len(text) <= width:
        return 0, len(text)
    anchors = [s for s, _ in hit.highlights] or [s for s, _ in hit.matches[:1]] or [0]
    start = max(0, min(anchors[0] - width // 5, len(text) - width))
    return start, start + width


def card_excerpt(hit: Hit, width: int = 150) -> Content:
    """A styled excerpt with "…" where the passage was cut."""
    start, end = excerpt_window(hit, width)
    body = re.sub(r"\s", " ", hit.text[start:end])  # one line; same length keeps offsets valid
    content = styled_passage(body, clip_spans(hit.highlights, start, end), clip_spans(hit.matches, start, end))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(hit.text) else ""
    return Content(prefix) + content + Content(suffix)
