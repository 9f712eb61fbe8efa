"""Shared steps of the Pilot and snapshot tests."""

from __future__ import annotations

from textual.pilot import Pilot

from tui.app import QAApp
from tui.widgets.chat_input import ChatInput

SIZE = (100, 34)
QUESTION = "怎样把意识形态工作责任制落到实处？"


async def settle(pilot: Pilot[None]) -> None:
    """Wait until every worker finished and its messages were handled."""
    app = pilot.app
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.workers and (not isinstance(app, QAApp) or not app.state.busy):
            break
    await pilot.pause()


async def ask(pilot: Pilot[None], question: str) -> None:
    """Type ``question`` into the box, press enter and wait for the answer."""
    box = pilot.app.query_one(ChatInput)
    box.focus()
    box.load_text(question)
    await pilot.press("enter")
    await settle(pilot)
