"""Read Word .docx files: the body in document order, with list numbering and heading levels.

python-docx opens the package (zip, relationships, core properties) and gives the XML; the
body is walked here directly because python-docx's ``paragraph.text`` leaves out what a
reader of the document sees and the structure parser needs: Word's automatic numbering
("一、", "（二）" drawn from numbering.xml, see :mod:`index.formats.numbering`) and text in
tracked insertions. What is kept and what is not:

* paragraphs in order, with their numbering label; a soft line break goes on in the same
  paragraph; every paragraph end is final (Word knows where a paragraph ends, so the
  cleaner never rejoins lines of a .docx);
* heading styles (Heading 1–9, 标题 1–9) and outline levels become heading levels;
* tables row by row: the cells of a row on one line, separated by tabs; a table with one
  cell per row (a layout frame around the text) gives that cell's paragraphs as lines;
* dropped, and listed so ``qa index inspect`` shows them: headers, footers (page numbers),
  footnotes and endnotes (in speeches they cite sources; in the running text they would
  cut sentences and headings apart), and table-of-contents entries;
* title and date: the first lines, as for any file; the core properties (title, created)
  only when the text names none.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from index.formats.base import FormatError, LineBuilder, RawDocument, iso_date
from index.formats.numbering import Numbering, W, wval

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted .docx or a .doc is an OLE container, not a zip
_HEADING_NAME = re.compile(r"(?i)(?:heading|标题)\s*([1-9])")
_TOC_NAME = re.compile(r"(?i)(?:toc|目录)\s*(?:[1-9]|heading)?|table of contents|目录标题")
_TEXT_TAGS = tuple(W + t for t in ("t", "tab", "br", "cr", "noBreakHyphen"))
_CELL_SEPARATOR = "\t"  # as Word copies a table row to plain text


@dataclass(frozen=True)
class _Style:
    """What a paragraph style contributes, resolved along its basedOn chain."""

    outline: int | None  # heading level 0–8, or None for body text
    num: tuple[str, int | None] | None  # (numId, ilvl) of numbering set on the style
    toc: bool


def read_docx(path: Path) -> RawDocument:
    """The text of a .docx in reading order (raises :class:`FormatError`)."""
    with path.open("rb") as fh:
        if fh.read(8) == _OLE_MAGIC:
            raise FormatError(f"{path}: the file is password-protected (encrypted), or a binary .doc named .docx; "
                              "remove the password or save it again as .docx")
    try:
        from docx import Document
        from docx.opc.exceptions import PackageNotFoundError

        document = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FormatError(f"{path}: not a readable Word .docx file (damaged, or not really .docx: {exc})") from exc
    try:
        return _read(document)
    except (KeyError, ValueError, IndexError, AttributeError, TypeError, zipfile.BadZipFile) as exc:
        raise FormatError(f"{path}: the Word file is damaged ({type(exc).__name__}: {exc})") from exc


def _read(document: Any) -> RawDocument:
    reader = _Body(document)
    builder = LineBuilder()
    reader.blocks(document.element.body, builder)
    props = document.core_properties
    return builder.build("docx", title=props.title, date=iso_date(props.created),
                         dropped=reader.dropped + _side_parts(document))


class _Body:
    """Walks the body: paragraphs (with numbering and heading level), tables, content controls."""

    def __init__(self, document: Any) -> None:
        self.numbering = Numbering.parse(_numbering_root(document))
        self.styles = _styles(document.styles.element)
        self.default_style = next(
            (s.get(W + "styleId") for s in document.styles.element.iter(W + "style")
             if s.get(W + "type") == "paragraph" and s.get(W + "default") in ("1", "true")), None)
        self.dropped: list[str] = []

    def blocks(self, parent: Any, out: LineBuilder) -> None:
        for child in parent.iterchildren():
            if child.tag == W + "p":
                self.paragraph(child, out)
            elif child.tag == W + "tbl":
                self.table(child, out)
            elif child.tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self.blocks(content, out)
            elif child.tag in (W + "customXml", W + "ins", W + "smartTag"):
                self.blocks(child, out)

    def paragraph(self, p: Any, out: LineBuilder) -> None:
        ppr = p.find(W + "pPr")
        style_id = wval(ppr, "pStyle") or self.default_style
        style = self.styles(style_id) if style_id else _Style(None, None, False)
        text = paragraph_text(p)
        label = self.label(ppr, style, style_id)
        if label:
            text = label + text.lstrip()
        if not text.strip():
            return
        if style.toc:
            self.dropped.append(text.strip())
            return
        outline = wval(ppr, "outlineLvl")
        level = int(outline) if outline is not None and outline.isdigit() else style.outline
        out.add(text, join=False, level=level if level is not None and level < 9 else None)

    def label(self, ppr: Any, style: _Style, style_id: str | None) -> str:
        """The numbering label Word draws in front of this paragraph ("" if none)."""
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        num_id = wval(numpr, "numId") if numpr is not None else None
        ilvl_raw = wval(numpr, "ilvl") if numpr is not None else None
        if num_id is None and style.num is not None:
            num_id, style_ilvl = style.num
            ilvl_raw = ilvl_raw or (str(style_ilvl) if style_ilvl is not None else None)
        if not num_id or num_id == "0":
            return ""
        if ilvl_raw is None or not ilvl_raw.isdigit():
            ilvl = self.numbering.level_of_style(num_id, style_id) if style_id else 0
        else:
            ilvl = int(ilvl_raw)
        return self.numbering.label(num_id, ilvl)

    def table(self, tbl: Any, out: LineBuilder) -> None:
        for row in tbl.iterchildren(W + "tr"):
            cells = [tc for tc in row.iter(W + "tc") if tc.getparent() is row or tc.getparent().getparent() is row]
            filled = [tc for tc in cells if "".join(t.text or "" for t in tc.iter(W + "t")).strip()]
            if len(filled) == 1:  # a layout frame: its paragraphs are the text
                self.blocks(filled[0], out)
            elif filled:
                texts = []
                for tc in filled:
                    inner = LineBuilder()
                    self.blocks(tc, inner)
                    texts.append(" ".join(line.strip() for line in inner.lines if line.strip()))
                out.add(_CELL_SEPARATOR.join(texts), join=False)


def paragraph_text(p: Any) -> str:
    """The characters of one paragraph as displayed: runs, hyperlinks, tracked insertions, tabs, breaks.

    Text boxes anchored in the paragraph are left out (they are not part of its sentence).
    """
    boxed: set[Any] = set()
    if p.find(f".//{W}txbxContent") is not None:
        boxed = {el for box in p.iter(W + "txbxContent") for el in box.iter(*_TEXT_TAGS)}
    parts: list[str] = []
    for el in p.iter(*_TEXT_TAGS):
        if el in boxed:
            continue
        tag = el.tag[len(W):]
        if tag == "t":
            parts.append(el.text or "")
        elif tag == "tab":
            parts.append("\t")
        elif tag == "noBreakHyphen":
            parts.append("-")
        elif el.get(W + "type") not in ("page", "column"):  # br / cr: a line break inside the paragraph
            parts.append("\n")
    return "".join(parts)


def _numbering_root(document: Any) -> Any:
    try:
        return document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return None


def _styles(root: Any) -> Any:
    """A cached resolver: style id -> :class:`_Style`, following basedOn (cycles cut)."""
    by_id = {s.get(W + "styleId"): s for s in root.iter(W + "style")}

    @cache
    def resolve(style_id: str, depth: int = 0) -> _Style:
        el = by_id.get(style_id)
        if el is None or depth > 20:
            return _Style(None, None, False)
        name = wval(el, "name") or style_id
        ppr = el.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        outline = wval(ppr, "outlineLvl") if ppr is not None else None
        heading = _HEADING_NAME.fullmatch(name)
        base = resolve(wval(el, "basedOn"), depth + 1) if wval(el, "basedOn") else _Style(None, None, False)
        level = int(outline) if outline and outline.isdigit() else (int(heading.group(1)) - 1 if heading else None)
        num = None
        if numpr is not None and wval(numpr, "numId"):
            ilvl = wval(numpr, "ilvl")
            num = (wval(numpr, "numId") or "", int(ilvl) if ilvl and ilvl.isdigit() else None)
        return _Style(level if level is not None else base.outline, num or base.num,
                      bool(_TOC_NAME.fullmatch(name)))

    return resolve


def _side_parts(document: Any) -> list[str]:
    """Text of headers, footers, footnotes and endnotes: never part of the speech, listed as dropped."""
    from docx.oxml import parse_xml

    found: list[str] = []
    for rel in document.part.rels.values():
        kind = rel.reltype.rsplit("/", 1)[-1]
        if rel.is_external or kind not in ("header", "footer", "footnotes", "endnotes"):
            continue
        root = parse_xml(rel.target_part.blob)
        notes = [n for n in root if n.get(W + "type") in (None, "normal")] if "notes" in kind else [root]
        for note in notes:
            text = " ".join(t for t in (paragraph_text(p).strip() for p in note.iter(W + "p")) if t)
            if text:
                found.append(f"({kind.rstrip('s')}) {text}")
    return list(dict.fromkeys(found))
