"""What a document is made of once read: speeches, their heading trees and their chunks.

Reading (index.reader) fills speeches and sections; chunking (index.chunker, a step of the
indexer) fills each speech's chunks. Plain data, so every stage can be built and tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    """A node of a speech's heading tree.

    ``level`` is the heading *kind* rank (0 = 一、/第一，/第一部分, 1 = （一）, 2 = 1、, 3 = （1）,
    4 = inline 一是/一要/首先); ``start``/``end`` delimit the whole section (heading included)
    in the cleaned speech text.
    """

    title: str
    level: int
    start: int
    end: int
    children: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: ``speech.text[start:end] == text`` always holds.

    ``pages``: the 1-based pages of a paged source (PDF) the passage comes from; empty otherwise.
    """

    section: tuple[str, ...]
    text: str
    start: int
    end: int
    pages: tuple[int, ...] = ()


@dataclass
class Speech:
    """One speech after cleaning: a compilation file yields several. ``chunks`` is empty until chunked.

    ``title_derived``: the title is the reader's (from the meeting the opening names, or the
    file name), not a title line of the file. ``source_name``: the file's name. ``date_source``:
    where the date came from, one of ``index.dating.DATE_SOURCES``.
    """

    title: str
    date: str | None
    text: str
    sections: list[Section] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    title_derived: bool = False
    source_name: str = ""
    subtitle: str | None = None
    venue: str | None = None
    date_source: str | None = None
    #: ``(offset, page)`` where text of each source line starts, for paged sources (PDF); see
    #: :func:`index.provenance.pages_between`. Empty when the source has no pages.
    page_marks: tuple[tuple[int, int], ...] = ()


@dataclass
class ParsedDocument:
    """What the reader made of one file."""

    path: Path
    encoding: str
    speeches: list[Speech]
    dropped: list[str] = field(default_factory=list)


def embed_text(title: str, section: tuple[str, ...] | list[str], body: str) -> str:
    """Text given to the embedder: title and section path in front of the body.

    The contextual header lets a passage that only says "二要……" be found by the topic
    its headings name; the *shown* text stays the bare body.
    """
    header = " › ".join([title, *section]) if title else " › ".join(section)
    return f"{header}\n{body}" if header else body
