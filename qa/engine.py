"""QAEngine: the single API the CLI and the TUI call. (Skeleton: being filled in.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from qa.settings import Settings
from qa.types import Answer, Filters, Hit, IndexReport, IndexStatus, SpeechText

#: progress(done, total, what) — called from the worker thread doing the work.
Progress = Callable[[int, int, str], None]


class QAEngine:
    """Retrieval + answer composition over one index. Thread-safe for one writer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def warm_up(self) -> None:
        """Load the index and query encoder now (the TUI calls this in a worker)."""
        raise NotImplementedError

    def ask(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
            previous: str | None = None) -> Answer:
        """Answer ``question``; ``previous`` is the last question, used to resolve follow-ups."""
        raise NotImplementedError

    def search(self, question: str, *, top_k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        raise NotImplementedError

    def status(self) -> IndexStatus:
        raise NotImplementedError

    def speech_text(self, chunk_id: int) -> SpeechText:
        """The whole cleaned speech holding ``chunk_id`` (for reading a hit in context)."""
        raise NotImplementedError

    def build(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IndexReport:
        raise NotImplementedError

    def add(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IndexReport:
        raise NotImplementedError

    def remove(self, paths: Sequence[Path]) -> IndexReport:
        raise NotImplementedError

    def sync(self, folder: Path, *, progress: Progress | None = None) -> IndexReport:
        raise NotImplementedError
