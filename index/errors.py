"""Errors of the index layer: every failure a user may see while reading, indexing or searching.

One root, :class:`SpeechQAError`, for the whole product: the front ends catch it and show its
message, anything else is a bug. Messages say what is wrong and with which file or folder, in
the user's words; they never name a front-end command (the CLI and the chat add their own
advice, see ``qa.errors.advice``), so the same error reads right in either front end.
"""

from __future__ import annotations


class SpeechQAError(Exception):
    """Base class of every error a user may see (the message names the file or value)."""


class ReadError(SpeechQAError):
    """A document could not be read or decoded (the message names the file)."""


class IndexMissingError(SpeechQAError):
    """No index exists yet at the configured location."""


class IndexCorruptError(SpeechQAError):
    """The index on disk is unreadable or inconsistent."""


class IndexOutdatedError(SpeechQAError):
    """The index was written by an older version; the next write upgrades it in place."""


class ModelMismatchError(SpeechQAError):
    """The index was built with another embedding model than the one configured."""


class ModelLoadError(SpeechQAError):
    """The embedding model could not be loaded or exported."""


class ConfigError(SpeechQAError):
    """A setting holds an invalid value (the message names the setting)."""


class FilterError(SpeechQAError):
    """A search filter holds an invalid value (e.g. a date that is not YYYY[-MM[-DD]])."""


class NothingToIndexError(SpeechQAError):
    """A build found no readable speech file in the paths it was given."""


class FolderMissingError(SpeechQAError):
    """A folder to index or mirror does not exist (or is not a folder); nothing was changed."""


class IndexEmptyError(SpeechQAError):
    """The index exists but holds no passage (every document was removed)."""
