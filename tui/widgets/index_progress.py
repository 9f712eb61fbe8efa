"""Indexing progress shown under the conversation while a sync/rebuild runs in a worker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


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
        self.query_one("#index-what", Label).update(what[-40:] or "indexing…")
        self.query_one("#index-bar", ProgressBar).update(total=max(total, 1), progress=done)

    def finish(self) -> None:
        self.display = False
