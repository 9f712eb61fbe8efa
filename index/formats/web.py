"""Read saved web pages (.html/.htm): the article only, with its title, date and headings.

trafilatura (Apache-2.0, maintained, the best-scoring open main-text extractor in its own
and third-party benchmarks) finds the article and drops navigation, share bars, related
links and footers; its XML output keeps headings (<head rend="h2">), paragraphs, lists and
tables, which are turned into lines here. The page is decoded with the charset it declares
(GBK/GB2312 pages are read as GB18030, their superset), falling back to detection when the
declaration is missing or wrong. Title and publication date come from the page metadata
and are used only when the text names none.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import charset_normalizer

from index.formats.base import FormatError, LineBuilder, RawDocument, iso_date

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_DECLARED_SCAN = 4096  # the declaration must sit in the first bytes of the page
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
              "iso-8859-1": "cp1252", "ascii": "utf-8", "us-ascii": "utf-8"}
#: A declared charset that leaves more than this share of U+FFFD is wrong; detect instead.
_MAX_REPLACED = 0.001
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "div", "nav", "header", "footer",
               "section", "article", "aside")
_DROPPED_MAX = 200  # a portal page can have hundreds of links; the first ones show what was left out
_CELL_SEPARATOR = "\t"  # as Word copies a table row to plain text


def decode_html(data: bytes) -> tuple[str, str]:
    """The page as text and the encoding used: BOM, then the declared charset, then detection."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    m = _META_CHARSET.search(data[:_DECLARED_SCAN])
    if m:
        declared = m.group(1).decode("ascii").lower()
        encoding = _SUPERSETS.get(declared, declared)
        try:
            text = data.decode(encoding, errors="replace")
            if text.count("\ufffd") <= len(text) * _MAX_REPLACED:
                return text, encoding
        except LookupError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(data).best()
        encoding = best.encoding if best else "gb18030"
        return data.decode(encoding, errors="replace"), encoding


def read_html(path: Path) -> RawDocument:
    """The article text of a saved page (raises :class:`FormatError`)."""
    import trafilatura
    from lxml import etree

    try:
        page, encoding = decode_html(path.read_bytes())
    except OSError as exc:
        raise FormatError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    extracted = trafilatura.extract(page, output_format="xml", with_metadata=True, include_tables=True,
                                    include_comments=False, include_images=False, include_links=False,
                                    include_formatting=False, deduplicate=False)
    if not extracted:
        raise FormatError(f"{path}: no article text found in the page (a navigation or index page?)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(extracted.encode("utf-8"), parser)
    main = root.find("main")
    builder = LineBuilder()
    if main is not None:
        ranks = sorted({el.get("rend", "h2") for el in main.iter("head")})
        _blocks(main, builder, {rend: n for n, rend in enumerate(ranks)})
    if not any(line.strip() for line in builder.lines):
        raise FormatError(f"{path}: no article text found in the page (a navigation or index page?)")
    title = root.get("title")
    dropped = left_out(page, "\n".join(builder.lines), title)
    return builder.build(f"html ({encoding})", title=title, date=iso_date(root.get("date")), dropped=dropped)


def left_out(page: str, kept: str, title: str | None) -> list[str]:
    """The page's text blocks that are not in the article (menus, share bars, footers), for ``dropped``."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(page)
    except (ValueError, TypeError):
        return []
    for junk in tree.xpath("//script|//style|//noscript|//head|//template"):
        junk.drop_tree()
    flat = "".join(kept.split())
    out: list[str] = []
    for el in tree.iter(*_BLOCK_TAGS):
        if any(child.tag in _BLOCK_TAGS for child in el):
            continue  # only the innermost blocks: their text is one line of the page
        text = " ".join(el.text_content().split())
        if text and text != title and "".join(text.split()) not in flat:
            out.append(text)
    return list(dict.fromkeys(out))[:_DROPPED_MAX]


def _text(el: Any) -> str:
    """An element's text with <lb/> as a line break."""
    parts = [el.text or ""]
    for child in el:
        parts.append("\n" if child.tag == "lb" else _text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _blocks(parent: Any, out: LineBuilder, ranks: dict[str, int]) -> None:
    """Paragraphs, headings (level = rank of h1–h6 among those used), list items, table rows."""
    for el in parent:
        if el.tag == "head":
            out.add(_text(el), level=ranks.get(el.get("rend", "h2")))
        elif el.tag in ("p", "item", "code"):
            out.add(_text(el))
        elif el.tag == "table":
            for row in el.iter("row"):
                cells = [" ".join(_text(cell).split()) for cell in row.iter("cell")]
                out.add(_CELL_SEPARATOR.join(c for c in cells if c))
        elif el.tag in ("list", "quote", "div", "section"):
            _blocks(el, out, ranks)
        elif len(el) or (el.text or "").strip():
            out.add(_text(el))
