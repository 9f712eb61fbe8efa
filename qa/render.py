"""Rich rendering of answers, hits, reports and status for the terminal (no Typer here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from qa.types import Answer, Hit, IndexReport, IndexStatus


def hit_text(hit: Hit) -> Text:
    """The passage with the answer sentences underlined and the question's words in bold."""
    text = Text(hit.text)
    for start, end in hit.highlights:
        text.stylize("underline bold", start, end)
    for start, end in hit.matches:
        text.stylize("bold yellow", start, end)
    return text


def hit_panel(hit: Hit) -> Panel:
    """A passage with its full citation on top (wrapped, never cut like a panel title)."""
    parts: list[Any] = [Text(hit.citation(), style="cyan"), hit_text(hit)]
    if hit.also_in:
        parts.append(Text("also in: " + "；".join(hit.also_in), style="dim"))
    return Panel(Group(*parts), title=Text(f"[{hit.rank}]", style="bold cyan"), title_align="left",
                 subtitle=f"score {hit.score:.3f}",
                 subtitle_align="right", border_style="dim")


def render_answer(console: Console, answer: Answer) -> None:
    """Answer line(s) with [n] citations, then the cited passages."""
    if answer.resolved_question and answer.resolved_question != answer.question:
        console.print(Text(f"（按“{answer.resolved_question}”回答）", style="dim"))
    if answer.supported and answer.sentences:
        line = Text()
        for sent in answer.sentences:
            line.append(sent.text)
            line.append(f"[{sent.cite}]", style="bold cyan")
        console.print(Panel(line, title="答案 Answer", title_align="left", border_style="green"))
    else:
        console.print(Panel(Text("资料中没有找到能回答这个问题的内容。No passage in the collection answers this question; "
                                 "the nearest passages follow as related reading.", style="yellow"),
                            border_style="yellow"))
    label = "来源 Sources" if answer.supported else "相关 Related"
    console.print(Text(label, style="bold"))
    for hit in answer.hits:
        console.print(hit_panel(hit))


def render_hits(console: Console, hits: list[Hit]) -> None:
    if not hits:
        console.print("No passages found.")
    for hit in hits:
        console.print(hit_panel(hit))


def render_report(console: Console, report: IndexReport) -> None:
    for label, items in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        for path in items:
            console.print(f"[green]{label}[/] {path}")
    for path, why in report.skipped:
        console.print(f"[red]skipped[/] {path}: {why.removeprefix(f'{path}: ')}")  # reasons name the file too
    console.print(f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed, "
                  f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped; "
                  f"{report.chunks_embedded} chunks embedded in {report.seconds:.1f} s")
    if report.model_export_s:
        console.print(f"(the embedding model was exported once, in {report.model_export_s:.1f} s of that; "
                      "later builds reuse it)")


def render_status(console: Console, status: IndexStatus) -> None:
    if not status.exists:
        console.print(f"No index at {status.path}. Build one with: qa index build PATH")
        return
    rows = [("index", status.path), ("documents", status.documents), ("speeches", status.speeches),
            ("chunks", status.chunks), ("model", status.model), ("dimension", status.dimension),
            ("chunker", status.chunker_version), ("created", status.created), ("updated", status.updated)]
    for key, value in rows:
        console.print(f"[bold]{key:>10}[/] {value}")
    for path in status.doc_paths:
        console.print(f"{'':>10} {path}", highlight=False)
    if status.undated:
        console.print(f"[bold]{'undated':>10}[/] {len(status.undated)} speeches without a date "
                      "(set them in speeches.toml beside the files):")
        for line in status.undated:
            console.print(f"{'':>10} {line}", highlight=False, markup=False)


def print_json(console: Console, data: Any) -> None:
    console.out(json.dumps(data, ensure_ascii=False), highlight=False)


@contextmanager
def progress_bar(console: Console, what: str) -> Iterator[Any]:
    """A progress callback ``(done, total, what)`` drawing chunks/s and ETA on stderr."""
    # imported here: rich.progress (tables, spinners; ~10 ms) is only needed by index jobs, not by `qa ask`
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"),
               TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(what, total=None, rate="")
        stage = [""]

        def update(done: int, total: int, label: str) -> None:
            if label != stage[0]:  # a new stage ("reading" files, then "embedding" chunks) counts anew
                stage[0] = label
                bar.reset(task, total=total, description=label or what)
            unit = "files" if label == "reading" else "chunks"
            bar.update(task, completed=done, total=total)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.1f} {unit}/s" if speed else "")

        yield update
