"""The help screen (``?`` / F1): every key of every screen, generated from the bindings."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KeyGroup = tuple[str, list[tuple[str, str]]]


def _pretty_key(key: str) -> str:
    names = {"question_mark": "?", "escape": "esc", "enter": "enter"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) for each Binding; tuples are accepted as Textual allows them."""
    rows = []
    for b in bindings:
        binding = b if isinstance(b, Binding) else Binding(*b)
        rows.append((_pretty_key(binding.key), binding.description or binding.action))
    return rows


#: Widest key column; longer key lists ("shift+enter / ctrl+j / alt+enter") get a line of their own.
KEY_COLUMN = 22
#: Description characters per line: #help-box is 80 wide, less borders, padding, scrollbar and
#: the indented key column (80 - 2 - 4 - 2 - 2 - 24 = 46); longer ones continue under themselves.
DESCRIPTION_CHARS = 46


def _key_row(keys: str, description: str, width: int) -> list[Content]:
    """One key row; keys too wide for the column go above their description, never run into it,
    and a long description wraps under itself rather than under the keys."""
    indent = f"  {'':<{width}}"
    parts = textwrap.wrap(description, DESCRIPTION_CHARS) or [""]
    lines = [Content(indent + part) for part in parts[1:]]
    if len(keys) <= width - 2:  # at least two spaces between keys and description
        return [Content.assemble((f"  {keys:<{width}}", "bold"), parts[0]), *lines]
    return [Content.styled(f"  {keys}", "bold"), Content(indent + parts[0]), *lines]


def help_content(groups: list[KeyGroup]) -> Content:
    """A two-column key table per group."""
    lines: list[Content] = []
    width = min(max((len(k) for _, rows in groups for k, _ in rows), default=8), KEY_COLUMN) + 2
    for title, rows in groups:
        lines.append(Content.styled(title, "bold $accent"))
        for keys, description in rows:
            lines.extend(_key_row(keys, description, width))
        lines.append(Content(""))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Lists keys; escape, q, ? or F1 closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close help")]

    def __init__(self, groups: list[KeyGroup]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Content.styled("Keys", "bold"), id="help-title")
            yield Static(help_content(self.groups), id="help-keys")

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
