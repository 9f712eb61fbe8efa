"""Rich rendering of answers, hits, reports and status for the terminal (no Typer here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from index.plan import ChangePlan, count
from index.stages import is_counted, is_waiting
from qa.types import RULE_TEXT, Answer, Hit, IndexReport, IndexStatus


def hit_text(hit: Hit) -> Text:
    """The passage with the answer sentences underlined and the question's words in bold."""
    text = Text(hit.text)
    for start, end in hit.highlights:
        text.stylize("underline bold", start, end)
    for start, end in hit.matches:
        text.stylize("bold yellow", start, end)
    return text


def hit_panel(hit: Hit) -> Panel:
    """A passage with its full citation on top (wrapped, never cut like a panel title).

    Print panels with ``soft_wrap=False``: piped output is not wrapped (qa.cli_support), but a
    panel's text must wrap inside its box or it is cut at the border.
    """
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
    if answer.summary:  # a trace question: first use and counts
        console.print(Text(answer.summary, style="cyan"))
    if answer.notice:
        console.print(Text(answer.notice, style="yellow"))
    if answer.supported and answer.sentences:
        line = Text()
        for sent in answer.sentences:
            line.append(sent.text)
            line.append(f"[{sent.cite}]", style="bold cyan")
        console.print(Panel(line, title="答案 Answer", title_align="left", border_style="green"), soft_wrap=False)
    else:
        console.print(Panel(Text("资料中没有找到能回答这个问题的内容。No passage in the collection answers this question; "
                                 "the nearest passages follow as related reading.", style="yellow"),
                            border_style="yellow"), soft_wrap=False)
    label = "来源 Sources" if answer.supported else "相关 Related"
    console.print(Text(label, style="bold"))
    for hit in answer.hits:
        console.print(hit_panel(hit), soft_wrap=False)
    console.print(Text(f"refusal rule: {RULE_TEXT.get(answer.refusal_rule, answer.refusal_rule)}", style="dim"))


def render_hits(console: Console, hits: list[Hit]) -> None:
    if not hits:
        console.print("No passages found.")
    for hit in hits:
        console.print(hit_panel(hit), soft_wrap=False)


def _changes(added: int, updated: int, removed: int, unchanged: int, skipped: int) -> str:
    return f"{added} added, {updated} updated, {removed} removed, {unchanged} unchanged, {skipped} skipped"


def render_report(console: Console, report: IndexReport) -> None:
    for label, items in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        for path in items:
            console.print(f"[green]{label}[/] {path}")
    for path, why in report.skipped:
        console.print(f"[red]skipped[/] {path}: {why.removeprefix(f'{path}: ')}")  # reasons name the file too
    read = report.added or report.updated or report.chunks_embedded
    embedded = f"; {count(report.chunks_embedded, 'chunk')} embedded" if read else ""
    console.print(_changes(len(report.added), len(report.updated), len(report.removed), len(report.unchanged),
                           len(report.skipped)) + f"{embedded} in {report.seconds:.1f} s")
    if report.model_export_s:
        console.print(f"(the embedding model was exported once, in {report.model_export_s:.1f} s of that; "
                      "later builds reuse it)")


def render_plan(console: Console, plan: ChangePlan) -> None:
    """A dry run: what the job would change; nothing was written."""
    for label, items in (("would add", plan.added), ("would update", plan.updated), ("would remove", plan.removed)):
        for path in items:
            console.print(f"[green]{label}[/] {path}")
    for path, why in plan.skipped:
        console.print(f"[red]would skip[/] {path}: {why.removeprefix(f'{path}: ')}")
    embed = f"; {count(plan.to_embed, 'chunk')} to embed" if plan.to_embed else ""
    console.print(f"dry run of {plan.action} on {plan.location}: "
                  + _changes(len(plan.added), len(plan.updated), len(plan.removed), len(plan.unchanged),
                             len(plan.skipped)) + f"{embed}; nothing was changed")
    risk = plan.removal_risk()
    if risk is not None:
        console.print(f"[yellow]needs confirmation:[/] it would remove {count(len(plan.removed), 'document')} of "
                      f"{plan.indexed}; run it with --yes to go ahead")


def report_to_json(report: IndexReport) -> dict[str, Any]:
    """A build/add/sync/remove report as plain data: every list with its count; skipped files with reasons."""
    lists = {"added": report.added, "updated": report.updated, "removed": report.removed,
             "unchanged": report.unchanged}
    skipped = [{"path": path, "reason": why.removeprefix(f"{path}: ")} for path, why in report.skipped]
    return {**lists, "skipped": skipped, "counts": {**{k: len(v) for k, v in lists.items()}, "skipped": len(skipped)},
            "chunks_embedded": report.chunks_embedded, "seconds": round(report.seconds, 3)}


def render_status(console: Console, status: IndexStatus) -> None:
    if not status.exists:
        console.print(f"No index at {status.path}. Build one with: qa index build PATH")
        return
    if not status.readable:
        console.print(f"The index at {status.path} is damaged: its database cannot be read, so what it holds is "
                      "unknown.")
        return
    if status.documents == 0 and not status.damaged:
        console.print(f"The index at {status.path} is empty: every document was removed. "
                      "Add speeches with: qa index add PATH (or qa index sync FOLDER)")
    rows = [("index", status.path), ("documents", status.documents), ("speeches", status.speeches),
            ("chunks", status.chunks), ("model", status.model), ("dimension", status.dimension),
            ("chunker", status.chunker_version), ("created", status.created), ("updated", status.updated)]
    for key, value in rows:
        console.print(f"[bold]{key:>10}[/] {value}")
    _listed(console, status.doc_paths)
    if status.undated:
        console.print(f"[bold]{'undated':>10}[/] {count(len(status.undated), 'speech')} without a date "
                      "(set them in speeches.toml beside the files):")
        _listed(console, status.undated)


#: Lines of a list ``status`` prints before it says how many more there are: a collection of
#: thousands of files would otherwise scroll its own summary away (``--json`` lists them all).
STATUS_LIST_LIMIT = 20


def _listed(console: Console, items: list[str]) -> None:
    for item in items[:STATUS_LIST_LIMIT]:
        console.print(f"{'':>10} {item}", highlight=False, markup=False)
    if len(items) > STATUS_LIST_LIMIT:
        console.print(f"{'':>10} … and {len(items) - STATUS_LIST_LIMIT:,} more (qa index status --json lists them all)",
                      highlight=False, markup=False)


def print_json(console: Console, data: Any) -> None:
    console.out(json.dumps(data, ensure_ascii=False), highlight=False)


@contextmanager
def progress_bar(console: Console, what: str) -> Iterator[Any]:
    """A progress callback ``(done, total, what)`` drawing chunks/s and ETA on stderr.

    Not a terminal (a log, a pipe): no bar, but the stages without a count (loading the model,
    waiting for another job) still get a line each, so a long silence is explained.
    """
    if not console.is_terminal:
        said: set[str] = set()

        def stage_line(done: int, total: int, label: str) -> None:
            if not is_counted(label) and label not in said:
                said.add(label)
                console.print(label, markup=False, highlight=False)

        yield stage_line
        return
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
                bar.reset(task, total=total if is_counted(label) else None, description=label or what)
                if is_waiting(label):  # kept on screen after the bar moves on
                    bar.console.print(label, markup=False, highlight=False)
            if not is_counted(label):  # loading the model, waiting for the lock: no count to show
                bar.update(task, rate="")
                return
            unit = "files" if label == "reading" else "chunks"
            bar.update(task, completed=done, total=total)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.1f} {unit}/s" if speed else "")

        yield update
