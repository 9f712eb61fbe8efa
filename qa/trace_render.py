"""``qa trace`` output: a bar per period in the terminal, key-word-in-context lines, CSV."""

from __future__ import annotations

import csv
import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from qa.trace import UNDATED, Occurrence, Period, PhraseTrace, Trace

#: Widest bar (cells) of a column; narrower when several phrases share the terminal.
BAR_WIDTH = 30


def bar(count: int, most: int, width: int) -> str:
    """``count`` as a bar of at most ``width`` cells against ``most``; any use shows at least "▏"."""
    if count <= 0 or most <= 0:
        return ""
    eighths = max(1, round(count / most * width * 8))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def shown_periods(trace: Trace) -> list[str]:
    """Rows of the chart: from the period before the earliest use to the one after the latest
    (a phrase's appearance and disappearance both show), undated last if used."""
    labels = sorted({p.label for t in trace.phrases for p in t.periods if p.label != UNDATED})
    used = [i for i, lb in enumerate(labels) if any(_count(t, lb) for t in trace.phrases)]
    rows = labels[max(0, used[0] - 1): used[-1] + 2] if used else []
    if any(_count(t, UNDATED) for t in trace.phrases):
        rows.append(UNDATED)
    return rows


def _count(trace: PhraseTrace, label: str) -> int:
    return next((p.count for p in trace.periods if p.label == label), 0)


def _heading(t: PhraseTrace) -> Text:
    text = Text.assemble((t.phrase, "bold"), "  ")
    if t.variant_of:
        sim = f", cos {t.similarity:.2f}" if t.similarity is not None else ""
        text.append(f"variant of “{t.variant_of}”{sim}  ", style="magenta")
    if not t.occurrences:
        return text.append("never used", style="yellow")
    return text.append(f"{t.span()} · {t.total} uses in {t.speeches} speeches", style="cyan")


def render_trace(console: Console, trace: Trace, *, context: bool = False) -> None:
    """Per phrase a heading with first and last use, then one table of bars, phrases side by side."""
    for t in trace.phrases:
        console.print(_heading(t))
        for label, occ in (("first", t.first), ("last", t.last)):
            if occ is not None and (label == "first" or occ is not t.first):
                console.print(Text.assemble(f"  {label:<6}", (occ.citation(), "dim")))
    rows = shown_periods(trace)
    if rows:
        table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 1))
        table.add_column(trace.by, style="bold", no_wrap=True)
        width = max(8, min(BAR_WIDTH, (console.width - 12) // len(trace.phrases) - 8))
        for t in trace.phrases:
            table.add_column(t.phrase, no_wrap=True, overflow="ellipsis")
        for label in rows:
            cells = []
            for t in trace.phrases:
                most = max((p.count for p in t.periods), default=0)
                count = _count(t, label)
                cells.append(Text.assemble((bar(count, most, width), "magenta" if t.variant_of else "green"),
                                           (f" {count}" if count else " ·", "" if count else "dim")))
            table.add_row(label, *cells)
        console.print(table)
    if context:
        for t in trace.phrases:
            render_kwic(console, t)


def kwic_line(occ: Occurrence) -> Text:
    """``…left【matched】right…`` on one line (line breaks shown as spaces)."""
    left, matched, right = occ.kwic()
    return Text.assemble(("…" + left, "dim"), (matched, "bold yellow"), (right + "…", "dim"))


def render_kwic(console: Console, t: PhraseTrace) -> None:
    """Every use of ``t`` in context, each with its citation."""
    console.print(Text(f"\n{t.phrase}: {t.total} uses", style="bold"))
    for occ in t.occurrences:
        console.print(Text.assemble((f"{occ.date or UNDATED:<10} ", "cyan"), kwic_line(occ)))
        console.print(Text(f"{'':<11}{occ.citation()}", style="dim"), overflow="fold")


def trace_csv(trace: Trace) -> str:
    """One row per phrase and period: phrase, variant_of, period, count, speeches, total_speeches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["phrase", "variant_of", "period", "count", "speeches", "total_speeches"])
    for t in trace.phrases:
        for p in t.periods:
            writer.writerow(_csv_row(t, p))
    return buffer.getvalue()


def _csv_row(t: PhraseTrace, p: Period) -> list[str | int]:
    return [t.phrase, t.variant_of or "", p.label, p.count, p.speeches, p.total_speeches]


__all__ = ["bar", "kwic_line", "render_kwic", "render_trace", "shown_periods", "trace_csv"]
