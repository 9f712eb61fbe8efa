"""Typed results of the engine: what both front ends (CLI, TUI) render.

Never raw FAISS arrays: every hit carries its text, where it comes from and offsets into
the cleaned speech, so a citation can always be found again verbatim.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from index.plan import Approval, ChangePlan, count
from index.provenance import format_pages
from index.titleblock import display_title
from index.types import Filters, IndexReport, IndexStatus, SpeechText


@dataclass(frozen=True)
class Hit:
    """A retrieved passage. ``start``/``end`` are offsets into the cleaned speech text."""

    rank: int
    score: float
    chunk_id: int
    doc_path: str
    title: str
    date: str | None
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    #: Other speeches (titles) holding a near-duplicate of this passage.
    also_in: tuple[str, ...] = ()
    #: Spans (relative to ``text``) of the answer sentences taken from this passage.
    highlights: tuple[tuple[int, int], ...] = ()
    #: Spans (relative to ``text``) of the question's words, for highlighting.
    matches: tuple[tuple[int, int], ...] = ()
    #: The title was derived by the reader (no title line in the file): shown with "≈".
    title_derived: bool = False
    #: The file's name; where the date came from ("text", "title", "session", "metadata", "filename", "user").
    source_name: str = ""
    date_source: str | None = None
    #: Pages of a paged source (PDF) the passage comes from.
    pages: tuple[int, ...] = ()

    def display_title(self) -> str:
        """The title as shown: a derived one (no title line in the file) starts with "≈"."""
        return display_title(self.title, self.title_derived)

    def where(self) -> str:
        """"p. 3" / "pp. 3–4" for a passage of a paged source, else ""."""
        return format_pages(self.pages)

    def citation(self) -> str:
        """``讲话标题 (date) › 一、… › （二）…`` as users cite it (`` · p. 3`` for a PDF); a derived title starts with "≈"."""
        title = self.display_title()
        head = f"{title} ({self.date})" if self.date else title
        where = f" · {self.where()}" if self.pages else ""
        return " › ".join([head, *self.section]) + where

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section"] = list(self.section)
        data["also_in"] = list(self.also_in)
        data["highlights"] = [list(h) for h in self.highlights]
        data["matches"] = [list(m) for m in self.matches]
        data["pages"] = list(self.pages)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Hit:
        """Inverse of :meth:`to_dict` (lists back to tuples)."""
        spans = ("highlights", "matches")
        return cls(**{**data, "section": tuple(data["section"]), "also_in": tuple(data.get("also_in", ())),
                      "pages": tuple(data.get("pages", ())),
                      **{k: tuple(tuple(x) for x in data.get(k, ())) for k in spans}})


@dataclass(frozen=True)
class AnswerSentence:
    """One verbatim sentence of the answer: ``hit.text[start-hit.start:end-hit.start] == text``."""

    text: str
    cite: int  # 1-based rank of the hit it comes from
    chunk_id: int
    start: int  # offsets into the cleaned speech text
    end: int


#: How each refusal rule (``Answer.refusal_rule``, qa/refusal.py) is named on screen.
RULE_TEXT = {
    "calibrated": "calibrated (thresholds measured with this index's model)",
    "fallback": "fallback (thresholds not calibrated for this index's model: only the words found decide)",
}


@dataclass(frozen=True)
class Answer:
    """What ``QAEngine.ask`` returns."""

    question: str
    sentences: tuple[AnswerSentence, ...]
    hits: tuple[Hit, ...]
    #: False when the best evidence is below the calibrated threshold: hits are "related" only.
    supported: bool = True
    #: The question actually searched (a follow-up resolved with the previous topic).
    resolved_question: str | None = None
    seconds: float = 0.0
    #: Said to the user with the answer, e.g. that an over-long question was cut (qa/limits.py).
    notice: str | None = None
    #: A line above the sentences (a trace question: first use and counts, qa/trace_question.py).
    summary: str | None = None
    #: Which refusal rule decided ``supported``: "calibrated" (thresholds measured with this model)
    #: or "fallback" (another model: words found only); see qa/refusal.py.
    refusal_rule: str = "calibrated"

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "supported": self.supported,
            "summary": self.summary,
            "answer": [asdict(s) for s in self.sentences],
            "hits": [h.to_dict() for h in self.hits],
            "seconds": round(self.seconds, 4),
            "notice": self.notice,
            "refusal_rule": self.refusal_rule,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """Inverse of :meth:`to_dict`, for reopening stored conversations."""
        return cls(
            question=data["question"],
            sentences=tuple(AnswerSentence(**s) for s in data.get("answer", [])),
            hits=tuple(Hit.from_dict(h) for h in data.get("hits", [])),
            supported=bool(data.get("supported", True)),
            resolved_question=data.get("resolved_question"),
            seconds=float(data.get("seconds", 0.0)),
            notice=data.get("notice"),
            summary=data.get("summary"),
            refusal_rule=str(data.get("refusal_rule", "calibrated")),
        )


#: Re-exported for the front ends: index plans and approvals (index/plan.py), and ``count`` ("1 chunk", "2 chunks").
__all__ = ["Answer", "AnswerSentence", "Approval", "ChangePlan", "Filters", "Hit", "IndexReport", "IndexStatus",
           "SpeechText", "count"]
