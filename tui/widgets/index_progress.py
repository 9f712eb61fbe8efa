"""Indexing progress shown under the conversation while a sync/rebuild runs in a worker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

#: Characters of the stage label shown beside the bar (the panel shares a line with it).
LABEL_CHARS = 60


def _shorten(what: str) -> str:
    """Long labels (a path inside "waiting for … on /very/long/path…") keep their start and end."""
    if len(what) <= LABEL_CHARS:
        return what
    half = LABEL_CHARS // 2 - 1
    return f"{what[:half]}…{what[-half:]}"


class IndexProgressPanel(Horizontal):
    """A label saying what is being indexed and a progress bar; hidden when idle."""

    def compose(self) -> ComposeResult:
        yield Label("indexing…", id="index-what")
        yield ProgressBar(total=None, show_eta=False, id="index-bar")

    def start(self, label: str) -> None:
        self.query_one("#index-what", Label).update(label)
        self.query_one("#index-bar", ProgressBar).update(total=None, progress=0)
        self.display = True

    def advance(self, done: int, total: int, what: str) -> None:
        """A counted stage fills the bar; loading the model or waiting (``total`` 0) pulses it."""
        self.query_one("#index-what", Label).update(_shorten(what) or "indexing…")
        self.query_one("#index-bar", ProgressBar).update(total=total or None, progress=done)

    def finish(self) -> None:
        self.display = False
