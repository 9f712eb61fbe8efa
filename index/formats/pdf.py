"""Read the text layer of a PDF, line by line, with each line's page and position.

PDFium (through pypdfium2, Apache-2.0/BSD-3; no AGPL code) extracts the text; it reads CJK
text layers correctly and is an order of magnitude faster than the pure-Python readers
(measured by ``scripts/bench_formats.py``: a 300-page speech PDF in a few seconds). The
positions let :mod:`index.formats.pdflayout` drop running headers, footers and page
numbers and tell where a paragraph goes on across a line or page break. Not supported:
OCR of scanned pages (a PDF without a text layer is refused with a message saying so),
password-protected files, and multi-column layouts (read in the PDF's own text order).
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path
from typing import Any

from index.formats.base import FormatError, RawDocument, clean_title
from index.formats.pdflayout import PdfLine, assemble, is_cjk, tidy

#: Below this many characters per page on average there is no real text layer: a speech page
#: holds ~600–1,200 characters; scanned PDFs carry at most a stamp or page number (~0–20).
MIN_CHARS_PER_PAGE = 20
#: Share of undecodable characters (private-use glyph codes, U+FFFD) above which the text layer
#: is unusable: fonts without a Unicode map. A real text layer has practically none.
MAX_UNMAPPED = 0.3
_UNMAPPED = re.compile("[\ue000-\uf8ff\ufffd]")
_LINE_BREAK = "\r\n"
#: A character starting this many of its widths left of the previous one is out of order (kerning
#: and overlapping punctuation move glyphs back by a fraction of a width, never by a whole one).
_DISORDER = 1.0
#: A gap wider than this share of a character's width separates words when a line is re-ordered.
_WORD_GAP = 0.25


def read_pdf(path: Path) -> RawDocument:
    """Lines of the text layer with page numbers and layout facts (raises :class:`FormatError`)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise FormatError(f"{path}: the PDF is password-protected (encrypted); remove the password "
                              "(e.g. print it to a new PDF) and add it again") from exc
        raise FormatError(f"{path}: not a readable PDF (damaged, or not a PDF: {exc})") from exc
    try:
        title = clean_title(str(pdf.get_metadata_dict().get("Title") or ""))
        heights = [pdf[n].get_height() for n in range(len(pdf))]
        pages = [_page_lines(pdf, n) for n in range(len(pdf))]
    except pdfium.PdfiumError as exc:
        raise FormatError(f"{path}: the PDF is damaged ({exc})") from exc
    finally:
        pdf.close()
    _check_text_layer(path, pages)
    raw = assemble(pages, heights)
    return RawDocument(raw.text, f"pdf, {len(pages)} pages", title, None, {}, raw.joins, raw.pages, raw.dropped)


def _check_text_layer(path: Path, pages: list[list[PdfLine]]) -> None:
    text = "".join(line.text for page in pages for line in page)
    chars = len("".join(text.split()))
    if chars < MIN_CHARS_PER_PAGE * max(len(pages), 1):
        raise FormatError(f"{path}: the PDF has no text layer (scanned?); OCR is not supported – "
                          "use a PDF with selectable text, or the .docx/.txt it was made from")
    if len(_UNMAPPED.findall(text)) > MAX_UNMAPPED * chars:
        raise FormatError(f"{path}: the PDF's text layer cannot be decoded (its fonts carry no Unicode map); "
                          "OCR is not supported – use the .docx/.txt it was made from")


def _page_lines(pdf: Any, index: int) -> list[PdfLine]:
    """The lines PDFium finds on one page, with their extent, baseline and font size."""
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count > 0 else ""
        chars = _Chars(textpage) if len(text) == count else None  # else indexes and text differ: no geometry
        lines: list[PdfLine] = []
        pos = 0
        for raw in text.split(_LINE_BREAK):
            if raw.strip():
                line = chars.line(raw, pos) if chars else (tidy(raw.strip(), spaces=True), None)
                lines.append(PdfLine(line[0], index + 1, line[1]))
            pos += len(raw) + len(_LINE_BREAK)
        return lines
    finally:
        textpage.close()
        page.close()


class _Chars:
    """Per-character geometry of one text page through PDFium's C API (the Python wrapper is ~2x slower)."""

    def __init__(self, textpage: Any) -> None:
        import pypdfium2.raw as pdfium_c

        self.c = pdfium_c
        self.page = textpage.raw
        self.v = [ctypes.c_double() for _ in range(4)]

    def _box(self, i: int) -> tuple[float, float]:
        left, right, bottom, top = self.v
        self.c.FPDFText_GetCharBox(self.page, i, left, right, bottom, top)
        return left.value, right.value

    def _baseline(self, i: int) -> tuple[float, float]:
        x, y = self.v[0], self.v[1]
        self.c.FPDFText_GetCharOrigin(self.page, i, x, y)
        return y.value, self.c.FPDFText_GetFontSize(self.page, i)

    def line(self, raw: str, pos: int) -> tuple[str, tuple[float, float, float, float] | None]:
        """The line's text in left-to-right order, and (left, right, baseline, font size).

        A line mixing fonts may come out of the content stream out of order ("弘扬三创精神“”");
        its characters are then put back in the order of their positions.
        """
        generated = [bool(self.c.FPDFText_IsGenerated(self.page, i)) for i in range(pos, pos + len(raw))]
        real = [pos + k for k, ch in enumerate(raw) if not ch.isspace() and not generated[k]]
        if not real:
            return raw.strip(), None
        boxes = [self._box(i) for i in real]
        text = _without_layout_spaces(raw, generated)
        if any(b[0] < a[0] - _DISORDER * (a[1] - a[0] + 1) for a, b in zip(boxes, boxes[1:], strict=False)):
            text = _by_position(raw, pos, real, boxes)
        samples = sorted({real[0], real[len(real) // 2], real[-1]})
        metrics = sorted(self._baseline(i) for i in samples)
        baseline, size = metrics[len(metrics) // 2]
        return text, (min(b[0] for b in boxes), max(b[1] for b in boxes), baseline, size)


def _without_layout_spaces(raw: str, generated: list[bool]) -> str:
    """``raw`` without the spaces PDFium inferred next to CJK characters (typed spaces stay)."""
    out = [ch for k, ch in enumerate(raw)
           if not (ch == " " and generated[k] and ((k > 0 and is_cjk(raw[k - 1]))
                                                    or (k + 1 < len(raw) and is_cjk(raw[k + 1]))))]
    return "".join(out).strip()


def _by_position(raw: str, pos: int, real: list[int], boxes: list[tuple[float, float]]) -> str:
    """Characters sorted by their left edge, a space where the gap is a word gap."""
    order = sorted(range(len(real)), key=lambda k: boxes[k][0])
    out: list[str] = []
    prev_right: float | None = None
    for k in order:
        left, right = boxes[k]
        ch = raw[real[k] - pos]
        gap = prev_right is not None and left - prev_right > _WORD_GAP * max(right - left, 1.0)
        if gap and not is_cjk(ch) and not (out and is_cjk(out[-1])):
            out.append(" ")
        out.append(ch)
        prev_right = right
    return "".join(out)
