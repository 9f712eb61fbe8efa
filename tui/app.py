"""QAApp: the chat window. Owns the engine, the conversation store and every worker.

The engine is injected (``QAApp(engine=..., settings=...)``) so the CLI and the tests share
one construction path. Slow work (model warm-up, search, indexing) runs in thread workers
that only *post messages*; all widget changes happen in the message handlers below.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from qa.chats import ChatStore
from qa.engine import Engine
from qa.errors import (
    IndexCorruptError,
    QAError,
    UnconfirmedRemovalError,
)
from qa.export import answer_markdown, conversation_markdown, default_export_path, write_markdown
from qa.settings import Settings
from qa.types import Answer, Approval, count
from tui.conversation import ChatState
from tui.messages import AnswerReady, AskFailed, EngineReady, IndexFinished, IndexProgress
from tui.screens.chat import ChatScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.conversations import ConversationsScreen
from tui.screens.help import HelpScreen, KeyGroup, binding_rows
from tui.screens.prompt import PromptScreen
from tui.screens.reader import ReaderScreen
from tui.screens.trace import TraceScreen
from tui.texts import report_text, user_message
from tui.widgets.chat_input import ChatInput
from tui.widgets.citation_card import CitationCard
from tui.widgets.index_progress import IndexProgressPanel
from tui.widgets.index_status import IndexStatusBar

LOADING = "loading model…"
#: Typed in the question box, opens the trace view of the phrases after it.
TRACE_COMMAND = "/trace"


class QAApp(App[None]):
    """Chat over the speeches: ask, read sources in context, keep conversations."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere keep the styles
    TITLE = "speech-qa"
    BINDINGS = [
        Binding("f1", "help", "Help", priority=True),
        Binding("f2", "copy_answer", "Copy answer", priority=True),
        Binding("f3", "export", "Export", priority=True),
        Binding("f4", "conversations", "Chats", priority=True),
        Binding("f5", "sync_index", "Sync index", priority=True),
        Binding("ctrl+n", "new_conversation", "New chat", priority=True),
    ]

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__()
        self.engine = engine
        self.settings = settings
        self.store: ChatStore | None = None
        self.state = ChatState()
        self.warm_failed = False  # warm-up failed (no index yet): retried after indexing
        self.indexing = False
        #: perf_counter() when the last answer was painted (read by scripts/bench_tui.py).
        self.last_answer_painted: float | None = None

    # ----------------------------------------------------------------- set-up
    def get_default_screen(self) -> Screen[Any]:
        return ChatScreen()

    @property
    def chat(self) -> ChatScreen:
        screen = self.screen_stack[0]  # the default screen stays at the bottom of the stack
        assert isinstance(screen, ChatScreen)
        return screen

    def on_mount(self) -> None:
        try:
            self.store = ChatStore(self.settings.chats_path)
        except QAError as exc:
            self.notify(str(exc), title="Conversations will not be saved", severity="warning")
        self._warm_up()

    @work(thread=True, exclusive=True, group="engine")
    def _warm_up(self) -> None:
        """Load index + encoder off the event loop, so the window is usable at once."""
        try:
            self.engine.warm_up()
            status = self.engine.status()
        except QAError as exc:
            self.post_message(EngineReady(None, exc))
            return
        self.post_message(EngineReady(status, None))

    def on_engine_ready(self, message: EngineReady) -> None:
        bar = self.chat.query_one(IndexStatusBar)
        self.warm_failed = message.error is not None
        if message.error is not None:
            bar.show(None, "")
            self.notify(user_message(message.error), title="Index not ready", severity="error", timeout=10)
        else:
            bar.show(message.status)
        self.state.ready = True
        self.chat.set_pending("searching…")
        self._next_question()

    # ------------------------------------------------------------- questions
    def on_chat_input_submitted(self, message: ChatInput.Submitted) -> None:
        command, _, rest = message.text.partition(" ")
        if command == TRACE_COMMAND:
            self._open_trace(rest)
            return
        turn = self.state.submit(message.text)
        self.chat.add_turn(turn, message.text, "searching…" if self.state.ready else LOADING)
        self._next_question()

    def _next_question(self) -> None:
        """Questions run one at a time, in order, once the engine is warm."""
        pending = self.state.next_question()
        if pending is not None:
            self._ask(pending.turn, pending.question, pending.previous)

    @work(thread=True, exclusive=True, group="ask")
    def _ask(self, turn: int, question: str, previous: str | None) -> None:
        try:
            answer = self.engine.ask(question, previous=previous)
        except QAError as exc:
            self.post_message(AskFailed(turn, exc))
            return
        self.post_message(AnswerReady(turn, answer))

    def on_answer_ready(self, message: AnswerReady) -> None:
        self.state.answered(message.answer)
        self.chat.show_answer(message.turn, message.answer)
        self.call_after_refresh(self._mark_painted)
        self._save_turn(message.answer)
        self._next_question()

    def _mark_painted(self) -> None:
        self.last_answer_painted = time.perf_counter()

    def on_ask_failed(self, message: AskFailed) -> None:
        self.state.failed()
        self.chat.show_error(message.turn, str(message.error))
        self.notify(user_message(message.error), title="Cannot answer", severity="error", timeout=10)
        self._next_question()

    def _save_turn(self, answer: Answer) -> None:
        if self.store is None:
            return
        try:
            if self.state.conversation_id is None:
                self.state.conversation_id = self.store.create(answer.question)
            self.store.add_turn(self.state.conversation_id, answer.question, answer)
        except QAError as exc:
            self.notify(str(exc), title="Not saved", severity="warning")

    # --------------------------------------------------------------- reading
    def on_citation_card_selected(self, message: CitationCard.Selected) -> None:
        answer = message.answer
        self.push_screen(ReaderScreen(self.engine, answer.hits, message.index,
                                      answer.resolved_question or answer.question))

    # --------------------------------------------------------------- tracing
    def action_trace(self) -> None:
        self.push_screen(PromptScreen("Trace phrases (several: separated by spaces):", ""), self._open_trace)

    def _open_trace(self, phrases: str | None) -> None:
        """Open the trace view of the space-separated ``phrases`` (``/trace 新质生产力``)."""
        words = (phrases or "").split()
        if not words:
            self.notify(f"Type {TRACE_COMMAND} and a phrase, e.g. {TRACE_COMMAND} 新质生产力", severity="warning")
            return
        self.push_screen(TraceScreen(self.engine, words))

    # ---------------------------------------------------- copy, export, help
    def action_copy_answer(self) -> None:
        answer = self.chat.latest_answer()
        if answer is None:
            self.notify("No answer to copy yet", severity="warning")
            return
        self.copy_to_clipboard(answer_markdown(answer))
        self.notify("Answer copied as Markdown")

    def action_export(self) -> None:
        if not self.state.answers:
            self.notify("Nothing to export yet", severity="warning")
            return
        default = default_export_path(self.settings.data_dir, self.state.title())
        self.push_screen(PromptScreen("Export the conversation to (Markdown):", str(default)), self._export_to)

    def _export_to(self, path: str | None) -> None:
        if not path:
            return
        try:
            text = conversation_markdown(self.state.title(), self.state.answers)
            written = write_markdown(Path(path).expanduser(), text)
        except QAError as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.notify(f"Exported to {written}", title="Export")

    def key_groups(self) -> list[KeyGroup]:
        """Every key of every screen, for the help screen."""
        return [
            ("Everywhere", binding_rows(self.BINDINGS)
             + [("ctrl+p", "Command palette (sync, rebuild, export, …)"), ("ctrl+q", "Quit")]),
            ("Conversation", binding_rows(ChatScreen.BINDINGS)
             + [("tab / shift+tab", "Move between the input and the cards")]),
            ("Question box", [("enter", "Send the question")] + binding_rows(ChatInput.BINDINGS)
             + [("up / down", "Earlier / later questions (on the first / last line)")]),
            ("Citation card", binding_rows(CitationCard.BINDINGS)),
            ("Trace view (/trace PHRASE)", [("enter", "Open the use in the reader")]
             + binding_rows(TraceScreen.BINDINGS)),
            ("Reader", binding_rows(ReaderScreen.BINDINGS)
             + [("up / down / pgup / pgdn", "Scroll the speech")]),
            ("Conversations list", [("enter", "Open")] + binding_rows(ConversationsScreen.BINDINGS)),
        ]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_groups()))

    # --------------------------------------------------------- conversations
    def action_new_conversation(self) -> None:
        self.state.reset()
        self.chat.clear()
        self.notify("New conversation")

    def action_conversations(self) -> None:
        if self.store is None:
            self.notify("Conversations are not being saved", severity="warning")
            return
        self.push_screen(ConversationsScreen(self.store), self._reopen)

    def _reopen(self, conversation_id: int | None) -> None:
        if conversation_id is None or self.store is None:
            return
        try:
            conversation = self.store.open(conversation_id)
        except QAError as exc:
            self.notify(str(exc), severity="error")
            return
        self.chat.clear()
        for number, turn in zip(self.state.reopen(conversation), conversation.turns, strict=True):
            self.chat.add_turn(number, turn.question, "", turn.answer)
        self.chat.query_one(ChatInput).questions.extend(t.question for t in conversation.turns)

    # -------------------------------------------------------------- indexing
    def _default_folder(self) -> str:
        paths = [Path(p).parent for p in (self.chat.query_one(IndexStatusBar).status or _NoStatus).doc_paths]
        return str(paths[0]) if paths and all(p == paths[0] for p in paths) else ""

    def action_sync_index(self) -> None:
        self._ask_folder("sync")

    def action_rebuild_index(self) -> None:
        self._ask_folder("rebuild")

    def _ask_folder(self, mode: str) -> None:
        if self.indexing:
            self.notify("Indexing is already running", severity="warning")
            return
        title = "Sync the index with folder:" if mode == "sync" else "Rebuild the index from folder:"
        self.push_screen(PromptScreen(title, self._default_folder()),
                         lambda folder: self._start_indexing(mode, folder))

    def _start_indexing(self, mode: str, folder: str | None, approval: Approval | None = None) -> None:
        if not folder:
            return
        path = Path(folder).expanduser()
        if not path.is_dir():
            what = "not a folder" if path.exists() else "no such folder"
            self.notify(f"{path}: {what}; nothing was changed", title="Cannot index", severity="error")
            return
        self.indexing = True
        self.chat.query_one(IndexProgressPanel).start(f"{mode}: {path}")
        self._index(mode, path, approval)

    @work(thread=True, exclusive=True, group="index")
    def _index(self, mode: str, folder: Path, approval: Approval | None) -> None:
        """Runs beside searching/reading; progress arrives as IndexProgress messages."""
        def progress(done: int, total: int, what: str) -> None:
            self.post_message(IndexProgress(done, total, what))

        try:
            if mode == "sync":
                report = self.engine.sync(folder, progress=progress, approval=approval)
            else:
                report = self.engine.build([folder], progress=progress)
            status = self.engine.status()
        except QAError as exc:
            self.post_message(IndexFinished(None, None, exc, mode, folder))
            return
        self.post_message(IndexFinished(report, status, None, mode, folder))

    def on_index_progress(self, message: IndexProgress) -> None:
        self.chat.query_one(IndexProgressPanel).advance(message.done, message.total, message.what)

    def on_index_finished(self, message: IndexFinished) -> None:
        self.indexing = False
        self.chat.query_one(IndexProgressPanel).finish()
        error, folder = message.error, message.folder
        if isinstance(error, UnconfirmedRemovalError) and folder is not None:
            self._confirm_removal(error, folder)
            return
        if isinstance(error, IndexCorruptError) and message.mode == "sync" and folder is not None:
            self._offer_rebuild(error, folder)
            return
        if error is not None:
            self.notify(user_message(error), title="Indexing failed", severity="error", timeout=10)
            return
        self.chat.query_one(IndexStatusBar).show(message.status)
        self.notify(report_text(message.report), title="Index updated")
        if self.warm_failed:
            self._warm_up()

    def _confirm_removal(self, error: UnconfirmedRemovalError, folder: Path) -> None:
        """The sync would remove most of the index (index.plan): go ahead only on a clear yes."""
        removed = error.plan.removed
        listing = "\n".join(f"  {Path(p).name}" for p in removed[:8]) + ("\n  …" if len(removed) > 8 else "")
        body = f"{error}.\n\n{listing}\n\nRemove them from the index?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_indexing("sync", str(folder), Approval.of(error.plan))
            else:
                self.notify("Nothing was changed", title="Sync cancelled")

        self.push_screen(ConfirmScreen("Remove most of the index?", body, yes=f"Remove {count(len(removed), 'document')}"),
                         answered)

    def _offer_rebuild(self, error: IndexCorruptError, folder: Path) -> None:
        """A damaged index cannot be synced; offer to rebuild it from the folder instead."""
        body = (f"{error}.\n\nRebuild it from {folder}? Every file is read and embedded again; "
                "the damaged files are set aside, not deleted.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._start_indexing("rebuild", str(folder))
            else:
                self.notify("Nothing was changed", title="Sync cancelled")

        self.push_screen(ConfirmScreen("The index is damaged", body, yes="Rebuild"), answered)

    # -------------------------------------------------------- command palette
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Sync index", "Add/update/remove speeches from a folder (F5)", self.action_sync_index)
        yield SystemCommand("Rebuild index", "Build the index from scratch from a folder", self.action_rebuild_index)
        yield SystemCommand("Trace a phrase", f"How a phrase was used over the years ({TRACE_COMMAND} PHRASE)",
                            self.action_trace)
        yield SystemCommand("Copy answer", "Copy the latest answer as Markdown (F2)", self.action_copy_answer)
        yield SystemCommand("Export conversation", "Save the conversation as Markdown (F3)", self.action_export)
        yield SystemCommand("Conversations", "Reopen or delete saved conversations (F4)", self.action_conversations)
        yield SystemCommand("New conversation", "Start an empty conversation (ctrl+n)", self.action_new_conversation)
        yield SystemCommand("Help", "Every key (F1)", self.action_help)

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()


class _NoStatus:
    doc_paths: list[str] = []


def run(engine: Engine, settings: Settings) -> None:
    """Entry point for ``qa chat``: open the window at once; the engine warms up inside."""
    QAApp(engine=engine, settings=settings).run()
