"""Cut a structured speech into retrievable chunks with exact offsets.

Each chunk belongs to one section, so a hit can be cited as "speech › section". The
smallest section becomes one chunk when it fits the budget; a longer one is cut at
sentence ends (。！？；) – at commas, or hard, only for a sentence longer than the budget –
with a small overlap so a sentence cut off at a boundary is still found whole. A heading
whose own text is just its title line joins its first subsection, and tiny neighbouring
sections under one parent are merged, so no chunk is a bare title.

Invariant relied on everywhere: ``speech_text[c.start:c.end] == c.text`` for every chunk,
chunks are never empty or whitespace-only, never longer than ``chunk_size``, and two
consecutive chunks share at most ``chunk_overlap`` characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from index.config import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE, check_chunk_budget
from index.document import Chunk, ParsedDocument, Section
from index.provenance import pages_between

#: Bump whenever the chunks produced for the same text change; the index records it.
CHUNKER_VERSION = "1"

_SENTENCE = re.compile(r"[。！？；!?;]+[”’」』）)]*|\n")
_CLAUSE = re.compile(r"[，,、：:]")
_WS = " \t\n\r\u3000\xa0"


@dataclass(frozen=True)
class _Block:
    path: tuple[str, ...]
    start: int
    end: int
    group: bool = False  # several tiny sibling sections merged: ``path`` is their parent

    @property
    def parent(self) -> tuple[str, ...]:
        return self.path if self.group else self.path[:-1]


def chunk_document(doc: ParsedDocument, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                   chunk_overlap: int = DEFAULT_CHUNK_OVERLAP) -> ParsedDocument:
    """``doc`` with every speech's chunks filled in (the input is left as it was)."""
    speeches = []
    for s in doc.speeches:
        chunks = chunk_speech(s.text, s.sections, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        if s.page_marks:
            chunks = [replace(c, pages=pages_between(s.page_marks, c.start, c.end)) for c in chunks]
        speeches.append(replace(s, chunks=chunks))
    return replace(doc, speeches=speeches)


def chunk_speech(
    text: str, sections: list[Section], *, chunk_size: int = DEFAULT_CHUNK_SIZE,
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP,
) -> list[Chunk]:
    """All chunks of one speech, in text order."""
    check_chunk_budget(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    for block in _merge(_blocks(text, sections), chunk_size):
        for start, end in split_span(text, block.start, block.end, chunk_size, chunk_overlap):
            chunks.append(Chunk(block.path, text[start:end], start, end))
    return chunks


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span so it neither starts nor ends with whitespace (may become empty)."""
    while start < end and text[start] in _WS:
        start += 1
    while end > start and text[end - 1] in _WS:
        end -= 1
    return start, end


def _blocks(text: str, sections: list[Section]) -> list[_Block]:
    """Contiguous spans in text order: opening/closing remarks (empty path) and each section's own text."""
    out: list[_Block] = []

    def visit(sec: Section, path: tuple[str, ...]) -> None:
        here = (*path, sec.title)
        own_end = sec.children[0].start if sec.children else sec.end
        out.append(_Block(here, sec.start, own_end))
        for n, child in enumerate(sec.children):
            visit(child, here)
            gap_end = sec.children[n + 1].start if n + 1 < len(sec.children) else sec.end
            if child.end < gap_end:  # text after an inline item's paragraph, before the next item
                out.append(_Block(here, child.end, gap_end))

    pos = 0
    for root in sections:
        if root.start > pos:
            out.append(_Block((), pos, root.start))
        visit(root, ())
        pos = max(pos, root.end)
    out.append(_Block((), pos, len(text)))
    trimmed = (_Block(b.path, *_trim(text, b.start, b.end)) for b in out)
    return [b for b in trimmed if b.end > b.start]


def _merge(blocks: list[_Block], chunk_size: int) -> list[_Block]:
    """Fold a bare heading into its first subsection; merge tiny sibling sections."""
    small = chunk_size // 4
    out: list[_Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if prev is None:
            out.append(b)
            continue
        prev_len = prev.end - prev.start
        is_child = len(b.path) > len(prev.path) and b.path[: len(prev.path)] == prev.path
        if not prev.group and prev.path and prev_len <= small and is_child:
            out[-1] = _Block(b.path, prev.start, b.end)
        elif (
            b.parent  # never merge top-level sections into one unlabelled chunk
            and (prev.group or len(prev.path) == len(b.path))
            and prev.parent == b.parent
            and (prev.group or prev_len <= small)
            and b.end - b.start <= small
            and b.end - prev.start <= chunk_size
        ):
            out[-1] = _Block(b.parent, prev.start, b.end, group=True)
        else:
            out.append(b)
    return out


def _pieces(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``; a sentence over ``size`` is cut at clauses, then hard."""
    spans: list[tuple[int, int]] = []
    s = start
    for m in _SENTENCE.finditer(text, start, end):
        spans.append((s, m.end()))
        s = m.end()
    if s < end:
        spans.append((s, end))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if b - a <= size:
            out.append((a, b))
            continue
        cuts = [m.end() for m in _CLAUSE.finditer(text, a, b)] + [b]
        prev = a
        for cut in cuts:
            while cut - prev > size:
                out.append((prev, prev + size))
                prev += size
            if cut > prev:
                out.append((prev, cut))
                prev = cut
    return out


def split_span(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Pack sentence pieces into spans of at most ``size`` characters sharing at most ``overlap``."""
    pieces = _pieces(text, start, end, size)
    spans: list[tuple[int, int]] = []
    if not pieces:
        return spans
    cs, i = pieces[0][0], 0
    while True:
        j = i
        while j + 1 < len(pieces) and pieces[j + 1][1] - cs <= size:
            j += 1
        ce = pieces[j][1]
        spans.append(_trim(text, cs, ce))
        if j + 1 >= len(pieces) or not text[pieces[j + 1][0]:pieces[-1][1]].strip(_WS):
            break  # nothing but whitespace left: a next span would only repeat this one's tail
        cs, i = _next_start(text, pieces, i, j, cs, size, overlap)
    return [s for s in spans if s[1] > s[0]]


def _next_start(
    text: str, pieces: list[tuple[int, int]], i: int, j: int, cs: int, size: int, overlap: int
) -> tuple[int, int]:
    """Where the next span starts: back over whole sentences, else clauses, within ``overlap``.

    The overlap is measured against the next piece with text in it: whitespace-only pieces
    (blank lines) would otherwise let the next span end where this one ends.
    """
    nxt = j + 1
    while nxt + 1 < len(pieces) and not text[pieces[nxt][0]:pieces[nxt][1]].strip(_WS):
        nxt += 1
    ce, nxt_end = pieces[j][1], pieces[nxt][1]
    best = (pieces[j + 1][0], j + 1)
    k = j
    while k > i and ce - pieces[k][0] <= overlap and nxt_end - pieces[k][0] <= size:
        best = (pieces[k][0], k)
        k -= 1
    if best[1] == j + 1 and overlap > 0:
        lo = max(ce - overlap, cs + 1, pieces[j][0] + 1, nxt_end - size)
        m = _CLAUSE.search(text, lo, ce - 1)
        if m and m.end() < ce:
            best = (m.end(), j)
    return best
