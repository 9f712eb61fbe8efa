"""How a formulation (提法) was used over time: every occurrence, grouped by year or by speech date.

Pure qa-layer code over what a store returns: :meth:`index.stores.base.Store.find_phrase` finds
the occurrences in whole speech texts (after folding, whitespace ignored); this module attaches
titles, dates and section paths (:meth:`Store.chunks_by_ids`), key-word-in-context text
(:meth:`Store.speech_text`), and groups them into periods. The CLI (``qa trace``), the chat's
trace view and trace questions in ``qa ask`` all read the frozen dataclasses made here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from index.stores.base import Store
from index.titleblock import display_title
from index.types import ChunkRow, Filters, PhraseOccurrence, SpeechText
from qa.types import Hit

#: How occurrences are grouped: by the year of the speech, or by its whole date.
GroupBy = Literal["year", "date"]
UNDATED = "undated"
_ONE_LINE = re.compile(r"\s")


@dataclass(frozen=True)
class Occurrence:
    """One use of a phrase: where it stands in the cleaned speech text and how to cite it."""

    phrase: str
    chunk_id: int
    speech_id: int
    doc_path: str
    title: str
    date: str | None
    section: tuple[str, ...]
    start: int
    end: int
    #: The text as it stands in the speech (it may hold a line break or the other script).
    matched: str
    #: Key-word-in-context text before and after (empty unless context was asked for).
    left: str = ""
    right: str = ""
    title_derived: bool = False
    source_name: str = ""
    date_source: str | None = None

    def period(self, by: GroupBy) -> str:
        if not self.date:
            return UNDATED
        return self.date[:4] if by == "year" else self.date

    def kwic(self) -> tuple[str, str, str]:
        """(left context, matched text, right context) on one line: whitespace shown as spaces."""
        return _ONE_LINE.sub(" ", self.left), _ONE_LINE.sub(" ", self.matched), _ONE_LINE.sub(" ", self.right)

    def citation(self) -> str:
        """``讲话标题 (date) › 一、… › （二）…``, as hits are cited."""
        title = display_title(self.title, self.title_derived)
        head = f"{title} ({self.date})" if self.date else title
        return " › ".join([head, *self.section])

    def as_hit(self, rank: int, sentence: tuple[int, int, str]) -> Hit:
        """A hit for the reader and the answer: the sentence (start, end, text) around the
        occurrence as its passage, the phrase as its matched words."""
        start, end, text = sentence
        return Hit(rank=rank, score=0.0, chunk_id=self.chunk_id, doc_path=self.doc_path, title=self.title,
                   date=self.date, section=self.section, text=text, start=start, end=end,
                   matches=((self.start - start, self.end - start),), title_derived=self.title_derived,
                   source_name=self.source_name, date_source=self.date_source)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section"] = list(self.section)
        data["citation"] = self.citation()
        return data


@dataclass(frozen=True)
class Period:
    """One bar of the timeline: uses of the phrase in one year (or on one date)."""

    label: str
    count: int
    #: Speeches of the period that use the phrase / all speeches of the period (within the filters).
    speeches: int
    total_speeches: int


@dataclass(frozen=True)
class PhraseTrace:
    """The history of one phrase; a variant found by ``--similar`` names the phrase it varies."""

    phrase: str
    occurrences: tuple[Occurrence, ...]
    periods: tuple[Period, ...]
    variant_of: str | None = None
    #: Cosine similarity of the variant to the phrase (query encoder), for variants only.
    similarity: float | None = None

    @property
    def total(self) -> int:
        return len(self.occurrences)

    @property
    def speeches(self) -> int:
        return len({o.speech_id for o in self.occurrences})

    @property
    def first(self) -> Occurrence | None:
        """The earliest dated use (occurrences are in date order, undated ones last)."""
        return self.occurrences[0] if self.occurrences else None

    @property
    def last(self) -> Occurrence | None:
        dated = [o for o in self.occurrences if o.date]
        return dated[-1] if dated else self.first

    def used_periods(self) -> list[Period]:
        return [p for p in self.periods if p.count]

    def span(self) -> str:
        """"1978–1988", "2024", "undated" (only undated uses) or "" (never used)."""
        used = [p.label for p in self.used_periods() if p.label != UNDATED]
        if not used:
            return UNDATED if self.occurrences else ""
        return f"{used[0]}–{used[-1]}" if len(used) > 1 else used[0]

    def summary(self) -> str:
        """One line: total uses, speeches, span and the busiest periods."""
        label = f"“{self.phrase}”" + (f"（“{self.variant_of}”的变体）" if self.variant_of else "")
        if not self.occurrences:
            return f"{label}：没有出现"
        span = self.span()
        used = [p for p in self.used_periods() if p.label != UNDATED]
        top = sorted(used, key=lambda p: (-p.count, p.label))[:3]
        busiest = "，".join(f"{p.label}年{p.count}次" if p.label.isdigit() else f"{p.label} {p.count}次" for p in top)
        return (f"{label}：{span}，{self.speeches}篇讲话共{self.total}次"
                + (f"（最多：{busiest}）" if busiest else ""))

    def to_dict(self) -> dict[str, Any]:
        first, last = self.first, self.last
        return {
            "phrase": self.phrase,
            "variant_of": self.variant_of,
            "similarity": None if self.similarity is None else round(self.similarity, 4),
            "total": self.total,
            "speeches": self.speeches,
            "first": first.to_dict() if first else None,
            "last": last.to_dict() if last else None,
            "periods": [asdict(p) for p in self.periods],
            "occurrences": [o.to_dict() for o in self.occurrences],
        }


@dataclass(frozen=True)
class Trace:
    """What ``qa trace`` shows: each phrase asked for, each followed by its variants (if any)."""

    phrases: tuple[PhraseTrace, ...]
    by: GroupBy = "year"
    filters: Filters = field(default_factory=Filters)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "filters": {k: v for k, v in asdict(self.filters).items() if v},
                "phrases": [p.to_dict() for p in self.phrases], "seconds": round(self.seconds, 4)}


# ----------------------------------------------------------------- grouping
def date_key(date: str | None) -> tuple[bool, str]:
    """Dates in time order, a less precise date after the precise ones it contains ("2024-03-05"
    before "2024-03" before "2024": a year alone is not known to be early in it), undated last."""
    return (not date or date == UNDATED, (date or "") + "~")


def periods(occurrences: Iterable[Occurrence], speech_dates: Iterable[str | None], by: GroupBy) -> tuple[Period, ...]:
    """A period for every date among the allowed speeches (with or without the phrase), in order.

    A period's count is the number of occurrences, ``speeches`` the speeches using it, and
    ``total_speeches`` every speech of that period: a phrase's absence shows as much as its use.
    The undated period appears only when an undated speech uses the phrase.
    """
    totals: dict[str, int] = {}
    for date in speech_dates:
        label = UNDATED if not date else (date[:4] if by == "year" else date)
        totals[label] = totals.get(label, 0) + 1
    counts: dict[str, int] = {}
    users: dict[str, set[int]] = {}
    for occ in occurrences:
        label = occ.period(by)
        counts[label] = counts.get(label, 0) + 1
        users.setdefault(label, set()).add(occ.speech_id)
        totals.setdefault(label, len(users[label]))
    labels = sorted((lb for lb in totals if lb != UNDATED or counts.get(lb)), key=date_key)
    return tuple(Period(lb, counts.get(lb, 0), len(users.get(lb, ())), max(totals[lb], len(users.get(lb, ()))))
                 for lb in labels)


def chronological(occurrences: Iterable[Occurrence]) -> tuple[Occurrence, ...]:
    """Uses in :func:`date_key` order, then by file, speech and position (never by the store's own ids
    first, so every store lists the same uses in the same order)."""
    return tuple(sorted(occurrences, key=lambda o: (date_key(o.date), o.doc_path, o.title, o.start, o.speech_id)))


# ----------------------------------------------------------------- building from a store
def _occurrence(phrase: str, found: PhraseOccurrence, row: ChunkRow, text: str, offset: int,
                context: int) -> Occurrence:
    """``text`` is the speech text from ``offset`` on (the chunk's text when it holds all needed)."""
    start, end = found.start - offset, found.end - offset
    left = text[max(0, start - context):start] if context else ""
    right = text[end:end + context] if context else ""
    return Occurrence(phrase=phrase, chunk_id=found.chunk_id, speech_id=found.speech_id, doc_path=row.doc_path,
                      title=row.title, date=row.date, section=row.section, start=found.start, end=found.end,
                      matched=text[start:end], left=left, right=right, title_derived=row.title_derived,
                      source_name=row.source_name, date_source=row.date_source)


def trace_phrase(store: Store, phrase: str, filters: Filters | None = None, *, by: GroupBy = "year",
                 context: int = 0, variant_of: str | None = None, similarity: float | None = None) -> PhraseTrace:
    """Every use of ``phrase`` in the speeches ``filters`` allow, with ``context`` characters each side.

    The matched text (and context) comes from the citing chunk's text when it holds it; a whole
    speech is read only for a use that runs past its chunk, or for context beyond it, so a
    frequent phrase over a large collection does not read every speech it appears in.
    """
    matches = store.find_phrase(phrase, filters)
    rows = {r.chunk_id: r for r in store.chunks_by_ids(o.chunk_id for o in matches.occurrences)}
    texts: dict[int, str] = {}
    found: list[Occurrence] = []
    for occ in matches.occurrences:
        row = rows.get(occ.chunk_id)
        if row is None:  # removed by a write between the two reads: the next trace sees it gone
            continue
        if row.start <= occ.start - context and occ.end + context <= row.end:
            found.append(_occurrence(phrase, occ, row, row.text, row.start, context))
            continue
        if occ.speech_id not in texts:
            texts[occ.speech_id] = store.speech_text(occ.chunk_id).text
        found.append(_occurrence(phrase, occ, row, texts[occ.speech_id], 0, context))
    ordered = chronological(found)
    return PhraseTrace(phrase.strip(), ordered, periods(ordered, matches.speech_dates, by), variant_of, similarity)


def sentence_around(text: str, start: int, end: int, limit: int = 200) -> tuple[int, int, str]:
    """The sentence holding ``text[start:end]`` (cut at 。！？；, line breaks, or ``limit`` characters
    each side): what an answer quotes and the reader marks around an occurrence."""
    stops = "。！？；!?;\n"
    lo = start
    while lo > max(0, start - limit) and text[lo - 1] not in stops:
        lo -= 1
    hi = end
    while hi < min(len(text), end + limit) and text[hi - 1] not in stops:
        hi += 1
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return lo, hi, text[lo:hi]


def occurrence_hits(speech_text: Callable[[int], SpeechText], occurrences: Sequence[Occurrence]) -> tuple[Hit, ...]:
    """Hits (rank 1…n, the sentence around each use) for the reader or an answer;
    ``speech_text(chunk_id)`` is the store's or the engine's."""
    texts: dict[int, str] = {}
    hits = []
    for rank, occ in enumerate(occurrences, 1):
        if occ.speech_id not in texts:
            texts[occ.speech_id] = speech_text(occ.chunk_id).text
        hits.append(occ.as_hit(rank, sentence_around(texts[occ.speech_id], occ.start, occ.end)))
    return tuple(hits)


__all__ = ["GroupBy", "Occurrence", "Period", "PhraseTrace", "Trace", "chronological", "date_key", "occurrence_hits", "periods",
           "sentence_around", "trace_phrase"]
