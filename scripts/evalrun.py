"""Asking an engine every question of a set, and the figures per dataset, half and question type.

One :class:`Record` per question asked; :func:`metrics` turns any group of them into the figures
the reports show (hit@1/5, MRR@10, answer accuracy with the "all" rule for lists, refusal rate,
answer length in characters, latency). :func:`question_type` is the one typing rule: the engine's
own :func:`qa.intent.classify` (what it acts on), with the script taking precedence, so English
and traditional-script questions are judged apart.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from qa.engine import QAEngine
from qa.intent import classify
from scripts.evalkit import Query, half

TYPES = ("list", "why/how", "fact", "English", "traditional", "other")


def question_type(question: str) -> str:
    """One of :data:`TYPES`, by general rules of wording (never per question)."""
    intent = classify(question)
    if intent.english:
        return "English"
    if intent.traditional:
        return "traditional"
    return {"why": "why/how", "how": "why/how"}.get(intent.kind, intent.kind)


@dataclass(frozen=True)
class Record:
    """What happened to one question."""

    dataset: str
    question: str
    qtype: str
    half: str
    all_rule: bool  # a list question whose answer must hold every gold string
    rank: int | None  # 0-based rank of the first passage holding a gold string (top 10), None if none
    answer_ok: bool
    refused: bool
    answer_chars: int
    seconds: float
    refusal_rule: str = ""


def ask_all(engine: QAEngine, dataset: str, queries: Sequence[Query], top_k: int = 10,
            progress: Callable[[int], None] | None = None) -> list[Record]:
    """Ask every query once; a question without gold (off-topic) only counts as refused or not."""
    out: list[Record] = []
    for i, query in enumerate(queries):
        started = time.perf_counter()
        answer = engine.ask(query.q, top_k=top_k)
        seconds = time.perf_counter() - started
        text = "".join(s.text for s in answer.sentences)
        rank = next((j for j, h in enumerate(answer.hits[:10]) if query.gold and query.passage_hit(h.text)), None)
        out.append(Record(dataset, query.q, question_type(query.q), half(query.q), query.all, rank,
                          bool(query.gold) and answer.supported and query.found_in(text), not answer.supported,
                          len(text) if answer.supported else 0, seconds, getattr(answer, "refusal_rule", "")))
        if progress:
            progress(i + 1)
    return out


def _ratio(flags: Iterable[bool], n: int) -> float:
    return round(sum(flags) / n, 3) if n else 0.0


def metrics(records: Sequence[Record]) -> dict[str, Any]:
    """The figures of a group of records (answer length over answered questions only)."""
    n = len(records)
    ranks = [r.rank for r in records]
    lengths = [r.answer_chars for r in records if not r.refused]
    secs = [r.seconds for r in records]
    return {
        "n": n,
        "hit@1": _ratio((k == 0 for k in ranks), n),
        "hit@5": _ratio((k is not None and k < 5 for k in ranks), n),
        "mrr@10": round(sum(1 / (k + 1) for k in ranks if k is not None) / n, 3) if n else 0.0,
        "answer": _ratio((r.answer_ok for r in records), n),
        "refused": _ratio((r.refused for r in records), n),
        "chars_mean": round(statistics.fmean(lengths), 1) if lengths else 0.0,
        "chars_median": statistics.median(lengths) if lengths else 0,
        "ms_p50": round(1000 * statistics.median(secs), 1) if secs else 0.0,
    }


def grouped(records: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """Figures for all, each half, each type, each type in each half (``type:list@held-out``), and
    the "all"-rule lists."""
    groups: dict[str, list[Record]] = {"all": list(records)}
    for r in records:
        groups.setdefault(r.half, []).append(r)
        groups.setdefault(f"type:{r.qtype}", []).append(r)
        groups.setdefault(f"type:{r.qtype}@{r.half}", []).append(r)
        if r.all_rule:
            groups.setdefault("lists(all-rule)", []).append(r)
            groups.setdefault(f"lists(all-rule)@{r.half}", []).append(r)
    return {name: metrics(rs) for name, rs in groups.items()}


def refusal_only(records: Sequence[Record]) -> dict[str, Any]:
    """Off-topic figures: how many were refused, overall and per half."""
    out: dict[str, Any] = {"n": len(records), "refused": _ratio((r.refused for r in records), len(records))}
    for name in ("tune", "held-out"):
        part = [r for r in records if r.half == name]
        out[name] = {"n": len(part), "refused": _ratio((r.refused for r in part), len(part))}
    out["answered"] = [r.question for r in records if not r.refused][:20]
    return out


def as_rows(records: Sequence[Record]) -> list[dict[str, Any]]:
    return [asdict(r) for r in records]
