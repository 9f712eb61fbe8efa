"""A compact card for one cited passage: title, date, section path and a highlighted excerpt."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from qa.types import Answer, Hit
from tui.highlight import card_excerpt


def card_content(hit: Hit) -> Content:
    """Card text: ``[n] title (date)``, the section path, then a few lines of the passage."""
    head = Content.assemble((f"[{hit.rank}] ", "bold $accent"), (hit.display_title(), "bold"),
                            (f"  {hit.date}" if hit.date else "", "$text-muted"),
                            (f"  {hit.where()}" if hit.pages else "", "$text-muted"))
    lines = [head]
    if hit.section:
        lines.append(Content.styled(" › ".join(hit.section), "italic $text-muted"))
    lines.append(card_excerpt(hit))
    if hit.also_in:
        lines.append(Content.styled("also in: " + "; ".join(hit.also_in), "$text-muted"))
    return Content("\n").join(lines)


class CitationCard(Static, can_focus=True):
    """Focusable: enter or a click opens the passage in the reader; up/down move between cards."""

    BINDINGS = [
        Binding("enter,space", "open", "Read in context"),
        Binding("down,j", "app.focus_next", "Next card", show=False),
        Binding("up,k", "app.focus_previous", "Previous card", show=False),
    ]

    class Selected(Message):
        """Open hit number ``index`` (0-based) of ``answer`` in the reader."""

        def __init__(self, answer: Answer, index: int) -> None:
            super().__init__()
            self.answer = answer
            self.index = index

    def __init__(self, answer: Answer, index: int) -> None:
        hit = answer.hits[index]
        super().__init__(card_content(hit), classes="card")
        self.answer = answer
        self.index = index

    def action_open(self) -> None:
        self.post_message(self.Selected(self.answer, self.index))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_open()
