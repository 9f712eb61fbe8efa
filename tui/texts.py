"""What the chat says in words: errors with what to do about them in the chat, and index reports.

Plain functions over the engine's types, apart from the app so they are read and tested alone.
"""

from __future__ import annotations

from qa.errors import IndexCorruptError, IndexEmptyError, IndexMissingError, ModelMismatchError, QAError
from qa.types import IndexReport

_CHAT_ADVICE: tuple[tuple[type[QAError], str], ...] = (
    (IndexMissingError, "Press F5 to index a folder of speeches."),
    (IndexEmptyError, "Press F5 to index a folder of speeches."),
    (IndexCorruptError, "Press F5 and give the speeches' folder to rebuild it (or ctrl+p, then Rebuild index)."),
    (ModelMismatchError, "Rebuild the index with this model: ctrl+p, then Rebuild index."),
)


def user_message(exc: BaseException) -> str:
    """An error as the chat shows it: the message, then what to do in the chat (not CLI commands)."""
    hint = next((text for kind, text in _CHAT_ADVICE if isinstance(exc, kind)), None)
    return f"{exc}. {hint}" if hint else str(exc)



def report_text(report: IndexReport | None) -> str:
    """A finished index job in one line, for a notification."""
    if report is None:
        return "done"
    return (f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
            f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped")
