"""Find a speech's headings and arrange them into a tree.

Answers cite "speech › section › subsection", so the reader must recognise the
enumerations Chinese speeches use: 一、/第一，/第一部分/第一层意思, （一）/(一), 1、/1.,
（1）/(1), and inline items opening a paragraph or a sentence: 一是…二是…, 一要…二要…,
首先/其次/再次/最后. Two rules keep sentences from being mistaken for headings:

* an item counts only as part of a run (二 next to 一 or 三 of the same kind), so a lone
  "一要务" or "第一责任人" stays text, while 十一、 and 二十、 continue their runs;
* Arabic numbers only count at the start of a paragraph, so "3位同志" or "2020年" never do.

Nesting follows the order kinds appear in, with a fixed rank (一、 above （一） above 1、
above （1） above inline items) deciding when a kind not yet open closes deeper ones.

A file format may also *say* which paragraphs are headings (a Word heading style, an HTML
<h2>): ``explicit`` headings are always accepted, keep the kind their marker gives them
(so a styled "一、…" nests exactly like a typed one), and an unnumbered one becomes a kind
of its own ranked by its outline level.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.document import Section
from index.patterns import INLINE_HEADING, PARA_HEADING, SALUTATION, cn_to_int

_LAST = 1000  # number given to 最后 so that it continues any run of 首先/其次/再次
_SEQ_NUMBERS = {"首先": 1, "其次": 2, "再次": 3, "最后": _LAST}
_RANK = {"dun": 0, "di": 0, "paren": 1, "adun": 2, "apar": 3, "circ": 3, "inl": 4, "seq": 4}
_MAX_NUMBER = {"inl": 20, "seq": _LAST}
_TITLE_LIMIT = 48
_CLAUSE_END = re.compile(r"[。！？；!?;：:]")
_SPACE = re.compile(r"[ \u3000\t]")
_COMMA = re.compile(r"[，,]")
_PARA_START = re.compile(r"(?<=\n)[同各]")


@dataclass(frozen=True)
class _Candidate:
    pos: int
    family: str
    number: int
    para_start: bool
    forced: bool = False  # the source marks this paragraph as a heading
    rank: int | None = None  # fixed rank of an unnumbered source heading (its outline level)


def build_outline(text: str, explicit: Sequence[tuple[int, int]] = ()) -> list[Section]:
    """The heading tree of a cleaned speech; offsets index into ``text``.

    ``explicit``: ``(offset of a paragraph start, outline level)`` for paragraphs the source
    file marks as headings (level 0 = top).
    """
    heads = _accept_runs(_with_explicit(_candidates(text), explicit))
    closings = _closing_positions(text, heads[0].pos) if heads else []
    return _nest(text, heads, closings)


def clause_title(text: str, limit: int = _TITLE_LIMIT) -> str:
    """A heading's title: its leading clause, shortened when the heading runs into its body."""
    m = _CLAUSE_END.search(text, 0, limit * 4)
    head = text[: m.start()] if m else text[: limit * 4]
    head = head.split("\n", 1)[0]
    if len(head) > limit:
        space = _SPACE.search(head, 4, limit)
        commas = [c.start() for c in _COMMA.finditer(head, 6, limit)]
        head = head[: space.start()] if space else head[: commas[-1]] if commas else head[:limit]
    return head.rstrip(" ，,、\u3000")


def _candidates(text: str) -> list[_Candidate]:
    """Every enumeration marker at a paragraph start (or, for inline kinds, a sentence start)."""
    found: dict[int, _Candidate] = {}
    for m in PARA_HEADING.finditer(text):
        kind = next(k for k, v in m.groupdict().items() if v)
        raw = m.group(kind)
        number = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".index(raw) + 1 if kind == "circ" else cn_to_int(raw)
        _add(found, m.start(), kind, number, True)
    for m in INLINE_HEADING.finditer(text):
        para_start = m.start() == 0 or text[m.start() - 1] == "\n"
        if m.group("di"):
            sfx = m.group("disfx")
            family = "di" + ("，" if sfx in "，,、：:" else sfx)
            _add(found, m.start(), family, cn_to_int(m.group("di")), para_start)
        elif m.group("inl"):
            _add(found, m.start(), "inl" + m.group("inlsfx"), cn_to_int(m.group("inl")), para_start)
        else:
            _add(found, m.start(), "seq", _SEQ_NUMBERS[m.group("seq")], para_start)
    return [found[p] for p in sorted(found)]


def _with_explicit(cands: list[_Candidate], explicit: Sequence[tuple[int, int]]) -> list[_Candidate]:
    """Force the source's headings in: a numbered one keeps its kind, an unnumbered one gets ``outline{level}``."""
    if not explicit:
        return cands
    found = {c.pos: c for c in cands}
    for pos, level in explicit:
        known = found.get(pos)
        if known is not None and known.para_start:
            found[pos] = replace(known, forced=True)
        else:
            found[pos] = _Candidate(pos, f"outline{level}", 1, True, forced=True, rank=min(level, _RANK["apar"]))
    return [found[p] for p in sorted(found)]


def _add(found: dict[int, _Candidate], pos: int, family: str, number: int | None, para_start: bool) -> None:
    limit = _MAX_NUMBER.get(_base(family), 99)
    if number is not None and 1 <= number <= limit and pos not in found:
        found[pos] = _Candidate(pos, family, number, para_start)


def _base(family: str) -> str:
    """The rank key of a family ("di层意思" → "di", "inl是" → "inl")."""
    return family[:3] if family.startswith("inl") else family[:2] if family.startswith("di") else family


def _outline(*families: str) -> bool:
    """True when one of the families is an unnumbered source heading: at equal rank they are siblings."""
    return any(f.startswith("outline") for f in families)


def _follows(a: int, b: int) -> bool:
    """True when item ``b`` can come right after item ``a`` in one enumeration."""
    return b == a + 1 or (b == _LAST and a != _LAST)


def _accept_runs(cands: list[_Candidate]) -> list[_Candidate]:
    """Keep only items that continue or start a run of the same kind (二 beside 一 or 三)."""
    by_family: dict[str, list[_Candidate]] = {}
    for c in cands:
        by_family.setdefault(c.family, []).append(c)
    accepted: set[int] = set()
    for items in by_family.values():
        for k, c in enumerate(items):
            prev_ok = k > 0 and _follows(items[k - 1].number, c.number)
            next_ok = k + 1 < len(items) and _follows(c.number, items[k + 1].number)
            if prev_ok or next_ok or c.forced:
                accepted.add(c.pos)
    return [c for c in cands if c.pos in accepted]


def _closing_positions(text: str, first_heading: int) -> list[int]:
    """Paragraphs opening with 同志们， after the first heading: closing remarks, no section."""
    out = []
    for m in _PARA_START.finditer(text, first_heading + 1):
        if SALUTATION.match(text[m.start() : m.start() + 40]):
            out.append(m.start())
    return out


@dataclass
class _Open:
    """A section still open while nesting; ``confine`` ends an inline item with its paragraph."""

    family: str
    rank: int
    section: Section
    confine: int | None


def _nest(text: str, heads: list[_Candidate], closings: list[int]) -> list[Section]:
    """Arrange accepted headings into a tree; a closing salutation ends every open section.

    An inline item found inside a paragraph ("…。一是…。二是…") lasts at most to the end of
    that paragraph, and is only a section under a heading – or when the speech has no
    paragraph-level headings at all (a news text): in opening remarks it stays text.
    """
    roots: list[Section] = []
    stack: list[_Open] = []
    rank_of: dict[str, int] = {}
    has_para_headings = any(h.para_start for h in heads)
    events: list[tuple[int, _Candidate | None]] = [(h.pos, h) for h in heads] + [(p, None) for p in closings]

    def pop_to(depth: int, end: int) -> None:
        while len(stack) > depth:
            item = stack.pop()
            item.section.end = end if item.confine is None else min(end, item.confine)

    for pos, head in sorted(events, key=lambda e: e[0]):
        expired = [d for d, o in enumerate(stack) if o.confine is not None and o.confine <= pos]
        if expired:
            pop_to(expired[0], pos)
        if head is None:
            pop_to(0, pos)
            continue
        if head.rank is not None:
            rank = rank_of.setdefault(head.family, head.rank)
        else:
            rank = rank_of.setdefault(head.family, _RANK[_base(head.family)] if head.para_start else 4)
        families = [o.family for o in stack]
        if head.family in families:
            pop_to(families.index(head.family), pos)
        else:
            while stack and (stack[-1].rank > rank or (stack[-1].rank == rank and _outline(stack[-1].family, head.family))):
                pop_to(len(stack) - 1, pos)
        para_end = text.find("\n", pos)
        para_end = len(text) if para_end < 0 else para_end
        inline = rank == 4 and not head.para_start
        if inline and not stack and has_para_headings:
            continue
        section = Section(clause_title(text[pos:para_end]), rank, pos, pos)
        (stack[-1].section.children if stack else roots).append(section)
        stack.append(_Open(head.family, rank, section, para_end if inline else None))
    pop_to(0, len(text))
    return roots
