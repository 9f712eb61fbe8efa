"""A question the user asked, as it appears in the conversation."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class QuestionView(Static):
    """The user's question, styled as the start of a turn."""

    def __init__(self, question: str) -> None:
        super().__init__(Content.assemble(("› ", "bold $accent"), question), classes="question")
        self.question = question
