"""Errors of the qa layer, and the index layer's errors re-exported under one roof.

``QAError`` is the product-wide root (:class:`index.errors.SpeechQAError`), so a front end
catches one class. :func:`advice` adds what the *user* can do about an index error; the index
layer itself never names a command.
"""

from __future__ import annotations

from index.errors import (
    ConfigError,
    FilterError,
    FolderMissingError,
    IndexCorruptError,
    IndexEmptyError,
    IndexMissingError,
    IndexOutdatedError,
    ModelLoadError,
    ModelMismatchError,
    NothingToIndexError,
    ReadError,
    SpeechQAError,
)
from index.plan import UnconfirmedRemovalError

#: The root of every user-facing error (an alias, so index errors are QAErrors too).
QAError = SpeechQAError


class EmptyQuestionError(QAError):
    """The question is empty or whitespace only."""


_ADVICE: tuple[tuple[type[SpeechQAError], str], ...] = (
    (IndexMissingError, "build one with `qa index build PATH` (a folder of speech files)"),
    (IndexCorruptError, "`qa index doctor` says what is damaged and `qa index doctor --repair` fixes what it can; "
                        "or rebuild it with `qa index build PATH`"),
    (IndexOutdatedError, "upgrade it with `qa index add PATH` (no re-embedding), or rebuild with `qa index build PATH`"),
    (ModelMismatchError, "use the model the index was built with (--model), or rebuild with `qa index build PATH`"),
    (IndexEmptyError, "add speeches with `qa index add PATH` or `qa index sync FOLDER`"),
    (UnconfirmedRemovalError, "check the folder; `--dry-run` lists what would change, `--yes` removes them"),
)


#: Said after a degraded index's warning (index.stores.base.Store.damage) with every answer.
DAMAGE_ADVICE = "run `qa index doctor --repair`"


def advice(exc: BaseException) -> str | None:
    """What to do next about ``exc``, in CLI terms, or None when the message says it all."""
    for kind, text in _ADVICE:
        if isinstance(exc, kind):
            return text
    return None


def with_advice(exc: BaseException) -> str:
    """The error's message followed by :func:`advice`, as the CLI prints it."""
    hint = advice(exc)
    return f"{exc}: {hint}" if hint else str(exc)


__all__ = [
    "DAMAGE_ADVICE", "ConfigError", "EmptyQuestionError", "FilterError", "FolderMissingError", "IndexCorruptError", "IndexEmptyError",
    "IndexMissingError", "IndexOutdatedError", "ModelLoadError", "ModelMismatchError", "NothingToIndexError", "QAError", "ReadError",
    "SpeechQAError", "UnconfirmedRemovalError", "advice", "with_advice",
]
