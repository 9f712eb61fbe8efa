"""From positioned PDF lines to speech text: drop page furniture, say where paragraphs go on.

A printed page repeats a running header and a page number on every page, and breaks every
paragraph into lines of the column's width (and across pages). Both are visible only in
the geometry, so they are decided here, before the text-only cleaner runs:

* **running headers/footers**: a line at the top or bottom edge of a page, set apart from
  the body by a gap, whose text (digits ignored) recurs at that edge on another page, or
  that is a page number ("12", "- 12 -", "第 12 页", "12/30");
* **paragraph continuation**: a line that reaches the right margin goes on in the next
  line unless the next one is indented (a new paragraph's first line), set apart by a
  larger gap, or in another font size; across a page break likewise. Lines short of the
  margin are left to the cleaner's text rules (they usually end a paragraph).

Spaces that PDF extraction infers next to CJK characters (typesetting gaps: "2020 年",
"精神 ，") are removed: they are layout, not text; typed spaces stay (see ``index.formats.pdf``).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from index.formats.base import Join

#: The outer share of a page's height where running headers and footers sit (LibreOffice and
#: Word put them within ~10% of the edge on A4/Letter; 15% leaves room for large margins).
EDGE_BAND = 0.15
#: A header is set apart from the body by more than this many body line pitches.
EDGE_GAP = 1.3
#: A line "reaches the margin" within this many of its character heights: justified CJK text ends
#: within ~1 em; ragged-right text up to ~2 em short (a Latin word or a character that may not
#: start a line moves down whole). Measured on the LibreOffice sample (tests/data/formats).
MARGIN_SLACK = 2.5
#: A next line starting further right than this many character heights is indented.
INDENT = 0.5
#: Consecutive lines of one paragraph are at most this many median pitches apart.
MAX_PITCH = 1.6
#: Font sizes closer than this fraction count as the same (12 pt body vs 14 pt heading differ by 14%).
SAME_SIZE = 0.1

_PAGE_NUMBER = re.compile(r"[-—–\s]*(?:第\s*)?(?:\d{1,4}|[ivxlcdm]{1,6}|[IVXLCDM]{1,6})(?:\s*页)?"
                          r"(?:\s*[/／]\s*(?:共\s*)?\d{1,4}(?:\s*页)?|\s*[,，]?\s*共\s*\d{1,4}\s*页)?[-—–\s]*")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_LAYOUT_SPACE = re.compile(f"(?<=[{_CJK}]) +| +(?=[{_CJK}])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def is_cjk(ch: str) -> bool:
    """A CJK ideograph, CJK punctuation or full-width form."""
    return bool(_CJK_CHAR.match(ch))


@dataclass(frozen=True)
class PdfLine:
    """One extracted line: its text, 1-based page, and ``(left, right, baseline, font size)`` in points.

    ``box`` is None when the extractor gave no reliable positions for the page; y grows upwards.
    """

    text: str
    page: int
    box: tuple[float, float, float, float] | None

    @property
    def height(self) -> float:
        """The font size: a character's height and width in CJK text."""
        return self.box[3] if self.box else 0.0

    @property
    def top(self) -> float:
        return self.box[2] + self.box[3] if self.box else 0.0


@dataclass(frozen=True)
class Assembled:
    """The body lines of all pages joined by newlines, with per-line joins and pages."""

    text: str
    joins: tuple[Join, ...]
    pages: tuple[int, ...]
    dropped: tuple[str, ...]


def tidy(text: str, *, spaces: bool = False) -> str:
    """Remove control characters; with ``spaces``, every space next to a CJK character too.

    ``spaces`` is for text whose typed and inferred spaces cannot be told apart.
    """
    text = _CONTROL.sub("", text)
    return _LAYOUT_SPACE.sub("", text) if spaces else text


def assemble(pages: list[list[PdfLine]], heights: list[float]) -> Assembled:
    """Drop running headers/footers and page numbers; decide where paragraphs go on.

    ``heights``: each page's height in points (positions are measured from its bottom).
    """
    furniture, dropped = _running_furniture(pages, heights)
    body = [line for page in pages for line in page if id(line) not in furniture]
    geometry = _Geometry.of(body)
    joins = [geometry.joins(line, body[n + 1]) if n + 1 < len(body) else False for n, line in enumerate(body)]
    return Assembled("\n".join(tidy(line.text) for line in body), tuple(joins),
                     tuple(line.page for line in body), tuple(dropped))


@dataclass(frozen=True)
class _Geometry:
    """Typical measures of the body text: left edge, right margin, line pitch."""

    left: float
    right: float
    pitch: float

    @classmethod
    def of(cls, lines: list[PdfLine]) -> _Geometry:
        boxed = [line.box for line in lines if line.box]
        if not boxed:
            return cls(0.0, 0.0, 0.0)
        left = Counter(round(b[0]) for b in boxed).most_common(1)[0][0]
        wide = sorted(b[1] for b, line in zip(boxed, (x for x in lines if x.box), strict=True)
                      if len(line.text) >= 10) or sorted(b[1] for b in boxed)
        right = wide[int(0.9 * (len(wide) - 1))]
        return cls(float(left), right, _median_pitch(lines))

    def joins(self, line: PdfLine, nxt: PdfLine) -> Join:
        """True/False from the geometry, None when a short line leaves it to the text rules."""
        if not line.box or not nxt.box or not self.pitch:
            return None
        em = line.height
        if abs(nxt.height - em) > SAME_SIZE * max(em, nxt.height):
            return False  # a heading, a title or a note in another size
        if nxt.page == line.page and line.box[2] - nxt.box[2] > MAX_PITCH * self.pitch:
            return False  # paragraph spacing
        offset = nxt.box[0] - self.left
        centred = offset > em and abs(offset - (self.right - nxt.box[1])) < em
        if offset > INDENT * em and not centred:
            return False  # the next paragraph's indented first line
        return True if line.box[1] >= self.right - MARGIN_SLACK * em else None


def _median_pitch(lines: list[PdfLine]) -> float:
    steps = [a.box[2] - b.box[2] for a, b in zip(lines, lines[1:], strict=False)
             if a.box and b.box and a.page == b.page and a.box[2] - b.box[2] > 0]
    return statistics.median(steps) if steps else 0.0


def _edge_lines(page: list[PdfLine], height: float, pitch: float) -> list[tuple[str, PdfLine]]:
    """The top-most and bottom-most line of a page when set apart from the body: ("top"/"bottom", line)."""
    boxed = sorted((line for line in page if line.box), key=lambda x: -x.top)
    if len(boxed) < 2 or not height:
        return []
    out = []
    top, below = boxed[0], boxed[1]
    if top.top >= height * (1 - EDGE_BAND) and top.top - below.top > EDGE_GAP * pitch:
        out.append(("top", top))
    bottom, above = boxed[-1], boxed[-2]
    if bottom.top <= height * EDGE_BAND and above.top - bottom.top > EDGE_GAP * pitch:
        out.append(("bottom", bottom))
    return out


def _running_furniture(pages: list[list[PdfLine]], heights: list[float]) -> tuple[set[int], list[str]]:
    """ids of header/footer/page-number lines, and a summary of them for ``dropped``."""
    pitch = _median_pitch([line for page in pages for line in page])
    edges = [(where, line) for page, height in zip(pages, heights, strict=True)
             for where, line in _edge_lines(page, height, pitch)]
    seen = Counter((where, _shape(line.text)) for where, line in edges)
    furniture: set[int] = set()
    found: dict[str, list[int]] = {}
    for where, line in edges:
        numbered = bool(_PAGE_NUMBER.fullmatch(line.text))
        if numbered or seen[(where, _shape(line.text))] >= 2:
            furniture.add(id(line))
            key = "page numbers" if numbered else tidy(line.text)
            found.setdefault(key, []).append(line.page)
    return furniture, [f"{key} (running header/footer, {len(pp)} pages)" for key, pp in found.items()]


def _shape(text: str) -> str:
    """A header's text with numbers and spaces ignored ("第 3 页" and "第 4 页" look alike)."""
    return re.sub(r"\d+", "#", "".join(text.split()))
