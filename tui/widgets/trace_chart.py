"""The trace view's chart: uses per year, one series per phrase, drawn with plotext.

Chosen over Textual's Sparkline for how it reads: a timeline needs its year axis and a count
scale (a sparkline has neither, and draws a zero like the smallest count), and years without
any speech must leave a gap rather than be squeezed out. One phrase is drawn as bars; several
(the phrases asked side by side, variants) as lines, one colour each. Labels stay ASCII:
plotext measures every character as one cell, so Chinese text would shift the frame; the
legend with the phrases is drawn beside the chart by the screen (:data:`SERIES_COLORS`).
"""

from __future__ import annotations

from typing import Any, cast

from textual_plotext import PlotextPlot

from qa.trace import UNDATED, Trace

#: plotext colour of each series, in the order of ``trace.phrases`` (the legend uses the same).
SERIES_COLORS = ("green", "magenta", "cyan", "orange", "red", "blue", "yellow")
#: The same colours as Textual styles, for the legend.
LEGEND_STYLES = ("green", "magenta", "cyan", "dark_orange", "red", "blue", "yellow")


def year_axis(trace: Trace) -> list[int]:
    """Every year the collection has a dated speech in (within the filters), in order."""
    return sorted({int(p.label[:4]) for t in trace.phrases for p in t.periods if p.label[:4].isdigit()})


def year_counts(trace: Trace, index: int, years: list[int]) -> list[int]:
    """Uses of phrase ``index`` in each of ``years`` (undated uses are not on the chart)."""
    counts: dict[int, int] = {}
    for p in trace.phrases[index].periods:
        if p.label != UNDATED and p.label[:4].isdigit():
            counts[int(p.label[:4])] = counts.get(int(p.label[:4]), 0) + p.count
    return [counts.get(y, 0) for y in years]


def year_ticks(years: list[int], width: int) -> list[int]:
    """Whole years to label: every year when they fit (5 cells each), else every 2, 5, 10… years."""
    if not years:
        return []
    for step in (1, 2, 5, 10, 20, 25, 50):
        ticks = [y for y in range(years[0], years[-1] + 1) if y % step == 0] or [years[0]]
        if len(ticks) * 6 <= max(width - 10, 6):
            return ticks
    return [years[0], years[-1]]


class TraceChart(PlotextPlot):
    """Uses per year of each traced phrase; empty until :meth:`show`."""

    DEFAULT_CSS = """
    TraceChart {
        height: 14;
        width: 1fr;
    }
    """

    def show(self, trace: Trace) -> None:
        """Grouped bars (one colour per phrase) when every year gets two cells per phrase, else
        bars for one phrase and lines for several, on a time axis with whole-year ticks."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        years = year_axis(trace)
        if not years:
            self.refresh()
            return
        series = [year_counts(trace, n, years) for n in range(len(trace.phrases))]
        colors = [SERIES_COLORS[n % len(SERIES_COLORS)] for n in range(len(series))]
        width = self.size.width or 80
        if len(series) * len(years) * 2 <= width - 10:
            labels = [str(y) for y in years]
            if len(series) == 1:
                plt.bar(labels, series[0], color=colors[0], width=0.6)
            else:
                plt.multiple_bar(labels, series, color=cast(Any, colors), width=0.8)  # one colour per series
        else:
            for counts, color in zip(series, colors, strict=True):
                if len(series) == 1:
                    plt.bar(years, counts, color=color, width=0.8)
                else:
                    plt.plot(years, counts, color=color, marker="braille")
            ticks = year_ticks(years, width)
            plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])
        plt.ylabel("uses")
        self.refresh()


__all__ = ["LEGEND_STYLES", "SERIES_COLORS", "TraceChart", "year_axis", "year_counts", "year_ticks"]
