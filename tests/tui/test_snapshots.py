"""Snapshot tests (pytest-textual-snapshot) of the main screen, the reader and help.

Deterministic: fixed terminal size, the FakeEngine, no clocks on screen, cursor blink off.
Regenerate with ``pytest tests/tui --snapshot-update`` after an intended UI change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from qa.settings import Settings
from tests.tui.fake_engine import FakeEngine
from tests.tui.helpers import QUESTION, SIZE, ask, settle
from tui.app import QAApp
from tui.widgets.chat_input import ChatInput


def _app(tmp_path: Path) -> QAApp:
    return QAApp(engine=FakeEngine(), settings=Settings(data_dir=tmp_path / "data"))


async def _answered(pilot: Pilot[None]) -> None:
    await settle(pilot)
    pilot.app.query_one(ChatInput).cursor_blink = False
    await ask(pilot, QUESTION)


def test_main_screen_with_answer(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=_answered)


def test_reader(snap_compare: Any, tmp_path: Path) -> None:
    async def open_reader(pilot: Pilot[None]) -> None:
        await _answered(pilot)
        await pilot.press("escape", "enter")
        await settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=open_reader)


def test_help_screen(snap_compare: Any, tmp_path: Path) -> None:
    async def open_help(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.query_one(ChatInput).cursor_blink = False
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=open_help)


def test_sync_confirmation(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "emptied").mkdir()
    monkeypatch.chdir(tmp_path)  # a relative folder: the same text on screen in every run

    async def sync_to_empty(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.query_one(ChatInput).cursor_blink = False
        await pilot.press("f5")
        pilot.app.screen.query_one("#prompt-input", Input).value = "emptied"
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=sync_to_empty)


def test_trace_view(snap_compare: Any, tmp_path: Path) -> None:
    """Two phrases side by side: legend with first and last use, grouped bars per year, the uses."""
    async def open_trace(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await ask(pilot, "/trace 高质量发展 统一战线")
        await settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=open_trace)
