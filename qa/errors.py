"""One error hierarchy for the whole product.

Front ends (CLI, TUI) catch ``QAError`` and show its message; anything else is a bug.
Messages name the file and the problem so the user can act on them.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error a user may see."""


class ReadError(QAError):
    """A document could not be read or decoded (the message names the file)."""


class IndexMissingError(QAError):
    """No index exists yet at the configured location."""


class IndexCorruptError(QAError):
    """The index on disk is unreadable or inconsistent."""


class ModelMismatchError(QAError):
    """The index was built with another embedding model than the one configured."""


class ModelLoadError(QAError):
    """The embedding model could not be loaded or exported."""


class EmptyQuestionError(QAError):
    """The question is empty or whitespace only."""


class ConfigError(QAError):
    """The settings file or an environment variable holds an invalid value."""


class FilterError(QAError):
    """A search filter holds an invalid value (e.g. a date that is not YYYY[-MM[-DD]])."""
