"""Cut cleaned paragraphs into speeches and find each speech's title and date.

A downloaded file may hold one speech or a compilation ("第一篇：…", "第二篇：…"); every
answer cites one speech, so each must become its own ``Speech`` with the title a user
recognises. Titles come from the file itself (a heading line such as
"在全区党建工作会议上的讲话", a news headline, or the compilation's part title); the file
name is only the last resort. Dates are taken only where the text states them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.clean import Paragraph
from index.patterns import (
    PART_MARKER,
    SALUTATION,
    SENTENCE_END,
    cn_to_int,
    parse_date_line,
    starts_with_heading,
    year_in_title,
)

_TITLE_MAX = 60
_HEADER_MAX = 6  # title block: at most this many paragraphs before the speech starts
_DATE_SCAN = 3  # a date line may also close the speech (signature) – look at the last few
_HEADER_AS_SPEECH = 200  # a compilation preamble longer than this is kept as text
_SPEECH_TITLE = re.compile(
    r"(?:讲话|发言|致辞|报告|讲稿|主持词|动员令|党课)(?:[（(][^)）]{0,20}[)）])?$|^在.{2,60}上的"
)
_DATE_IN_TITLE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


@dataclass
class SpeechDraft:
    """A speech before structuring: its title, date and body paragraphs.

    ``origins`` holds each paragraph's :attr:`Paragraph.origins` (same order), so facts known
    per source line (page, heading style) can be mapped onto the speech text.
    """

    title: str
    date: str | None
    paragraphs: list[str]
    origins: list[tuple[tuple[int, int], ...]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The cleaned speech text: paragraphs separated by a single newline."""
        return "\n".join(self.paragraphs)


def split_speeches(paras: list[Paragraph], fallback_title: str, dropped: list[str]) -> list[SpeechDraft]:
    """One draft per speech; a compilation preamble too short to be a speech goes to ``dropped``."""
    markers = _part_markers(paras)
    if not markers:
        draft = _one_speech(paras, fallback_title)
        return [draft] if draft.paragraphs else []
    drafts: list[SpeechDraft] = []
    preamble = paras[: markers[0]]
    if sum(len(p.text) for p in preamble if not _is_titleish(p.text)) > _HEADER_AS_SPEECH:
        drafts.append(_one_speech(preamble, fallback_title))
    else:
        dropped[:0] = [p.text for p in preamble]
    for n, start in enumerate(markers):
        end = markers[n + 1] if n + 1 < len(markers) else len(paras)
        m = PART_MARKER.match(paras[start].text)
        part_title = (m.group(2) or "").strip() if m else ""
        fallback = part_title or f"{fallback_title} {paras[start].text}"
        drafts.append(_one_speech(paras[start + 1 : end], fallback, part_title or None))
    return [d for d in drafts if d.paragraphs]


def _part_markers(paras: list[Paragraph]) -> list[int]:
    """Indexes of 第一篇, 第二篇, … when they number consecutively from one (at least two)."""
    found: list[int] = []
    for i, p in enumerate(paras):
        m = PART_MARKER.match(p.text)
        if m and cn_to_int(m.group(1)) == len(found) + 1:
            found.append(i)
    return found if len(found) >= 2 else []


def _is_titleish(text: str) -> bool:
    """A short line without sentence punctuation that is no heading, salutation or date."""
    return (
        len(text) <= _TITLE_MAX
        and text[-1] not in SENTENCE_END + "，,：:、"
        and not starts_with_heading(text)
        and not SALUTATION.match(text)
        and parse_date_line(text) is None
    )


def _same_title(line: str, title: str) -> bool:
    """True when ``line`` repeats ``title`` (the part title often repeats without its year)."""
    a, b = re.sub(r"\s+", "", line), re.sub(r"\s+", "", title)
    return bool(a) and (a in b or b in a)


def _one_speech(paras: list[Paragraph], fallback: str, given: str | None = None) -> SpeechDraft:
    """Take the title block off the front of one speech and find its date."""
    header = 0
    while header < min(len(paras), _HEADER_MAX) and (
        _is_titleish(paras[header].text) or parse_date_line(paras[header].text)
    ):
        header += 1
    used: set[int] = set()
    if given is not None:
        title = given
        used = {i for i in range(header) if _is_titleish(paras[i].text) and _same_title(paras[i].text, given)}
    else:
        title, used = _pick_title(paras[:header], fallback)
    if len(used) == len(paras):  # nothing but a title: keep it as the text rather than lose it
        used = set()
    body = [p.text for i, p in enumerate(paras) if i not in used]
    origins = [p.origins for i, p in enumerate(paras) if i not in used]
    return SpeechDraft(title, _find_date(title, body, header - len(used)), body, origins)


def _pick_title(header: list[Paragraph], fallback: str) -> tuple[str, set[int]]:
    """Prefer a line that reads as a speech title; else the first (two-line) headline."""
    candidates = [i for i, p in enumerate(header) if _is_titleish(p.text)]
    if not candidates:
        return fallback, set()
    for i in candidates:
        if _SPEECH_TITLE.search(header[i].text):
            return header[i].text, {i}
    first = candidates[0]
    used = {first}
    # A headline broken over two lines has no blank line in between.
    if first + 1 in candidates and not header[first + 1].blank_before:
        used.add(first + 1)
    return " ".join(header[i].text for i in sorted(used)), used


def _find_date(title: str, body: list[str], header_len: int) -> str | None:
    """A date line in the header or at the end wins; else a date or year named in the title."""
    scan = body[: max(header_len, 0) + _DATE_SCAN] + body[-_DATE_SCAN:]
    for line in scan:
        iso = parse_date_line(line)
        if iso:
            return iso
    m = _DATE_IN_TITLE.search(title)
    if m:
        iso = parse_date_line(m.group())
        if iso:
            return iso
    return year_in_title(title)
