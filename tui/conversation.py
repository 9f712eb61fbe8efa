"""The open conversation's state, apart from any widget: turns, the question queue, answers.

Questions typed while the engine is still loading (or busy) wait in a queue and run one at a
time, in order; each gets a turn number so its answer lands in the right place on screen.
Plain Python, so the rules are unit-tested without Textual.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from qa.chats import Conversation
from qa.types import Answer


@dataclass(frozen=True)
class Pending:
    """A question ready to send: its turn and the previous question (for follow-ups)."""

    turn: int
    question: str
    previous: str | None


@dataclass
class ChatState:
    """Turns, queue and answers of the conversation on screen."""

    conversation_id: int | None = None
    answers: list[Answer] = field(default_factory=list)  # oldest first
    queue: deque[tuple[int, str]] = field(default_factory=deque)
    turns: int = 0
    asking: bool = False
    ready: bool = False

    def submit(self, question: str) -> int:
        """Queue a typed question; returns its turn number."""
        self.turns += 1
        self.queue.append((self.turns, question))
        return self.turns

    def previous_question(self) -> str | None:
        """What a follow-up refers to: the last question as it was answered."""
        if not self.answers:
            return None
        last = self.answers[-1]
        return last.resolved_question or last.question

    def next_question(self) -> Pending | None:
        """The next question to send, once the engine is ready and nothing else is asked."""
        if not self.ready or self.asking or not self.queue:
            return None
        turn, question = self.queue.popleft()
        self.asking = True
        return Pending(turn, question, self.previous_question())

    def answered(self, answer: Answer) -> None:
        self.asking = False
        self.answers.append(answer)

    def failed(self) -> None:
        self.asking = False

    @property
    def busy(self) -> bool:
        """A question is being answered or waits."""
        return self.asking or bool(self.queue)

    def title(self) -> str:
        """What an export is called: the first question."""
        return self.answers[0].question if self.answers else "conversation"

    def reset(self) -> None:
        """A new, empty conversation (turn numbers keep counting: they name widgets on screen)."""
        self.conversation_id = None
        self.answers = []

    def reopen(self, conversation: Conversation) -> list[int]:
        """Show a saved conversation: its answers become the history; returns the turn numbers given."""
        self.conversation_id = conversation.id
        self.answers = [t.answer for t in conversation.turns]
        first = self.turns + 1
        self.turns += len(conversation.turns)
        return list(range(first, self.turns + 1))
