"""Pilot tests of the trace view: /trace in the question box, the palette, the reader, variants,
and a history question answered from the trace in the conversation."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from qa.settings import Settings
from tests.tui.fake_engine import FakeEngine
from tests.tui.helpers import SIZE, ask, settle
from tui.app import QAApp
from tui.screens.prompt import PromptScreen
from tui.screens.reader import ReaderScreen
from tui.screens.trace import TraceScreen
from tui.widgets.answer_view import AnswerView
from tui.widgets.citation_card import CitationCard
from tui.widgets.occurrence_list import OccurrenceList
from tui.widgets.trace_chart import TraceChart, year_axis, year_counts, year_ticks
from tui.widgets.trace_summary import TraceSummary

pytestmark = pytest.mark.anyio
PHRASE = "高质量发展"


def _text(widget: Static) -> str:
    return str(widget.render())


async def _open_trace(pilot, command: str) -> TraceScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await ask(pilot, command)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TraceScreen)
    return screen


async def test_slash_trace_opens_the_view_with_chart_summary_and_uses(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_trace(pilot, f"/trace {PHRASE}")
        assert engine.traced == [((PHRASE,), False)] and engine.asked == [] and app.state.turns == 0
        summary = _text(screen.query_one(TraceSummary))
        assert "2021–2022 · 12 uses in 2 speeches" in summary
        assert "first  在上半年工作分析评议会上的讲话 (2021-07-10)" in summary
        uses = screen.query_one(OccurrenceList)
        assert uses.option_count == 12 and uses.has_focus
        trace = engine.trace([PHRASE])
        assert year_axis(trace) == [2021, 2022] and year_counts(trace, 0, [2021, 2022]) == [3, 9]
        assert screen.query_one(TraceChart).plt is not None
        await pilot.press("escape")
        assert not isinstance(app.screen, TraceScreen)


async def test_selecting_a_use_opens_the_reader_with_the_phrase_highlighted(engine: FakeEngine,
                                                                            settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_trace(pilot, f"/trace {PHRASE}")
        await pilot.press("down", "enter")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.index == 1 and len(reader.hits) == 12
        hit = reader.hits[1]
        (start, end), = hit.matches
        text = engine.speech_text(hit.chunk_id).text
        assert text[hit.start + start:hit.start + end] == PHRASE and text[hit.start:hit.end] == hit.text
        assert "2/12" in _text(reader.query_one("#breadcrumb", Static))
        passage = [_text(b) for b in reader.query(".passage").results(Static)]
        assert passage and PHRASE in "".join(passage)
        await pilot.press("escape")
        assert app.screen is screen


async def test_variants_toggle_and_several_phrases(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_trace(pilot, "/trace 高质量发展 统一战线")
        uses = screen.query_one(OccurrenceList)
        prompts = [str(uses.get_option_at_index(n).prompt) for n in range(uses.option_count)]
        assert len(prompts) == 27 and sum("[统一战线]" in p for p in prompts) == 15
        await pilot.press("v")
        await settle(pilot)
        assert engine.traced[-1] == (("高质量发展", "统一战线"), True)
        assert "variant of “高质量发展”" in _text(screen.query_one(TraceSummary))


async def test_palette_command_and_an_empty_trace(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, "/trace")
        assert [n.severity for n in app._notifications] == ["warning"] and engine.traced == []
        app.action_trace()
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = "统一战线"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen) and engine.traced == [(("统一战线",), False)]
        assert app.screen.query_one(OccurrenceList).option_count == 15


async def test_a_first_use_question_is_answered_from_the_trace(engine: FakeEngine, settings: Settings) -> None:
    app = QAApp(engine=engine, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await ask(pilot, f"“{PHRASE}”是哪一年首次提出的？")
        view = app.query_one(AnswerView)
        texts = [_text(s) for s in view.query(".answer-text").results(Static)]
        assert texts[0].startswith(f"“{PHRASE}”最早见于在上半年工作分析评议会上的讲话 (2021-07-10)")
        assert "2021–2022，2篇讲话共12次" in texts[0] and "[1]" in texts[1]
        card = view.query_one(CitationCard)
        card.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReaderScreen) and app.screen.hits[0].date == "2021-07-10"


def test_year_ticks_fit_the_width() -> None:
    years = list(range(1954, 2026))
    assert year_ticks(years, 200) == list(range(1955, 2026, 5))
    assert year_ticks(years, 60) == list(range(1960, 2021, 10))
    assert year_ticks([2021, 2022], 80) == [2021, 2022]
