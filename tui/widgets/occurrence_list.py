"""The trace view's list of uses: date, the phrase in its context, the citation; enter opens one."""

from __future__ import annotations

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from qa.trace import UNDATED, Occurrence, PhraseTrace


def occurrence_content(occ: Occurrence, tagged: bool) -> Content:
    """``date  …left【phrase】right…`` (tagged with the phrase when several are listed) and the
    citation on a second line."""
    left, matched, right = occ.kwic()
    head = Content.assemble((f"{occ.date or UNDATED:<10} ", "bold $accent"),
                            (f"[{occ.phrase}] " if tagged else "", "$text-secondary"),
                            Content.styled("…" + left, "$text-muted"), Content.styled(matched, "bold $text-warning"),
                            Content.styled(right + "…", "$text-muted"))
    return Content("\n").join([head, Content.styled("           " + occ.citation(), "italic $text-muted")])


class OccurrenceList(OptionList):
    """Every use of every traced phrase in date order; selecting one posts :class:`Opened`."""

    class Opened(Message):
        """Open use number ``index`` (0-based, in the order shown) in the reader."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def show(self, phrases: tuple[PhraseTrace, ...], occurrences: list[Occurrence]) -> None:
        """List ``occurrences`` (already in the order to show), tagged with their phrase when
        several phrases (or variants) are traced."""
        tagged = len(phrases) > 1
        self.clear_options()
        self.add_options([Option(occurrence_content(o, tagged)) for o in occurrences])
        if occurrences:
            self.highlighted = 0

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Opened(event.option_index))


__all__ = ["OccurrenceList", "occurrence_content"]
