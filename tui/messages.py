"""Messages that worker threads post to the app; widgets change only in their handlers."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from qa.errors import QAError
from qa.types import Answer, IndexReport, IndexStatus


class EngineReady(Message):
    """``warm_up`` finished: ``error`` is set when the index/model could not be loaded."""

    def __init__(self, status: IndexStatus | None, error: QAError | None) -> None:
        super().__init__()
        self.status = status
        self.error = error


class AnswerReady(Message):
    """The engine answered the question of turn ``turn``."""

    def __init__(self, turn: int, answer: Answer) -> None:
        super().__init__()
        self.turn = turn
        self.answer = answer


class AskFailed(Message):
    """The engine raised a QAError for turn ``turn``."""

    def __init__(self, turn: int, error: QAError) -> None:
        super().__init__()
        self.turn = turn
        self.error = error


class IndexProgress(Message):
    """``progress(done, total, what)`` from an indexing worker."""

    def __init__(self, done: int, total: int, what: str) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.what = what


class IndexFinished(Message):
    """A sync/rebuild of ``folder`` ended: a report and the new status, or an error."""

    def __init__(self, report: IndexReport | None, status: IndexStatus | None, error: QAError | None,
                 mode: str = "sync", folder: Path | None = None) -> None:
        super().__init__()
        self.report = report
        self.status = status
        self.error = error
        self.mode = mode
        self.folder = folder
