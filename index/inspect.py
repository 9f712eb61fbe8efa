"""Show what the reader made of a file, as data (``--json``) or as a rich tree.

``qa index inspect FILE`` exists so a user can see why a passage is or is not found:
which speeches were recognised, their titles and dates, the heading tree with how many
chunks each section produced, and every line dropped as page furniture.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.text import Text
from rich.tree import Tree

from index.model import Chunk, ParsedDocument, Section, Speech
from index.provenance import format_pages

_PREVIEW = 60


def document_to_json(doc: ParsedDocument) -> dict[str, Any]:
    """Plain data: ``{"path", "encoding", "dropped", "speeches": [...]}`` (see issue 2)."""
    return {
        "path": str(doc.path),
        "encoding": doc.encoding,
        "dropped": list(doc.dropped),
        "speeches": [_speech_json(s) for s in doc.speeches],
    }


def _speech_json(speech: Speech) -> dict[str, Any]:
    return {
        "title": speech.title,
        "date": speech.date,
        "text": speech.text,
        "sections": [_section_json(s) for s in speech.sections],
        "chunks": [
            {"section": list(c.section), "text": c.text, "start": c.start, "end": c.end, "pages": list(c.pages)}
            for c in speech.chunks
        ],
    }


def _section_json(section: Section) -> dict[str, Any]:
    return {
        "title": section.title,
        "level": section.level,
        "children": [_section_json(c) for c in section.children],
    }


def _count_under(chunks: list[Chunk], path: tuple[str, ...]) -> int:
    """Chunks whose section path lies at or below ``path``."""
    return sum(1 for c in chunks if c.section[: len(path)] == path)


def _add_sections(node: Tree, sections: list[Section], path: tuple[str, ...], chunks: list[Chunk]) -> None:
    for sec in sections:
        here = (*path, sec.title)
        label = Text.assemble(
            (sec.title, "bold" if not path else ""), (f"  ({_count_under(chunks, here)} chunks)", "dim")
        )
        _add_sections(node.add(label), sec.children, here, chunks)


def _preview(text: str) -> str:
    flat = text.replace("\n", " ")
    return flat if len(flat) <= _PREVIEW else flat[:_PREVIEW] + "…"


def render_document(doc: ParsedDocument) -> Group:
    """A rich renderable: one tree per speech, then the dropped lines."""
    root = Tree(
        Text.assemble((str(doc.path), "bold"), (f"  [{doc.encoding}, {len(doc.speeches)} speeches]", "dim"))
    )
    for n, speech in enumerate(doc.speeches, 1):
        pages = sorted({p for c in speech.chunks for p in c.pages})
        where = f" · {format_pages(range(pages[0], pages[-1] + 1))}" if pages else ""
        head = Text.assemble(
            (f"{n}. {speech.title}", "bold cyan"),
            (f"  {speech.date or 'no date'} · {len(speech.text)} chars · {len(speech.chunks)} chunks{where}", "dim"),
        )
        node = root.add(head)
        untitled = sum(1 for c in speech.chunks if not c.section)
        if untitled:
            node.add(Text(f"(opening/closing remarks)  ({untitled} chunks)", "italic"))
        _add_sections(node, speech.sections, (), speech.chunks)
    dropped = Tree(Text(f"dropped as boilerplate ({len(doc.dropped)} lines)", "bold yellow"))
    for line in doc.dropped:
        dropped.add(escape(_preview(line)))
    return Group(root, dropped)
