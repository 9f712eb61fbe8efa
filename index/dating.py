"""A speech's date and where it came from, so that a year can be trusted or questioned.

Dates are looked for in order of reliability, and the first found is kept with its source:

==========  ==================================================================================
``text``     a date line or venue line of the speech ("（2017年10月18日）",
             "——2024年3月5日在第十四届全国人民代表大会第二次会议上"), at its head or its end
``title``    a date or year in the title ("2024年中华人民共和国国务院政府工作报告")
``session``  a meeting of known date named in the title block ("第十一届全国人民代表大会第一次
             会议", "(十二大)"), or else in the file name (:mod:`index.sessions`)
``filename`` a year standing on its own in the file name ("1954_政府工作报告.txt")
``user``     set in the folder's ``speeches.toml`` (:mod:`index.meta`); always wins
==========  ==================================================================================

Nothing is guessed from the body beyond its first and last lines: a speech mentions many
years and meetings ("从去年９月第五届全国人民代表大会第三次会议到现在…") that are not its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from index.patterns import parse_date_line, year_in_title
from index.sessions import find_session
from index.titleblock import parse_venue_line

#: Values of ``Speech.date_source``.
DATE_SOURCES = ("text", "title", "session", "metadata", "filename", "user")

_DATE_IN_TITLE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
#: A year in a file name, not part of a longer run of letters/digits (a hash such as
#: "c0f0e0639e4e2127" must not yield one).
_YEAR_IN_NAME = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d{2})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Dating:
    """An ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) and its source; both ``None`` if unknown."""

    date: str | None = None
    source: str | None = None


def date_in_lines(lines: Iterable[str]) -> str | None:
    """The first date stated by a date line or a venue line among ``lines``."""
    for line in lines:
        iso = parse_date_line(line)
        venue = parse_venue_line(line) if iso is None else None
        iso = iso or (venue.date if venue else None)
        if iso:
            return iso
    return None


def date_in_title(title: str) -> str | None:
    """A full date named in the title, else a year ("2020年在全县…会议上的讲话" → "2020")."""
    folded = unicodedata.normalize("NFKC", title)
    m = _DATE_IN_TITLE.search(folded)
    if m:
        iso = parse_date_line(m.group())
        if iso:
            return iso
    return year_in_title(folded)


def date_of_speech(title: str, block: Iterable[str], scan: Iterable[str]) -> Dating:
    """Date a speech from its own text: ``scan`` (head and tail lines), title, title block.

    ``block`` are the title block's lines (title, subtitle, venue, date and speaker lines),
    where a named session is the speech's own.
    """
    iso = date_in_lines(scan)
    if iso:
        return Dating(iso, "text")
    iso = date_in_title(title)
    if iso:
        return Dating(iso, "title")
    session = find_session("\n".join([title, *block]))
    return Dating(session.date, "session") if session else Dating()


def date_from_file_name(name: str) -> Dating:
    """Last resort: a session named in the file name ("…_(七大).txt"), else a year in it."""
    session = find_session(name)
    if session:
        return Dating(session.date, "session")
    m = _YEAR_IN_NAME.search(unicodedata.normalize("NFKC", name))
    return Dating(m.group(1), "filename") if m else Dating()
