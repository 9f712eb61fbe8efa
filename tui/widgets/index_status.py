"""The status line above the footer: what the index holds, or what the engine is doing."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from qa.types import IndexStatus, count


def status_content(status: IndexStatus | None, state: str) -> Content:
    """``5 speeches · 120 chunks · model · updated …``; ``state`` wins while loading/failed."""
    if state:
        return Content.styled(state, "italic")
    if status is None or not status.exists:
        return Content.styled("no index — press F5 to build one", "$text-warning")
    if status.documents == 0:
        return Content.styled("the index is empty — press F5 to index a folder", "$text-warning")
    model = (status.model or "?").rsplit("/", 1)[-1]
    parts = [count(status.speeches, "speech"), count(status.chunks, "chunk"), model]
    if status.updated:
        parts.append(f"updated {status.updated[:16].replace('T', ' ')}")
    return Content(" · ".join(parts))


class IndexStatusBar(Static):
    """Docked above the Footer (which lists the keys)."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(status_content(None, "loading model…"), id=id)
        self.status: IndexStatus | None = None

    def show(self, status: IndexStatus | None, state: str = "") -> None:
        if status is not None:
            self.status = status
        self.update(status_content(self.status, state))
