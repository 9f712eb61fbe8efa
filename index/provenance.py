"""Map a speech's text back to the source lines it was made from: pages and heading styles.

Cleaning removes lines and joins others, and splitting cuts the file into speeches, so an
offset in a speech no longer says which line of the file it came from. Each cleaned
paragraph records ``(offset, raw line)`` for every source line joined into it; this module
lays those marks end to end over the speech text, which lets a chunk name the page(s) it
comes from ("p. 3") and lets the structure parser use the headings a Word or HTML file
declares.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LineMap:
    """Sorted speech offsets at which text from a raw line starts, and those lines."""

    starts: tuple[int, ...]
    lines: tuple[int, ...]
    paragraph_starts: frozenset[int]

    @classmethod
    def build(cls, paragraphs: Sequence[str], origins: Sequence[tuple[tuple[int, int], ...]]) -> LineMap:
        """From a speech's paragraphs (joined by one newline) and their origins."""
        starts: list[int] = []
        lines: list[int] = []
        firsts: set[int] = set()
        offset = 0
        for text, marks in zip(paragraphs, origins, strict=False):
            firsts.add(offset)
            for rel, line in marks:
                starts.append(offset + rel)
                lines.append(line)
            offset += len(text) + 1
        return cls(tuple(starts), tuple(lines), frozenset(firsts))

    def lines_in(self, start: int, end: int) -> list[int]:
        """Raw lines that contributed text to ``[start, end)``."""
        lo = max(bisect_right(self.starts, start) - 1, 0)
        hi = bisect_left(self.starts, end)
        return list(self.lines[lo:max(hi, lo + 1)]) if self.starts else []

    def headings(self, levels: Mapping[int, int]) -> list[tuple[int, int]]:
        """``(offset, level)`` of paragraphs whose first source line the file marks as a heading."""
        if not levels:
            return []
        return [(pos, levels[line]) for pos, line in zip(self.starts, self.lines, strict=True)
                if line in levels and pos in self.paragraph_starts]

    def page_marks(self, line_pages: Sequence[int]) -> tuple[tuple[int, int], ...]:
        """``(offset, page)`` per source line, kept on the speech so chunks cut later know their
        pages (:func:`pages_between`)."""
        if not line_pages:
            return ()
        return tuple((pos, line_pages[n]) for pos, n in zip(self.starts, self.lines, strict=True)
                     if 0 <= n < len(line_pages))


def pages_between(marks: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, ...]:
    """The sorted pages of the speech text in ``[start, end)``, from :meth:`LineMap.page_marks`."""
    if not marks:
        return ()
    offsets = [pos for pos, _page in marks]
    lo = max(bisect_right(offsets, start) - 1, 0)
    hi = max(bisect_left(offsets, end), lo + 1)
    return tuple(sorted({page for _pos, page in marks[lo:hi]}))


def format_pages(pages: Sequence[int]) -> str:
    """"p. 3", "pp. 3–4", "pp. 3, 5" – how a citation names pages ("" when there are none)."""
    if not pages:
        return ""
    if len(pages) == 1:
        return f"p. {pages[0]}"
    if list(pages) == list(range(pages[0], pages[-1] + 1)):
        return f"pp. {pages[0]}–{pages[-1]}"
    return "pp. " + ", ".join(map(str, pages))
