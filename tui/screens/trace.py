"""The trace view: how phrases were used over the years (``/trace 新质生产力`` or the palette).

The chart (uses per year), the legend with first and last use, and every use in date order;
enter on a use opens it in the reader with the phrase highlighted, as an answer's sources
open. The engine runs in a thread worker that posts :class:`TraceLoaded`; widgets change only
in its handler.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.engine import Engine
from qa.errors import QAError
from qa.trace import Occurrence, Trace, chronological, occurrence_hits
from qa.types import Hit
from tui.screens.reader import ReaderScreen
from tui.widgets.occurrence_list import OccurrenceList
from tui.widgets.trace_chart import TraceChart
from tui.widgets.trace_summary import TraceSummary

#: Characters of context each side of a use in the list: date, tag, context and phrase fit
#: one line of a 100-column terminal.
CONTEXT = 12
#: Uses listed at most (the chart and the counts cover all): a list of thousands reads no
#: better, and each listed use costs its sentence for the reader.
LIST_LIMIT = 500


class TraceLoaded(Message):
    """The worker traced the phrases (``trace`` and the listed uses as reader hits), or failed."""

    def __init__(self, trace: Trace | None, uses: list[Occurrence], hits: tuple[Hit, ...],
                 error: QAError | None) -> None:
        super().__init__()
        self.trace = trace
        self.uses = uses
        self.hits = hits
        self.error = error


class TraceScreen(Screen[None]):
    """Traces ``phrases``; ``v`` adds or drops their variants."""

    AUTO_FOCUS = "OccurrenceList"
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("v", "toggle_variants", "Variants on/off"),
    ]

    def __init__(self, engine: Engine, phrases: list[str], *, similar: bool = False) -> None:
        super().__init__()
        self.engine = engine
        self.phrases = phrases
        self.similar = similar
        self.hits: tuple[Hit, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="trace-title")
        yield TraceSummary(Content.styled("tracing…", "italic $text-muted"), id="trace-summary")
        yield TraceChart(id="trace-chart")
        yield OccurrenceList(id="trace-uses")
        yield Footer()

    def on_mount(self) -> None:
        self._show_title("")
        self._load()

    def _show_title(self, note: str) -> None:
        variants = "with variants" if self.similar else "v: find variants"
        self.query_one("#trace-title", Static).update(Content.assemble(
            ("Trace ", "bold $accent"), ("  ".join(self.phrases), "bold"), (f"   {variants}", "$text-muted"),
            (f"   {note}" if note else "", "$text-muted")))

    @work(thread=True, exclusive=True, group="trace")
    def _load(self) -> None:
        try:
            trace = self.engine.trace(self.phrases, similar=self.similar, context=CONTEXT)
            uses = list(chronological(o for t in trace.phrases for o in t.occurrences))[:LIST_LIMIT]
            hits = occurrence_hits(self.engine.speech_text, uses)
        except QAError as exc:
            self.post_message(TraceLoaded(None, [], (), exc))
            return
        self.post_message(TraceLoaded(trace, uses, hits, None))

    def on_trace_loaded(self, message: TraceLoaded) -> None:
        if message.error is not None or message.trace is None:
            self.query_one(TraceSummary).update(Content.styled(str(message.error), "$text-error"))
            self.notify(str(message.error), title="Cannot trace", severity="error")
            return
        trace = message.trace
        self.hits = message.hits
        total = sum(t.total for t in trace.phrases)
        shown = f"{len(message.uses)} of {total} uses listed" if len(message.uses) < total else f"{total} uses"
        self._show_title(shown)
        self.query_one(TraceSummary).show(trace)
        self.query_one(TraceChart).show(trace)
        self.query_one(OccurrenceList).show(trace.phrases, message.uses)

    def on_occurrence_list_opened(self, message: OccurrenceList.Opened) -> None:
        if 0 <= message.index < len(self.hits):
            self.app.push_screen(ReaderScreen(self.engine, self.hits, message.index, " ".join(self.phrases)))

    def action_toggle_variants(self) -> None:
        self.similar = not self.similar
        self.query_one(TraceSummary).update(Content.styled("tracing…", "italic $text-muted"))
        self._show_title("")
        self._load()

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["TraceLoaded", "TraceScreen"]
