"""Pilot tests of the chat on issue 9: guarded F5 sync, F5 on a damaged index, an empty index,
cut questions, labelled index stages and a readable help screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label, ProgressBar, Static

from qa.limits import MAX_QUESTION_CHARS
from qa.settings import Settings
from tests.tui.fake_engine import DATA, FakeEngine
from tests.tui.helpers import SIZE, ask, settle
from tui.app import QAApp
from tui.messages import IndexProgress
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.prompt import PromptScreen
from tui.widgets.answer_view import AnswerView
from tui.widgets.index_progress import IndexProgressPanel
from tui.widgets.index_status import IndexStatusBar

pytestmark = pytest.mark.anyio


def _notes(app: QAApp) -> list[str]:
    return [f"{n.severity}:{n.title}:{n.message}" for n in app._notifications]


async def _sync_to(pilot: object, app: QAApp, folder: Path) -> None:
    """F5, type ``folder`` into the prompt, enter, and wait for the job (or its question)."""
    await pilot.press("f5")  # type: ignore[attr-defined]
    assert isinstance(app.screen, PromptScreen)
    app.screen.query_one("#prompt-input").value = str(folder)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


@pytest.mark.parametrize(("key", "left"), [("n", 3), ("y", 0)])
async def test_f5_on_an_empty_folder_asks_before_removing(settings: Settings, tmp_path: Path, key: str,
                                                          left: int) -> None:
    engine = FakeEngine()
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _sync_to(pilot, app, tmp_path)  # holds no speech file
        assert isinstance(app.screen, ConfirmScreen) and app.screen.title_text == "Remove most of the index?"
        body = str(app.screen.query_one("#confirm-body", Static).render())
        assert "3 documents of the 3" in body and "002_34cb7f9ba8abacee.txt" in body
        assert len(engine.indexed) == 3  # nothing happened while the question is open
        await pilot.press(key)
        await settle(pilot)
        assert len(engine.indexed) == left
        if key == "n":
            assert any(n.startswith("information:Sync cancelled:Nothing was changed") for n in _notes(app))
        else:
            assert any(n.startswith("information:Index updated:0 added, 0 updated, 3 removed") for n in _notes(app))
            assert "the index is empty — press F5" in str(app.query_one(IndexStatusBar).render())


async def test_f5_that_removes_little_asks_nothing(settings: Settings) -> None:
    engine = FakeEngine()
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _sync_to(pilot, app, DATA)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any(n.startswith("information:Index updated:5 added") for n in _notes(app))


async def test_f5_on_a_damaged_index_offers_a_rebuild(settings: Settings) -> None:
    engine = FakeEngine(damaged=True)
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _sync_to(pilot, app, DATA)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.title_text == "The index is damaged"
        assert f"Rebuild it from {DATA}?" in str(app.screen.query_one("#confirm-body", Static).render())
        await pilot.press("y")
        await settle(pilot)
        assert not engine.damaged and len(engine.indexed) == 5
        assert any(n.startswith("information:Index updated:5 added") for n in _notes(app))


async def test_f5_to_a_missing_folder_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    engine = FakeEngine()
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _sync_to(pilot, app, tmp_path / "speechs")
        assert any("speechs: no such folder; nothing was changed" in n for n in _notes(app))
        assert len(engine.indexed) == 3 and not app.indexing


async def test_an_empty_index_says_so_when_asked(settings: Settings) -> None:
    engine = FakeEngine()
    engine.indexed = set()
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "the index is empty — press F5" in str(app.query_one(IndexStatusBar).render())
        await ask(pilot, "统一战线工作的主题是什么？")
        assert "is empty" in str(app.query_one(".answer-error", Static).render())
        assert any(n.startswith("error:Cannot answer:") and "Press F5" in n for n in _notes(app))


async def test_a_long_question_is_answered_with_a_notice(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, "怎样把意识形态工作责任制落到实处？" * 200)
        view = app.query_one(AnswerView)
        assert view.answer is not None and len(view.answer.question) <= MAX_QUESTION_CHARS
        assert "The question is 3,400 characters long" in str(view.query_one(".notice", Static).render())


async def test_uncounted_stages_show_their_label_and_a_busy_bar(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.query_one(IndexProgressPanel)
        panel.start("sync: /x")
        app.post_message(IndexProgress(0, 0, "loading the embedding model (~0.5 GB)"))
        await pilot.pause()
        assert str(panel.query_one("#index-what", Label).render()) == "loading the embedding model (~0.5 GB)"
        assert panel.query_one(ProgressBar).total is None
        app.post_message(IndexProgress(0, 0, "waiting for another indexing job on /" + "x" * 100 + "…"))
        await pilot.pause()
        label = str(panel.query_one("#index-what", Label).render())
        assert label.startswith("waiting for another") and label.endswith("x…") and len(label) <= 60


async def test_help_keeps_long_key_names_apart_from_their_description(engine: FakeEngine,
                                                                      settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        lines = str(app.screen.query_one("#help-keys", Static).render()).splitlines()
        for _group, rows in app.key_groups():
            for keys, description in rows:
                at = next((i for i, line in enumerate(lines)
                           if line.strip() == keys or line.strip().startswith(keys + " ")), None)
                assert at is not None, f"{keys!r} runs into its description"
                same_line = lines[at].strip()[len(keys):]
                assert same_line.startswith("  ") or (not same_line and lines[at + 1].strip() == description)
                assert f"{keys}{description}" not in "".join(lines)
