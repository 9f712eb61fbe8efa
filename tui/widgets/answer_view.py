"""One answer in the conversation: a placeholder while searching, then sentences and cards."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from qa.types import RULE_TEXT, Answer
from tui.widgets.citation_card import CitationCard

NO_ANSWER = "No answer was found in the speeches. Related passages:"


def answer_content(answer: Answer) -> Content:
    """Answer sentences, each followed by its ``[n]`` citation marker."""
    parts: list[Content] = []
    for sentence in answer.sentences:
        parts.append(Content(sentence.text))
        parts.append(Content.styled(f"[{sentence.cite}]", "bold $accent"))
    return Content.assemble(*parts)


def _answer_widgets(answer: Answer) -> list[Static]:
    """A notice (question cut), "answered as" (a resolved follow-up), the sentences or the no-answer note, the cards."""
    widgets: list[Static] = []
    if answer.notice:
        widgets.append(Static(Content.styled(answer.notice, "italic $text-warning"), classes="notice"))
    if answer.resolved_question and answer.resolved_question != answer.question:
        widgets.append(Static(Content.styled(f"↳ answered as: {answer.resolved_question}",
                                             "italic $text-muted"), classes="resolved"))
    if answer.summary:  # a trace question: first use and counts (qa/trace_question.py)
        widgets.append(Static(Content.styled(answer.summary, "$text-secondary"), classes="answer-text"))
    if answer.refusal_rule != "calibrated":
        widgets.append(Static(Content.styled(f"refusal rule: {RULE_TEXT.get(answer.refusal_rule, answer.refusal_rule)}",
                                             "italic $text-muted"), classes="notice"))
    if answer.supported and answer.sentences:
        widgets.append(Static(answer_content(answer), classes="answer-text"))
    else:
        widgets.append(Static(Content.styled(NO_ANSWER, "italic $text-warning"), classes="answer-text"))
    widgets.extend(CitationCard(answer, i) for i in range(len(answer.hits)))
    return widgets


class AnswerView(Vertical):
    """Holds turn ``turn``'s answer; shows ``pending`` text until :meth:`show_answer`."""

    def __init__(self, turn: int, pending: str = "searching…", answer: Answer | None = None) -> None:
        super().__init__(classes="answer", id=f"answer-{turn}")
        self.turn = turn
        self.answer = answer
        self._pending = pending

    def compose(self) -> ComposeResult:
        if self.answer is not None:
            yield from _answer_widgets(self.answer)
        else:
            yield Static(Content.styled(self._pending, "italic $text-muted"), classes="pending")

    def set_pending(self, text: str) -> None:
        """Change the placeholder (e.g. "loading model…" → "searching…")."""
        if self.answer is None:
            for placeholder in self.query(".pending").results(Static):
                placeholder.update(Content.styled(text, "italic $text-muted"))

    def show_answer(self, answer: Answer) -> None:
        """Replace the placeholder by the answer and its citation cards."""
        self.answer = answer
        self.remove_children()
        self.mount_all(_answer_widgets(answer))

    def show_error(self, message: str) -> None:
        """The question failed: keep the message in the conversation (a notification also shows)."""
        self.remove_children()
        self.mount(Static(Content.styled(message, "$text-error"), classes="answer-error"))
