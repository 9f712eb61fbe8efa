"""Show what the reader made of a file, as data (``--json``) or as a rich tree.

``qa index inspect FILE`` exists so a user can see why a passage is or is not found:
which speeches were recognised, their titles and dates, the heading tree with how many
chunks each section produced, and every line dropped as page furniture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.text import Text
from rich.tree import Tree

from index.document import Chunk, ParsedDocument, Section, Speech
from index.plan import count
from index.provenance import format_pages
from index.titleblock import display_title

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
        "title_derived": speech.title_derived,
        "subtitle": speech.subtitle,
        "venue": speech.venue,
        "source_name": speech.source_name,
        "date": speech.date,
        "date_source": speech.date_source,
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
            (sec.title, "bold" if not path else ""), (f"  ({count(_count_under(chunks, here), 'chunk')})", "dim")
        )
        _add_sections(node.add(label), sec.children, here, chunks)


def _preview(text: str) -> str:
    flat = text.replace("\n", " ")
    return flat if len(flat) <= _PREVIEW else flat[:_PREVIEW] + "…"


def _about(speech: Speech) -> str:
    """Where the title came from, and the subtitle and venue when the title block has them."""
    parts = [f"file {speech.source_name}"]
    if speech.title_derived:
        parts.append("title derived from the opening" if speech.title != Path(speech.source_name).stem
                     else "no title line, none derived: the file name stands in")
    parts += [f"{label}: {value}" for label, value in (("subtitle", speech.subtitle), ("venue", speech.venue))
              if value]
    return " · ".join(parts)


def render_document(doc: ParsedDocument) -> Group:
    """A rich renderable: one tree per speech, then the dropped lines."""
    root = Tree(
        Text.assemble((str(doc.path), "bold"), (f"  [{doc.encoding}, {count(len(doc.speeches), 'speech')}]", "dim"))
    )
    for n, speech in enumerate(doc.speeches, 1):
        dated = f"{speech.date} ({speech.date_source})" if speech.date else "no date"
        pages = sorted({p for c in speech.chunks for p in c.pages})
        where = f" · {format_pages(range(pages[0], pages[-1] + 1))}" if pages else ""
        head = Text.assemble(
            (f"{n}. {display_title(speech.title, speech.title_derived)}", "bold cyan"),
            (f"  {dated} · {count(len(speech.text), 'char')} · {count(len(speech.chunks), 'chunk')}{where}", "dim"),
        )
        node = root.add(head)
        node.add(Text(_about(speech), "dim"))
        untitled = sum(1 for c in speech.chunks if not c.section)
        if untitled:
            node.add(Text(f"(opening/closing remarks)  ({count(untitled, 'chunk')})", "italic"))
        _add_sections(node, speech.sections, (), speech.chunks)
    dropped = Tree(Text(f"dropped as boilerplate ({count(len(doc.dropped), 'line')})", "bold yellow"))
    for line in doc.dropped:
        dropped.add(escape(_preview(line)))
    return Group(root, dropped)
