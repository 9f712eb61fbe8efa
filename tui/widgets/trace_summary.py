"""The trace view's legend and summary: per phrase its colour, span, counts, first and last use."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from qa.trace import PhraseTrace, Trace
from tui.widgets.trace_chart import LEGEND_STYLES


def phrase_lines(t: PhraseTrace, style: str) -> list[Content]:
    """``■ 小康社会  1997–2023 · 149 uses in 34 speeches`` then the first and last use."""
    head = [Content.styled("■ ", style), Content.styled(t.phrase, "bold")]
    if t.variant_of:
        sim = f", cos {t.similarity:.2f}" if t.similarity is not None else ""
        head.append(Content.styled(f"  variant of “{t.variant_of}”{sim}", "italic $text-secondary"))
    if not t.occurrences:
        head.append(Content.styled("  never used", "$text-warning"))
        return [Content.assemble(*head)]
    head.append(Content.styled(f"  {t.span()} · {t.total} uses in {t.speeches} speeches", "$text-muted"))
    lines = [Content.assemble(*head)]
    if t.first is not None:
        lines.append(Content.styled(f"   first  {t.first.citation()}", "$text-muted"))
    if t.last is not None and t.last is not t.first:
        lines.append(Content.styled(f"   last   {t.last.citation()}", "$text-muted"))
    return lines


class TraceSummary(Static):
    """One block per traced phrase, coloured like its series in the chart."""

    def show(self, trace: Trace) -> None:
        lines: list[Content] = []
        for n, t in enumerate(trace.phrases):
            lines += phrase_lines(t, LEGEND_STYLES[n % len(LEGEND_STYLES)])
        self.update(Content("\n").join(lines))


__all__ = ["TraceSummary", "phrase_lines"]
