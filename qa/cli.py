"""The ``qa`` command: thin Typer commands over the one engine (see qa.engine.QAEngine)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from qa.engine import QAEngine
from qa.errors import QAError, with_advice
from qa.factory import make_engine
from qa.types import Filters

app = typer.Typer(help="Ask questions of a collection of Chinese speeches, offline, with citations.",
                  no_args_is_help=False, add_completion=False)
index_app = typer.Typer(help="Build and maintain the index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default: the data dir; env QA_INDEX).")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Embedding model name or local path (env QA_MODEL).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="TOML settings file (env QA_CONFIG).")]
TopKOpt = Annotated[int | None, typer.Option("--top-k", "-k", min=1, max=100, help="How many passages to return.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (JSONL with --queries).")]
QueriesOpt = Annotated[Path | None, typer.Option("--queries", help="File of questions: one per line, or JSONL with a 'q' field.")]
DocOpt = Annotated[str | None, typer.Option("--doc", help="Only speeches whose title or file name contains this.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only speeches dated on/after this (YYYY[-MM[-DD]]).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Only speeches dated on/before this (YYYY[-MM[-DD]]).")]
SectionOpt = Annotated[str | None, typer.Option("--section", help="Only passages whose section path contains this.")]
PathsArg = Annotated[list[Path], typer.Argument(help="Files or folders of speeches.")]


def _engine(index: Path | None, model: str | None, config: Path | None) -> QAEngine:
    return make_engine(config, index_dir=index, model=model)


def _fail(exc: QAError) -> typer.Exit:
    from rich.text import Text

    err.print(Text.assemble(("error: ", "red"), with_advice(exc)))
    return typer.Exit(1)


def _read_queries(path: Path) -> list[str]:
    """Questions from a plain list (one per line) or JSONL with a ``q`` field."""
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise QAError(f"{path}: cannot read questions ({exc})") from None
    questions = []
    for n, line in enumerate(lines, 1):
        if line.startswith("{"):
            try:
                questions.append(str(json.loads(line)["q"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                raise QAError(f"{path}:{n}: a JSON line needs a 'q' field") from None
        else:
            questions.append(line)
    return questions


def _answer_many(engine: QAEngine, question: str | None, queries: Path | None, as_json: bool,
                 top_k: int | None, filters: Filters, hits_only: bool) -> None:
    """Shared body of ask/search: one question, or many from a file in one process."""
    from qa.render import print_json, render_answer, render_hits

    if (question is None) == (queries is None):
        raise QAError("give a question, or --queries FILE (not both)")
    questions = _read_queries(queries) if queries else [question or ""]
    for q in questions:
        if hits_only:
            hits = engine.search(q, top_k=top_k, filters=filters)
            if as_json:
                print_json(out, {"question": q, "hits": [h.to_dict() for h in hits]})
            else:
                render_hits(out, hits)
        else:
            answer = engine.ask(q, top_k=top_k, filters=filters)
            if as_json:
                print_json(out, answer.to_dict())
            else:
                render_answer(out, answer)


@app.command()
def ask(question: Annotated[str | None, typer.Argument(help="The question.")] = None, *,
        top_k: TopKOpt = None, json_out: JsonOpt = False, queries: QueriesOpt = None, doc: DocOpt = None,
        since: SinceOpt = None, until: UntilOpt = None, section: SectionOpt = None,
        index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Answer a question: the answer sentences with [n] citations, then the cited passages."""
    try:
        _answer_many(_engine(index, model, config), question, queries, json_out, top_k,
                     Filters(doc, since, until, section), hits_only=False)
    except QAError as exc:
        raise _fail(exc) from None


@app.command()
def search(question: Annotated[str | None, typer.Argument(help="The question or phrase.")] = None, *,
           top_k: TopKOpt = None, json_out: JsonOpt = False, queries: QueriesOpt = None, doc: DocOpt = None,
           since: SinceOpt = None, until: UntilOpt = None, section: SectionOpt = None,
           index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Ranked passages only."""
    try:
        _answer_many(_engine(index, model, config), question, queries, json_out, top_k,
                     Filters(doc, since, until, section), hits_only=True)
    except QAError as exc:
        raise _fail(exc) from None


@app.command()
def trace(phrases: Annotated[list[str], typer.Argument(help="One or more phrases (提法), traced side by side.")], *,
          by: Annotated[str, typer.Option("--by", help="Group by 'year' or by speech 'date'.")] = "year",
          context: Annotated[int, typer.Option("--context", "-C", min=0, max=500,
                                               help="List every use with N characters of context and its citation.")] = 0,
          similar: Annotated[bool, typer.Option("--similar", help="Also trace variants: wordings that differ a little "
                                                                  "but mean the same (each labelled).")] = False,
          json_out: JsonOpt = False, csv_out: Annotated[bool, typer.Option("--csv", help="Print counts per period as CSV.")] = False,
          doc: DocOpt = None, since: SinceOpt = None, until: UntilOpt = None,
          index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """How phrases were used over time: uses per year (a bar each), first and last use, speeches."""
    from qa.render import print_json
    from qa.trace_render import render_trace, trace_csv

    try:
        if by not in ("year", "date"):
            raise QAError(f"--by {by!r}: expected 'year' or 'date'")
        result = _engine(index, model, config).trace(phrases, filters=Filters(doc, since, until), by=by,  # type: ignore[arg-type]
                                                     context=context, similar=similar)
    except QAError as exc:
        raise _fail(exc) from None
    if json_out:
        print_json(out, result.to_dict())
    elif csv_out:
        out.out(trace_csv(result), end="", highlight=False)
    else:
        render_trace(out, result, context=context > 0)


@app.command()
def chat(*, index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Open the chat app."""
    try:
        engine = _engine(index, model, config)
    except QAError as exc:
        raise _fail(exc) from None
    from tui.app import run  # imported lazily: `qa ask` must not pay for Textual

    run(engine, engine.settings)


def _index_job(kind: str, paths: list[Path], index: Path | None, model: str | None, config: Path | None) -> None:
    from qa.render import progress_bar, render_report

    try:
        engine = _engine(index, model, config)
        with progress_bar(err, "embedding") as update:
            if kind == "build":
                report = engine.build(paths, progress=update)
            elif kind == "add":
                report = engine.add(paths, progress=update)
            elif kind == "sync":
                report = engine.sync(paths[0], progress=update)
            else:
                report = engine.remove(paths)
        render_report(out, report)
    except QAError as exc:
        raise _fail(exc) from None


@index_app.command()
def build(paths: PathsArg, *, index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Build the index from scratch over PATHS (replaces the old one only when done)."""
    _index_job("build", paths, index, model, config)


@index_app.command()
def add(paths: PathsArg, *, index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Add new or changed files (by content hash); unchanged ones are skipped."""
    _index_job("add", paths, index, model, config)


@index_app.command()
def remove(paths: PathsArg, *, index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Remove files from the index."""
    _index_job("remove", paths, index, model, config)


@index_app.command()
def sync(folder: Annotated[Path, typer.Argument(help="Folder to mirror.")], *, index: IndexOpt = None,
         model: ModelOpt = None, config: ConfigOpt = None) -> None:
    """Add and remove so that the index matches FOLDER."""
    _index_job("sync", [folder], index, model, config)


@index_app.command()
def status(*, json_out: JsonOpt = False, index: IndexOpt = None, model: ModelOpt = None,
           config: ConfigOpt = None) -> None:
    """What the index holds."""
    from dataclasses import asdict

    from qa.render import print_json, render_status

    try:
        state = _engine(index, model, config).status()
    except QAError as exc:
        raise _fail(exc) from None
    if json_out:
        print_json(out, asdict(state))
    else:
        render_status(out, state)


@index_app.command()
def inspect(file: Annotated[Path, typer.Argument(help="A speech file.")], *, json_out: JsonOpt = False,
            config: ConfigOpt = None) -> None:
    """Show what the reader makes of FILE: speeches, headings, chunks, dropped boilerplate."""
    from index.chunker import chunk_document
    from index.inspect import document_to_json, render_document
    from index.reader import parse_document
    from qa.render import print_json
    from qa.settings import load_settings

    try:
        settings = load_settings(config)
        doc = chunk_document(parse_document(file), chunk_size=settings.chunk_size,
                             chunk_overlap=settings.chunk_overlap)
    except QAError as exc:
        raise _fail(exc) from None
    if json_out:
        print_json(out, document_to_json(doc))
    else:
        out.print(render_document(doc))


@app.command()
def demo(*, question: Annotated[str, typer.Option(help="The sample question.")] = "机关专职党务工作人员按什么比例配备？",
         chat_after: Annotated[bool, typer.Option("--chat/--no-chat", help="Open the chat afterwards (in a terminal).")] = True,
         index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """The main job on the bundled sample speeches: build the index if missing, ask, then chat."""
    from qa.render import progress_bar, render_answer, render_report
    from qa.samples import samples_dir
    from qa.settings import load_settings

    try:
        settings = load_settings(config)
        # its own index, so the demo never mixes with (or overwrites) the user's collection
        engine = make_engine(config, index_dir=index or settings.data_dir / "demo-index")
        if not engine.status().exists:
            with progress_bar(err, "embedding the sample speeches") as update:
                render_report(out, engine.build([samples_dir()], progress=update))
        out.print(f"[bold]Q:[/] {question}")
        render_answer(out, engine.ask(question))
    except QAError as exc:
        raise _fail(exc) from None
    if chat_after and sys.stdin.isatty() and sys.stdout.isatty():
        from tui.app import run

        run(engine, engine.settings)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    """With no command in a terminal, open the chat."""
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(chat)
        else:
            out.print(ctx.get_help())


def main() -> None:
    app()
if __name__ == "__main__":
    main()
