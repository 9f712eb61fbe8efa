"""Titles and dates set by the user in a ``speeches.toml`` beside the documents.

The reader's titles and dates are guesses where a file does not state them; a user who
knows better writes them down once, in the folder, where they travel with the files::

    # speeches.toml — keys are file names in this folder
    ["002_34cb7f9ba8abacee.txt"]
    title = "在全区组织、宣传、统战工作会议上的讲话"
    date = "2022-02-15"          # YYYY, YYYY-MM or YYYY-MM-DD (a TOML date works too)

    ["001_2db0e6606ab9e04e.txt".3]   # one speech of a compilation, counted from 1
    date = "2012-03-09"

One file per folder rather than a sidecar per document: dozens of corrections stay in one
place, and the folder listing is not doubled. A ``date`` for a whole compilation applies to
each of its speeches; a ``title`` must name the speech. What is set here wins over the text
(``date_source = "user"``, ``title_derived = False``). The entry is part of the document's
fingerprint, so ``qa index add/sync`` re-reads a file whose entry changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.document import Speech
from index.filesize import MAX_META_BYTES

META_FILE = "speeches.toml"
_ISO = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_FIELDS = ("title", "date")


class MetadataError(ValueError):
    """A ``speeches.toml`` that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class SpeechMeta:
    """What the user set for one speech (or a whole file)."""

    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class FileMeta:
    """A file's entry: ``whole`` for the file, ``parts`` by speech number (1-based)."""

    whole: SpeechMeta = SpeechMeta()
    parts: dict[int, SpeechMeta] = field(default_factory=dict)


def _date(value: Any, where: str) -> str:
    """A user's date as ISO text, or MetadataError."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(text, str) and _ISO.match(text):
        parts = [int(p) for p in text.split("-")]
        try:
            dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
            return text
        except ValueError:
            pass
    raise MetadataError(f"{where}: date {value!r} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")


def _speech_meta(table: dict[str, Any], where: str, *, numbered: bool) -> SpeechMeta:
    """Check one table's keys and values."""
    allowed = "title, date" + (" or a speech number" if numbered else "")
    for key in table:
        if key not in _FIELDS and not (numbered and key.isdigit()):
            raise MetadataError(f"{where}: unknown key {key!r} (expected {allowed})")
    title = table.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise MetadataError(f"{where}: title must be non-empty text")
    date = _date(table["date"], where) if "date" in table else None
    return SpeechMeta(title.strip() if title else None, date)


def _file_meta(name: str, entry: Any, source: Path) -> FileMeta:
    where = f"{source}: [{json.dumps(name, ensure_ascii=False)}]"
    if not isinstance(entry, dict):
        raise MetadataError(f"{where}: expected a table with title and/or date")
    parts = {}
    for key, sub in entry.items():
        if key.isdigit():
            if not isinstance(sub, dict) or int(key) < 1:
                raise MetadataError(f"{where}.{key}: expected a table with title and/or date for speech {key}")
            parts[int(key)] = _speech_meta(sub, f"{where}.{key}", numbered=False)
    return FileMeta(_speech_meta(entry, where, numbered=True), parts)


@functools.lru_cache(maxsize=16)
def _parse(source: Path, raw: bytes) -> dict[str, FileMeta]:
    """Parse one metadata file; cached by content (a folder's files share one parse, and an
    edit is seen at once, even within the file system's timestamp granularity)."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MetadataError(f"{source}: not UTF-8 text ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MetadataError(f"{source}: not valid TOML ({exc})") from exc
    return {name: _file_meta(name, entry, source) for name, entry in data.items()}


def meta_for(path: Path) -> FileMeta | None:
    """The entry for ``path`` in the ``speeches.toml`` of its folder, if any."""
    source = path.parent / META_FILE
    if not source.is_file():
        return None
    try:
        if source.stat().st_size > MAX_META_BYTES:
            raise MetadataError(f"{source}: file is too large for a speeches.toml "
                                f"({source.stat().st_size // 1024:,} KB; the limit is {MAX_META_BYTES // 1024:,} KB)")
        raw = source.read_bytes()
    except OSError as exc:
        raise MetadataError(f"{source}: cannot be read ({exc.strerror or exc})") from exc
    return _parse(source, raw).get(path.name)


def meta_fingerprint(path: Path) -> bytes:
    """The entry as canonical bytes (empty without one), to be hashed with the file's content."""
    meta = meta_for(path)
    if meta is None:
        return b""
    return json.dumps([meta.whole.__dict__, sorted((k, v.__dict__) for k, v in meta.parts.items())],
                      ensure_ascii=False, sort_keys=True).encode("utf-8")


def apply_meta(speeches: list[Speech], meta: FileMeta, path: Path) -> None:
    """Set the user's titles and dates on the speeches read from ``path``."""
    where = f"{path.parent / META_FILE}: [{json.dumps(path.name, ensure_ascii=False)}]"
    if meta.whole.title and len(speeches) > 1:
        raise MetadataError(f"{where}: a title for a file of {len(speeches)} speeches: set it per speech, "
                            f"e.g. [{json.dumps(path.name, ensure_ascii=False)}.2]")
    for number in meta.parts:
        if number > len(speeches):
            raise MetadataError(f"{where}.{number}: the file holds {len(speeches)} speech(es)")
    for n, speech in enumerate(speeches, 1):
        for wanted in (meta.whole, meta.parts.get(n, SpeechMeta())):
            if wanted.title:
                speech.title, speech.title_derived = wanted.title, False
            if wanted.date:
                speech.date, speech.date_source = wanted.date, "user"
