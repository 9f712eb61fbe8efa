"""A speech's heading tree as the answer side reads it: flat, typed, with each heading's passage.

A list question ("营造良好舆论环境要做好哪几方面工作？") is answered by the items under the matching
section, so answering needs the headings *below* a passage's section and its siblings, which a
chunk's section path alone does not give (a short section's items sit inside one chunk). The tree
is a pure function of the cleaned speech text (:func:`index.structure.build_outline`, the same call
the reader makes), so a store rebuilds it from the text it keeps instead of storing it twice.

Items of one section may form several runs (一要…二要…三要…, then 一要… again for the next
topic): :meth:`Outline.runs` splits them where the numbering starts over, and each heading keeps
the sentence that leads into it (``lead``), which names a run's topic when no heading does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.document import Section
from index.patterns import INLINE_HEADING, PARA_HEADING, cn_to_int

_LEAD_LIMIT = 120 # characters of lead-in kept before a heading
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
_SEQ = {"首先": 1, "其次": 2, "再次": 3, "最后": 99}


@dataclass(frozen=True)
class Heading:
    """One heading, in text order. ``start``/``end`` delimit its whole section in the speech text;
    ``title`` is verbatim ``text[start:start + len(title)]``."""

    title: str
    level: int  # kind rank, as index.document.Section.level
    depth: int  # 0 at the top of the tree
    parent: int  # index of the parent heading in Outline.headings, -1 at the top
    start: int
    end: int
    number: int  # the item's number in its enumeration (一 = 1, 最后 = 99), 0 if unknown
    lead: str  # the sentence before the heading inside its parent (what introduces its run)
    chunk_id: int  # the stored passage holding the heading's first character (-1 if none)


@dataclass(frozen=True)
class Outline:
    """The headings of one stored speech, flattened in text order."""

    speech_id: int
    title: str
    headings: tuple[Heading, ...]

    def children(self, parent: int) -> list[int]:
        """Indexes of the direct children of heading ``parent`` (-1: the top level)."""
        return [i for i, h in enumerate(self.headings) if h.parent == parent]

    def runs(self, parent: int) -> list[list[int]]:
        """The children of ``parent`` split into enumerations: a new one starts where the numbering
        does not go on (一要, 二要, 三要 | 一要, 二要)."""
        out: list[list[int]] = []
        for i in self.children(parent):
            h = self.headings[i]
            prev = self.headings[out[-1][-1]] if out else None
            if prev is None or (h.number and prev.number and h.number <= prev.number):
                out.append([i])
            else:
                out[-1].append(i)
        return out


def item_number(title: str) -> int:
    """The number an enumeration heading opens with (（三） → 3, 第二要 → 2, 其次 → 2), 0 if none."""
    m = PARA_HEADING.match(title) or INLINE_HEADING.match(title)
    if not m:
        return 0
    raw = next((v for k, v in m.groupdict().items() if v and k not in ("disfx", "inlsfx")), "")
    if raw in _SEQ:
        return _SEQ[raw]
    if raw and raw in "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳":
        return "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(raw) + 1
    return cn_to_int(raw) or 0 if raw else 0


def _lead(text: str, start: int, floor: int) -> str:
    """The sentence (up to ``_LEAD_LIMIT`` characters) ending right before ``start``, not before ``floor``."""
    head = text[max(floor, start - _LEAD_LIMIT) : start].rstrip()
    ends = [m.end() for m in _SENTENCE_END.finditer(head[:-1])] if head else []
    lead = head[ends[-1] :].strip() if ends else head.strip()
    return lead if any(ch.isalnum() for ch in lead) else ""


def chunk_at(spans: Sequence[tuple[int, int, int]], pos: int) -> int:
    """Id of the chunk (``(id, start, end)``, by start) holding ``pos``, else the next one, else -1."""
    following = -1
    for cid, start, end in spans:
        if start <= pos < end:
            return cid
        if start > pos and following < 0:
            following = cid
    return following


def flatten(speech_id: int, title: str, text: str, sections: Sequence[Section],
            chunk_spans: Sequence[tuple[int, int, int]]) -> Outline:
    """The tree of ``sections`` (over ``text``) as an :class:`Outline`."""
    out: list[Heading] = []
    spans = sorted(chunk_spans, key=lambda s: s[1])

    def walk(nodes: Sequence[Section], depth: int, parent: int, floor: int) -> None:
        for node in nodes:
            out.append(Heading(node.title, node.level, depth, parent, node.start, node.end, item_number(node.title),
                               _lead(text, node.start, floor), chunk_at(spans, node.start)))
            walk(node.children, depth + 1, len(out) - 1, node.start + len(node.title))

    walk(sections, 0, -1, 0)
    return Outline(speech_id, title, tuple(out))
