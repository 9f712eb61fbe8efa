"""The reader: a cited passage in its whole speech, scrolled to and highlighted.

The speech is split into blocks at line breaks *and* at the passage boundaries, so the
passage is its own widget: scrolling to it is exact even inside a very long paragraph.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.engine import Engine
from qa.errors import QAError
from qa.types import Hit, SpeechText
from tui.highlight import clip_spans, styled_passage

#: Lines of context kept visible above the passage.
CONTEXT_LINES = 2


def speech_blocks(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """(block start, block end, inside passage) covering ``text``; blank lines dropped."""
    cuts = {0, len(text), max(0, min(start, len(text))), max(0, min(end, len(text)))}
    cuts.update(i + 1 for i, ch in enumerate(text) if ch == "\n")
    points = sorted(cuts)
    blocks = []
    for s, e in zip(points, points[1:], strict=False):
        if text[s:e].strip():
            blocks.append((s, e, start <= s and e <= end))
    return blocks


class SpeechLoaded(Message):
    """The worker fetched the speech of hit ``index`` (or failed)."""

    def __init__(self, index: int, speech: SpeechText | None, error: QAError | None) -> None:
        super().__init__()
        self.index = index
        self.speech = speech
        self.error = error


class ReaderScreen(Screen[None]):
    """Reads ``hits[index]`` in context; n/p move between the answer's hits."""

    AUTO_FOCUS = "#speech"
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("n,right,bracketright", "move(1)", "Next hit"),
        Binding("p,left,bracketleft", "move(-1)", "Previous hit"),
        Binding("c", "copy_passage", "Copy passage"),
    ]

    def __init__(self, engine: Engine, hits: tuple[Hit, ...], index: int, question: str) -> None:
        super().__init__()
        self.engine = engine
        self.hits = hits
        self.index = index
        self.question = question

    def compose(self) -> ComposeResult:
        yield Static(id="breadcrumb")
        yield VerticalScroll(Static(Content.styled("loading…", "italic $text-muted")), id="speech")
        yield Footer()

    def on_mount(self) -> None:
        self._show_breadcrumb()
        self._load(self.index)

    def _show_breadcrumb(self) -> None:
        hit = self.hits[self.index]
        crumb = Content.assemble((f"[{hit.rank}] ", "bold $accent"), hit.citation(),
                                 (f"   {self.index + 1}/{len(self.hits)}", "$text-muted"))
        self.query_one("#breadcrumb", Static).update(crumb)

    @work(thread=True, exclusive=True, group="speech")
    def _load(self, index: int) -> None:
        hit = self.hits[index]
        try:
            speech = self.engine.speech_text(hit.chunk_id)
        except QAError as exc:
            self.post_message(SpeechLoaded(index, None, exc))
            return
        self.post_message(SpeechLoaded(index, speech, None))

    def on_speech_loaded(self, message: SpeechLoaded) -> None:
        if message.index != self.index:
            return  # the user already moved on
        if message.error is not None or message.speech is None:
            self.notify(str(message.error), title="Cannot open the speech", severity="error")
            return
        self._render_speech(message.speech.text, self.hits[self.index])

    def _render_speech(self, text: str, hit: Hit) -> None:
        """Mount the speech as blocks, the passage highlighted, then scroll to it."""
        marks = tuple((hit.start + s, hit.start + e) for s, e in hit.highlights)
        words = tuple((hit.start + s, hit.start + e) for s, e in hit.matches)
        widgets: list[Static] = []
        first_passage: Static | None = None
        for s, e, inside in speech_blocks(text, hit.start, hit.end):
            body = text[s:e].rstrip("\n")
            content = styled_passage(body, clip_spans(marks, s, e), clip_spans(words, s, e)) if inside else Content(body)
            block = Static(content, classes="block passage" if inside else "block")
            if inside and first_passage is None:
                first_passage = block
            widgets.append(block)
        scroll = self.query_one("#speech", VerticalScroll)
        scroll.remove_children()
        scroll.mount_all(widgets)
        if first_passage is not None:
            self.call_after_refresh(self._scroll_to_passage, first_passage)

    def _scroll_to_passage(self, block: Static) -> None:
        scroll = self.query_one("#speech", VerticalScroll)
        scroll.scroll_to(y=max(0, block.virtual_region.y - CONTEXT_LINES), animate=False, immediate=True)

    def action_move(self, step: int) -> None:
        if len(self.hits) < 2:
            return
        self.index = (self.index + step) % len(self.hits)
        self._show_breadcrumb()
        self._load(self.index)

    def action_copy_passage(self) -> None:
        hit = self.hits[self.index]
        self.app.copy_to_clipboard(f"{hit.text}\n\n— {hit.citation()}")
        self.notify("Passage copied")

    def action_close(self) -> None:
        self.dismiss(None)
