"""Cut cleaned paragraphs into speeches and find each speech's title and date.

A downloaded file may hold one speech or a compilation ("第一篇：…", "第二篇：…"); every
answer cites one speech, so each must become its own ``Speech`` with the title a user
recognises. Titles come from the file itself (a heading line such as
"在全区党建工作会议上的讲话", a news headline, a title block with subtitle and venue line
(:mod:`index.titleblock`), or the compilation's part title); a speech without one gets a
title derived from the meeting its opening names (:mod:`index.derive`), and the file name
only when that fails. Dates come from the text, the title or a session it names
(:mod:`index.dating`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.clean import Paragraph
from index.dating import date_of_speech
from index.derive import derive_title
from index.patterns import (
    PART_MARKER,
    SALUTATION,
    SENTENCE_END,
    cn_to_int,
    parse_date_line,
    starts_with_heading,
)
from index.titleblock import parse_venue_line, pick_title

_TITLE_MAX = 60
_HEADER_MAX = 6  # title block: at most this many paragraphs before the speech starts
_DATE_SCAN = 3  # a date line may also close the speech (signature) – look at the last few
_HEADER_AS_SPEECH = 200  # a compilation preamble longer than this is kept as text


@dataclass
class SpeechDraft:
    """A speech before structuring: its title, date and body paragraphs.

    ``title_derived`` marks a title not found as a title line (derived from the opening, or
    the file name); ``subtitle``/``venue`` are set when the title block has them.
    ``origins`` holds each paragraph's :attr:`Paragraph.origins` (same order), so facts known
    per source line (page, heading style) can be mapped onto the speech text.
    """

    title: str
    date: str | None
    paragraphs: list[str]
    title_derived: bool = False
    subtitle: str | None = None
    venue: str | None = None
    date_source: str | None = None
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
        and parse_venue_line(text) is None
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
        or parse_venue_line(paras[header].text)
    ):
        header += 1
    lines = [p.text for p in paras[:header]]
    venue_at = next((i for i, line in enumerate(lines) if parse_venue_line(line)), None)
    venue_line = parse_venue_line(lines[venue_at]) if venue_at is not None else None
    subtitle: str | None = None
    derived = False
    if given is not None:
        title = given
        used = {i for i in range(header) if _is_titleish(lines[i]) and _same_title(lines[i], given)}
    else:
        candidates = [i for i, line in enumerate(lines) if _is_titleish(line)]
        choice = pick_title(lines, [p.blank_before for p in paras[:header]], candidates, venue_at)
        title, subtitle, used = choice.title or fallback, choice.subtitle, set(choice.used)
        derived = choice.title is None
    if len(used) == len(paras):  # nothing but a title: keep it as the text rather than lose it
        used = set()
    body = [p.text for i, p in enumerate(paras) if i not in used]
    if derived:
        title = derive_title(body) or fallback
    head = max(header - len(used), 0) + _DATE_SCAN
    dated = date_of_speech(title, lines, body[:head] + body[-_DATE_SCAN:])
    origins = [p.origins for i, p in enumerate(paras) if i not in used]
    return SpeechDraft(title, dated.date, body, derived, subtitle, venue_line.venue if venue_line else None,
                       dated.source, origins)
