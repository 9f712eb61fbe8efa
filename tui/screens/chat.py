"""The main screen: the scrolling conversation, the question box and the index status."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.types import Answer
from tui.widgets.answer_view import AnswerView
from tui.widgets.chat_input import ChatInput
from tui.widgets.citation_card import CitationCard
from tui.widgets.index_progress import IndexProgressPanel
from tui.widgets.index_status import IndexStatusBar
from tui.widgets.question_view import QuestionView

WELCOME = ("Ask a question about the speeches, e.g. “怎样把意识形态工作责任制落到实处？”.\n"
           "Answers cite passages; select one (tab, then enter, or click) to read it in context. "
           "F1 lists every key.\n"
           "Type /trace 新质生产力 to see how a phrase was used over the years.")


class ChatScreen(Screen[None]):
    """Only renders what the app tells it to; the app runs the engine and the store."""

    AUTO_FOCUS = "ChatInput"
    BINDINGS = [
        Binding("escape", "toggle_focus", "Cards ⇄ input"),
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="conversation"):
            yield Static(Content.styled(WELCOME, "$text-muted"), id="welcome")
        yield IndexProgressPanel(id="index-progress")
        yield ChatInput(id="question")
        yield IndexStatusBar(id="index-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(IndexProgressPanel).display = False

    @property
    def conversation(self) -> VerticalScroll:
        return self.query_one("#conversation", VerticalScroll)

    def add_turn(self, turn: int, question: str, pending: str, answer: Answer | None = None) -> None:
        """Show the question and its answer (or a placeholder for it), scrolled into view."""
        self.conversation.mount_all([QuestionView(question), AnswerView(turn, pending, answer)])
        self.conversation.scroll_end(animate=False)

    def answer_view(self, turn: int) -> AnswerView | None:
        found = self.conversation.query(f"#answer-{turn}").results(AnswerView)
        return next(found, None)

    def show_answer(self, turn: int, answer: Answer) -> None:
        view = self.answer_view(turn)
        if view is not None:
            view.show_answer(answer)
            self.conversation.scroll_end(animate=False)

    def show_error(self, turn: int, message: str) -> None:
        view = self.answer_view(turn)
        if view is not None:
            view.show_error(message)

    def set_pending(self, text: str) -> None:
        for view in self.conversation.query(AnswerView).results(AnswerView):
            view.set_pending(text)

    def latest_answer(self) -> Answer | None:
        """The answer of the focused card's turn, else the newest answer."""
        focused = self.focused
        if isinstance(focused, CitationCard):
            return focused.answer
        answers = [v.answer for v in self.conversation.query(AnswerView).results(AnswerView) if v.answer]
        return answers[-1] if answers else None

    def clear(self) -> None:
        """Empty the conversation (new or reopened conversation)."""
        self.conversation.remove_children()

    def action_toggle_focus(self) -> None:
        """Escape from the input jumps to the newest answer's first card, and back."""
        box = self.query_one(ChatInput)
        if self.focused is box:
            cards = list(self.conversation.query(CitationCard).results(CitationCard))
            newest = self.latest_answer()
            candidates = [c for c in cards if c.answer is newest] or cards
            if candidates:
                target = candidates[0]
                target.focus()
                self.conversation.scroll_to_widget(target, animate=False)
        else:
            box.focus()
