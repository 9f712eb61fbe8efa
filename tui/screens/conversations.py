"""The saved conversations: reopen with enter, delete with d/delete, close with escape."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from qa.chats import ChatStore, ConversationSummary
from qa.types import count


def _label(c: ConversationSummary) -> str:
    return f"{c.title}  ·  {count(c.turns, 'turn')}  ·  {c.updated[:16].replace('T', ' ')}"


class ConversationsScreen(ModalScreen[int | None]):
    """Dismisses with the id of the conversation to open, or None."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("d,delete", "delete", "Delete conversation"),
    ]

    def __init__(self, store: ChatStore) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-box"):
            yield Label("Conversations (enter: open · d: delete · esc: close)", id="conversations-title")
            yield OptionList(id="conversations")

    def on_mount(self) -> None:
        self._reload()

    def _reload(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        rows = self.store.list()
        options.add_options([Option(_label(c), id=str(c.id)) for c in rows])
        if not rows:
            options.add_option(Option("(no saved conversations)", id="none", disabled=True))
        else:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id and event.option.id != "none":
            self.dismiss(int(event.option.id))

    def action_delete(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id and option.id != "none":
            self.store.delete(int(option.id))
            self.notify("Conversation deleted")
            self._reload()

    def action_close(self) -> None:
        self.dismiss(None)
