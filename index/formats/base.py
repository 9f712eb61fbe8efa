"""What a format reader hands to the pipeline: text lines and the facts the format knows about them.

Plain text knows nothing beyond its characters, so the cleaner guesses where a broken line
goes on and the structurer finds headings by their enumeration markers. Word, PDF and HTML
know more: a Word paragraph ends where it ends and may carry a heading style; a PDF line
has a page and a position from which a reader can tell whether the paragraph goes on. This
module carries those facts line by line (raw line index = position in ``text.split("\\n")``),
so the common pipeline can use them without knowing any format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

#: Per line: True = the paragraph goes on in the next line, False = it ends here, None = unknown.
Join = bool | None


class FormatError(Exception):
    """A file of a known format cannot be read; the message names the file and the problem.

    ``index.reader`` turns it into the product's ``ReadError`` (new ``index`` code does not
    import from ``qa``).
    """


@dataclass(frozen=True)
class RawDocument:
    """One file's text as lines, with what its format says about them.

    ``headings`` maps a raw line index to an outline level (0 = top) for lines the source
    marks as headings (Word heading styles, HTML <h1>–<h6>); ``joins`` and ``pages`` hold
    one entry per raw line or are empty (unknown / not paged); ``title`` and ``date`` come
    from metadata and are used only when the text itself names none; ``dropped`` lists the
    furniture the reader removed (running headers, footers, page numbers, footnotes).
    """

    text: str
    encoding: str
    title: str | None = None
    date: str | None = None
    headings: dict[int, int] = field(default_factory=dict)
    joins: tuple[Join, ...] = ()
    pages: tuple[int, ...] = ()
    dropped: tuple[str, ...] = ()


class LineBuilder:
    """Collects lines and their per-line facts, then builds a :class:`RawDocument`.

    A piece of text holding newlines (a Word soft line break, a table cell) becomes several
    lines; all but its last are marked as going on in the next line.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.joins: list[Join] = []
        self.pages: list[int] = []
        self.headings: dict[int, int] = {}

    def add(self, text: str, *, join: Join = None, page: int = 0, level: int | None = None) -> None:
        parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if level is not None:
            self.headings[len(self.lines)] = level
        for n, part in enumerate(parts):
            self.lines.append(part)
            self.joins.append(True if n + 1 < len(parts) else join)
            self.pages.append(page)

    def build(self, encoding: str, *, title: str | None = None, date: str | None = None,
              paged: bool = False, dropped: list[str] | tuple[str, ...] = ()) -> RawDocument:
        return RawDocument("\n".join(self.lines), encoding, clean_title(title), date, dict(self.headings),
                           tuple(self.joins), tuple(self.pages) if paged else (), tuple(dropped))


# Metadata titles that name a file or a template rather than the speech.
_NOT_A_TITLE = re.compile(
    r"(?i).*\.(?:docx?|wps|pdf|rtf|odt|html?|txt)$|(?:untitled|无标题|新建\s*\S*文档|文档\d*|document\d*|"
    r"microsoft word\b.*|slide \d+|幻灯片\s*\d+|PowerPoint.*)$"
)


def clean_title(title: str | None) -> str | None:
    """A metadata title worth showing, or None (file names, "Untitled", "Microsoft Word - x.doc")."""
    if not title:
        return None
    title = " ".join(title.split())
    return None if not title or _NOT_A_TITLE.fullmatch(title) else title


def iso_date(value: dt.datetime | dt.date | str | None) -> str | None:
    """``YYYY-MM-DD`` from a datetime/date, an ISO string, or a PDF date ("D:20210521…")."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d") if 1900 <= value.year <= 2100 else None
    m = re.match(r"(?:D:)?(\d{4})-?(\d{2})-?(\d{2})", value.strip())
    if not m:
        return None
    try:
        return iso_date(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    except ValueError:
        return None
