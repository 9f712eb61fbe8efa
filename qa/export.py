"""Markdown renderings of answers and conversations (TUI copy/export; the CLI may reuse them).

Citations keep the section path and a verbatim quote of the passage, so an exported answer
can be checked against the speech without the app.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from qa.errors import QAError
from qa.types import Answer, Hit


class ExportError(QAError):
    """The export file cannot be written (the message names it)."""


def _quote(text: str) -> str:
    """A Markdown blockquote of ``text``, one ``>`` line per line."""
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines())


def answer_body_markdown(answer: Answer) -> str:
    """The answer sentences with ``[n]`` markers, or the "no answer" note."""
    if not answer.supported or not answer.sentences:
        return "_No answer was found in the speeches; the passages below are only related._"
    return "".join(f"{s.text}[{s.cite}]" for s in answer.sentences)


def hit_markdown(hit: Hit) -> str:
    """One source: ``[n] citation`` and the quoted passage."""
    line = f"[{hit.rank}] {hit.citation()}"
    if hit.also_in:
        line += f" (also in: {'; '.join(hit.also_in)})"
    return f"{line}\n\n{_quote(hit.text)}"


def answer_markdown(answer: Answer, *, level: int = 2) -> str:
    """An answer with its question, resolved question, sentences and cited sources."""
    hashes = "#" * level
    parts = [f"{hashes} {answer.question.strip()}"]
    if answer.resolved_question and answer.resolved_question != answer.question:
        parts.append(f"_Answered as: {answer.resolved_question}_")
    if answer.summary:
        parts.append(answer.summary)
    parts.append(answer_body_markdown(answer))
    if answer.hits:
        label = "Sources" if answer.supported else "Related passages"
        parts.append(f"{hashes}# {label}")
        parts.extend(hit_markdown(h) for h in answer.hits)
    return "\n\n".join(parts) + "\n"


def conversation_markdown(title: str, answers: Sequence[Answer], *, created: str | None = None) -> str:
    """A whole conversation: a title, then each answer as a section."""
    head = f"# {title.strip() or 'Conversation'}\n"
    if created:
        head += f"\n_{created}_\n"
    return "\n".join([head, *(answer_markdown(a, level=2) for a in answers)])


def default_export_path(data_dir: Path, title: str, now: datetime | None = None) -> Path:
    """``data_dir/exports/<title-slug>-<timestamp>.md``; the slug keeps CJK characters."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^\w\u4e00-\u9fff]+", "-", title).strip("-")[:30] or "conversation"
    return data_dir / "exports" / f"{slug}-{stamp}.md"


def write_markdown(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (parents created); ExportError naming the file on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the export ({exc.strerror or exc})") from None
    return path
