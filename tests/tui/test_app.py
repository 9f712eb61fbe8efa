"""Pilot tests of the chat app, driven with the FakeEngine over tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, ProgressBar, Static

from qa.settings import Settings
from tests.tui.fake_engine import DATA, FakeEngine
from tests.tui.helpers import QUESTION, SIZE, ask, settle
from tui.app import QAApp
from tui.screens.conversations import ConversationsScreen
from tui.screens.help import HelpScreen
from tui.screens.prompt import PromptScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.answer_view import AnswerView
from tui.widgets.chat_input import ChatInput
from tui.widgets.citation_card import CitationCard
from tui.widgets.index_progress import IndexProgressPanel
from tui.widgets.index_status import IndexStatusBar
from tui.widgets.question_view import QuestionView

pytestmark = pytest.mark.anyio


def _text(widget: Static) -> str:
    return str(widget.render())


def _notes(app: QAApp) -> list[str]:
    return [f"{n.severity}:{n.title}:{n.message}" for n in app._notifications]


async def test_ask_shows_answer_with_citations(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "5 speeches" not in _text(app.query_one(IndexStatusBar))
        assert "3 speeches · 65 chunks · multilingual-e5-small" in _text(app.query_one(IndexStatusBar))
        await ask(pilot, QUESTION)
        assert [q.question for q in app.query(QuestionView).results(QuestionView)] == [QUESTION]
        view = app.query_one(AnswerView)
        assert view.answer is not None and view.answer.supported
        text = _text(view.query_one(".answer-text", Static))
        assert "严格落实意识形态工作责任制" in text and "[1]" in text
        cards = list(view.query(CitationCard).results(CitationCard))
        assert len(cards) == len(view.answer.hits) == 3
        first = _text(cards[0])
        assert first.startswith("[1] 在全区组织宣传统战工作会议上的讲话") and "2022-02-15" in first
        assert engine.asked == [(QUESTION, None)]


async def test_input_history_and_multiline(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, "组织部门有什么职责？")
        await ask(pilot, QUESTION)
        box = app.query_one(ChatInput)
        await pilot.press("up")
        assert box.text == QUESTION
        await pilot.press("up")
        assert box.text == "组织部门有什么职责？"
        await pilot.press("down", "down")
        assert box.text == ""
        await pilot.press("a", "shift+enter", "b")
        assert box.text == "a\nb" and len(app.query(QuestionView)) == 2


async def test_citation_opens_reader_at_highlighted_passage(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, "组织部门有什么职责？")
        answer = app.query_one(AnswerView).answer
        assert answer is not None
        await pilot.press("escape")  # input → first card of the newest answer
        assert isinstance(app.focused, CitationCard) and app.focused.index == 0
        await pilot.press("down", "enter")  # second card
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.index == 1
        hit = answer.hits[1]
        assert hit.citation() in _text(reader.query_one("#breadcrumb", Static))
        passage = list(reader.query(".passage").results(Static))
        assert "".join(_text(p) for p in passage).strip() == hit.text.strip()
        scroll = reader.query_one("#speech")
        top = passage[0].virtual_region.y
        assert scroll.scroll_y > 0 and scroll.scroll_y <= top < scroll.scroll_y + scroll.size.height
        await pilot.press("n")
        await settle(pilot)
        assert reader.index == 2 and answer.hits[2].citation() in _text(reader.query_one("#breadcrumb", Static))
        await pilot.press("escape")
        assert not isinstance(app.screen, ReaderScreen)


async def test_click_on_card_opens_reader(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, QUESTION)
        card = app.query(CitationCard).first(CitationCard)
        await pilot.click(card)
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen) and app.screen.index == 0


async def test_followup_is_resolved_and_shown(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, "组织部门有什么职责？")
        await ask(pilot, "那宣传部门呢？")
        await ask(pilot, "那统战部门呢？")
        assert engine.asked[1] == ("那宣传部门呢？", "组织部门有什么职责？")
        assert engine.asked[2] == ("那统战部门呢？", "宣传部门有什么职责")  # the *resolved* previous
        views = list(app.query(AnswerView).results(AnswerView))
        assert "answered as: 宣传部门有什么职责" in _text(views[1].query_one(".resolved", Static))
        assert not views[0].query(".resolved")


async def test_question_waits_for_the_model(settings: Settings) -> None:
    engine = FakeEngine()
    engine.warm_gate.clear()  # the model is "loading" until the test says so
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        assert "loading model" in _text(app.query_one(IndexStatusBar))  # window up before warm-up
        box = app.query_one(ChatInput)
        box.load_text(QUESTION)
        await pilot.press("enter")
        await pilot.pause()
        assert "loading model" in _text(app.query_one(AnswerView).query_one(".pending", Static))
        assert engine.asked == []
        engine.warm_gate.set()
        await settle(pilot)
        assert engine.asked == [(QUESTION, None)] and app.query(CitationCard)


async def test_copy_and_export(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, QUESTION)
        await ask(pilot, "组织部门有什么职责？")
        await pilot.press("f2")
        assert app.clipboard.startswith("## 组织部门有什么职责？") and "[1] " in app.clipboard
        await pilot.press("f3")
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        default = Path(prompt.value)
        assert default.parent == settings.data_dir / "exports" and default.suffix == ".md"
        await pilot.press("enter")
        await pilot.pause()
        text = default.read_text(encoding="utf-8")
        assert text.startswith(f"# {QUESTION}") and f"## {QUESTION}" in text and "## 组织部门有什么职责？" in text
        assert "> " in text and "在全区组织宣传统战工作会议上的讲话 (2022-02-15)" in text
        assert any("Exported to" in n for n in _notes(app))


async def test_export_to_unwritable_path_notifies(engine: FakeEngine, settings: Settings, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, QUESTION)
        await pilot.press("f3")
        app.screen.query_one("#prompt-input").value = str(blocker / "sub" / "x.md")
        await pilot.press("enter")
        await pilot.pause()
        assert any(n.startswith("error:Export failed") and str(blocker) in n for n in _notes(app))


async def test_sync_shows_progress_while_questions_still_work(settings: Settings) -> None:
    engine = FakeEngine()
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        engine.index_gate.clear()  # indexing stops after its first file until released
        await pilot.press("f5")
        prompt = app.screen
        assert isinstance(prompt, PromptScreen) and Path(prompt.value) == DATA  # the indexed folder
        await pilot.press("enter")
        panel = app.query_one(IndexProgressPanel)
        bar = panel.query_one(ProgressBar)
        for _ in range(200):
            if bar.progress == 1:
                break
            await pilot.pause(0.02)
        assert app.indexing and panel.display and (bar.progress, bar.total) == (1, 5)
        box = app.query_one(ChatInput)
        box.load_text(QUESTION)
        await pilot.press("enter")
        for _ in range(200):
            if app.query(CitationCard):
                break
            await pilot.pause(0.02)
        assert app.query(CitationCard) and app.indexing  # answered while indexing runs
        engine.index_gate.set()
        await settle(pilot)
        assert not app.indexing and not panel.display
        assert any(n.startswith("information:Index updated:5 added") for n in _notes(app))


async def test_missing_index_is_a_notification_not_a_traceback(settings: Settings) -> None:
    engine = FakeEngine(missing_index=True)
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any(n.startswith("error:Index not ready:") and "no index at" in n and "Press F5" in n
                   for n in _notes(app))
        assert "no index — press F5" in _text(app.query_one(IndexStatusBar))
        await ask(pilot, QUESTION)
        assert "no index at" in _text(app.query_one(".answer-error", Static))
        assert any(n.startswith("error:Cannot answer:") for n in _notes(app))
    assert app.return_code in (0, None)


async def test_conversations_persist_reopen_and_delete(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, QUESTION)
        await ask(pilot, "那宣传部门呢？")
    again = QAApp(engine=FakeEngine(), settings=settings)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not again.query(AnswerView)
        await pilot.press("f4")
        screen = again.screen
        assert isinstance(screen, ConversationsScreen)
        options = screen.query_one(OptionList)
        assert options.option_count == 1 and "2 turns" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await pilot.pause()
        views = list(again.query(AnswerView).results(AnswerView))
        assert [v.answer.question for v in views if v.answer] == [QUESTION, "那宣传部门呢？"]
        assert again.query(CitationCard)
        await pilot.press("f4", "d")
        await pilot.pause()
        assert again.store is not None and again.store.list() == []


async def test_help_lists_every_key(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = _text(app.screen.query_one("#help-keys", Static))
        for key in ("f1", "f2", "f3", "f4", "f5", "ctrl+n", "shift+enter", "esc", "Next hit", "Delete conversation"):
            assert key in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await ask(pilot, QUESTION)
        await pilot.press("escape", "question_mark")  # ? works once the focus left the input
        assert isinstance(app.focused, CitationCard) or isinstance(app.screen, HelpScreen)
        assert isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_index_and_chat_commands(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Sync index", "Rebuild index", "Copy answer", "Export conversation", "Conversations", "Help"):
            assert title in titles
        rebuild = next(c for c in app.get_system_commands(app.screen) if c.title == "Rebuild index")
        rebuild.callback()
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen) and "Rebuild" in app.screen.title_text
