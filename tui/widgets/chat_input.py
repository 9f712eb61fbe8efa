"""The question box: enter sends, shift+enter (or ctrl+j) adds a line, up/down walk the history."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class ChatInput(TextArea):
    """A multi-line TextArea that submits on enter and remembers earlier questions.

    History only takes over up/down on the first/last line, so moving inside a multi-line
    question still works as in any editor.
    """

    BINDINGS = [
        Binding("shift+enter,ctrl+j,alt+enter", "newline", "New line", show=False),
    ]

    class Submitted(Message):
        """The user pressed enter on a non-empty question."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, questions: list[str] | None = None, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         placeholder="Ask about the speeches… (enter: send · shift+enter: new line)")
        self.questions: list[str] = list(questions or [])
        self._browse: int | None = None  # index into history while browsing
        self._draft = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit()
            return
        await super()._on_key(event)

    def _submit(self) -> None:
        text = self.text.strip()
        if not text:
            return
        if not self.questions or self.questions[-1] != text:
            self.questions.append(text)
        self._browse = None
        self.clear()
        self.post_message(self.Submitted(text))

    def action_newline(self) -> None:
        self.insert("\n")

    def _show(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def action_cursor_up(self, select: bool = False) -> None:
        if select or self.cursor_location[0] > 0 or not self.questions:
            super().action_cursor_up(select)
            return
        if self._browse is None:
            self._draft, self._browse = self.text, len(self.questions)
        self._browse = max(0, self._browse - 1)
        self._show(self.questions[self._browse])

    def action_cursor_down(self, select: bool = False) -> None:
        last_row = self.document.line_count - 1
        if select or self.cursor_location[0] < last_row or self._browse is None:
            super().action_cursor_down(select)
            return
        self._browse += 1
        if self._browse >= len(self.questions):
            self._browse = None
            self._show(self._draft)
        else:
            self._show(self.questions[self._browse])
