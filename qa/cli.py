"""The ``qa`` command: thin Typer commands over the one engine (see qa.engine.QAEngine)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from index.filesize import check_size
from index.plan import Approval, UnconfirmedRemovalError
from qa.cli_common import (
    ConfigOpt,
    DocOpt,
    DryRunOpt,
    IndexOpt,
    JsonOpt,
    ModelOpt,
    PathsArg,
    QueriesOpt,
    SectionOpt,
    SinceOpt,
    StoreOpt,
    TopKOpt,
    UntilOpt,
    YesOpt,
    engine_for,
    err,
    fail,
    out,
)
from qa.cli_doctor import BUILD_HINT, REPAIR_HINT, VerboseOpt, doctor, problems_json, render_problems
from qa.cli_support import Command, Group, approve_removal, plain_when_piped
from qa.cli_trace import trace
from qa.engine import QAEngine
from qa.errors import FolderMissingError, QAError
from qa.factory import make_engine
from qa.limits import cut_question
from qa.types import Filters

app = typer.Typer(help="Ask questions of a collection of Chinese speeches, offline, with citations.",
                  no_args_is_help=False, add_completion=False, cls=Group)
index_app = typer.Typer(help="Build and maintain the index.", no_args_is_help=True, cls=Group)
app.add_typer(index_app, name="index")
app.command(cls=Command)(trace)
index_app.command(cls=Command)(doctor)

def _read_queries(path: Path) -> list[str]:
    """Questions from a plain list (one per line) or JSONL with a ``q`` field."""
    try:
        check_size(path)
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
            # the engine searched the cut question, maybe over a damaged index: say so here
            notice = "; ".join(n for n in (cut_question(q)[1], engine.index_warning()) if n) or None
            if as_json:
                print_json(out, {"question": q, "notice": notice, "hits": [h.to_dict() for h in hits]})
            else:
                if notice:
                    out.print(notice, style="yellow")
                render_hits(out, hits)
        else:
            answer = engine.ask(q, top_k=top_k, filters=filters)
            if as_json:
                print_json(out, answer.to_dict())
            else:
                render_answer(out, answer)


@app.command(cls=Command)
def ask(question: Annotated[str | None, typer.Argument(help="The question.")] = None, *,
        top_k: TopKOpt = None, json_out: JsonOpt = False, queries: QueriesOpt = None, doc: DocOpt = None,
        since: SinceOpt = None, until: UntilOpt = None, section: SectionOpt = None,
        index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None,
        store: StoreOpt = None) -> None:
    """Answer a question: the answer sentences with \\[n] citations, then the cited passages."""
    try:
        _answer_many(engine_for(index, model, config, store), question, queries, json_out, top_k,
                     Filters(doc, since, until, section), hits_only=False)
    except QAError as exc:
        raise fail(exc) from None


@app.command(cls=Command)
def search(question: Annotated[str | None, typer.Argument(help="The question or phrase.")] = None, *,
           top_k: TopKOpt = None, json_out: JsonOpt = False, queries: QueriesOpt = None, doc: DocOpt = None,
           since: SinceOpt = None, until: UntilOpt = None, section: SectionOpt = None,
           index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None,
           store: StoreOpt = None) -> None:
    """Ranked passages only."""
    try:
        _answer_many(engine_for(index, model, config, store), question, queries, json_out, top_k,
                     Filters(doc, since, until, section), hits_only=True)
    except QAError as exc:
        raise fail(exc) from None


@app.command(cls=Command)
def chat(*, index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None,
         store: StoreOpt = None) -> None:
    """Open the chat app."""
    try:
        engine = engine_for(index, model, config, store)
    except QAError as exc:
        raise fail(exc) from None
    from tui.app import run  # imported lazily: `qa ask` must not pay for Textual

    run(engine, engine.settings)


def _run_job(engine: QAEngine, kind: str, paths: list[Path], approval: Approval | None, json_out: bool) -> None:
    from qa.render import print_json, progress_bar, render_report, report_to_json

    with progress_bar(err, "indexing") as update:
        if kind == "build":
            report = engine.build(paths, progress=update)
        elif kind == "add":
            report = engine.add(paths, progress=update)
        elif kind == "sync":
            report = engine.sync(paths[0], progress=update, approval=approval)
        else:
            report = engine.remove(paths, progress=update, approval=approval)
    if json_out:
        print_json(out, report_to_json(report))
    else:
        render_report(out, report)


@dataclass(frozen=True)
class _Job:
    """How an index job opens the index and reports (the options every index command shares)."""

    index: Path | None
    model: str | None
    config: Path | None
    store: str | None
    json_out: bool = False
    dry_run: bool = False
    yes: bool = False


def _index_job(kind: str, paths: list[Path], job: _Job) -> None:
    """One index job; sync/remove of most of the index asks first (``--yes``, or at a terminal)."""
    from qa.render import render_plan

    try:
        engine = engine_for(job.index, job.model, job.config, job.store)
        if job.dry_run:
            render_plan(out, engine.plan(kind, paths))
            return
        try:
            _run_job(engine, kind, paths, None, job.json_out)
        except UnconfirmedRemovalError as exc:
            _run_job(engine, kind, paths, approve_removal(exc, err, job.yes), job.json_out)
    except QAError as exc:
        raise fail(exc) from None


@index_app.command(cls=Command)
def build(paths: PathsArg, *, dry_run: DryRunOpt = False, json_out: JsonOpt = False, index: IndexOpt = None,
          model: ModelOpt = None, config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """Build the index from scratch over PATHS (replaces the old one only when done)."""
    _index_job("build", paths, _Job(index, model, config, store, json_out, dry_run))


@index_app.command(cls=Command)
def add(paths: PathsArg, *, dry_run: DryRunOpt = False, json_out: JsonOpt = False, index: IndexOpt = None,
        model: ModelOpt = None, config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """Add new or changed files (by content hash); unchanged ones are skipped."""
    _index_job("add", paths, _Job(index, model, config, store, json_out, dry_run))


@index_app.command(cls=Command)
def remove(paths: PathsArg, *, dry_run: DryRunOpt = False, yes: YesOpt = False, json_out: JsonOpt = False,
           index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """Remove files from the index (a folder removes everything indexed under it)."""
    _index_job("remove", paths, _Job(index, model, config, store, json_out, dry_run, yes))


@index_app.command(cls=Command)
def sync(folder: Annotated[str, typer.Argument(help="Folder to mirror.", metavar="FOLDER")], *,
         dry_run: DryRunOpt = False, yes: YesOpt = False, json_out: JsonOpt = False, index: IndexOpt = None,
         model: ModelOpt = None, config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """Add and remove so that the index matches FOLDER (asks before removing more than half of it)."""
    if not folder.strip():  # `qa index sync "$DIR"` with DIR unset: as a Path, "" would be the current folder
        raise fail(FolderMissingError("the folder name is empty (an unset variable?); nothing was changed"))
    _index_job("sync", [Path(folder)], _Job(index, model, config, store, json_out, dry_run, yes))


@index_app.command(cls=Command)
def status(*, check: Annotated[bool, typer.Option("--check", help="Also check every file of the index (reads all "
                                                      "of it: seconds to minutes on a big one).")] = False,
           json_out: JsonOpt = False, verbose: VerboseOpt = False, index: IndexOpt = None, model: ModelOpt = None,
           config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """What the index holds, also when damaged (exit status 1 then, with the damaged parts named).

    Damage the index shows on opening is always named; ``--check`` also reads every file, as
    ``qa index doctor`` does (36 s for a 1M-passage index here, so not by default).
    """
    from dataclasses import asdict

    from qa.render import print_json, render_status

    try:
        state = engine_for(index, model, config, store).status(check=check)
    except QAError as exc:
        raise fail(exc) from None
    if json_out:
        print_json(out, asdict(state) | {"problems": problems_json(state.problems, verbose=verbose),
                                         "damaged": state.damaged})
    else:
        render_status(out, state)
        if state.problems:
            out.print("[bold red]   damaged[/]" if state.damaged else "[bold yellow]  leftover[/]")
            render_problems(out, state.problems, verbose=verbose, fixes=False)
            out.print(REPAIR_HINT if all(p.fix for p in state.problems) else BUILD_HINT)
    if state.damaged:
        raise typer.Exit(1)


@index_app.command(cls=Command)
def copy(to: Annotated[str, typer.Option("--to", help="Store to copy into: milvus://HOST:PORT/COLLECTION or "
                                                      "milvus-lite:///DIR.")], *,
         add_to: Annotated[bool, typer.Option("--add", help="Add to what the target holds instead of replacing "
                                                            "it (parts embedded on several machines).")] = False,
         index: IndexOpt = None, config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """Copy the local index, vectors included, into another store without embedding again."""
    from dataclasses import replace

    from index.stores.copy import copy_index
    from qa.settings import load_settings

    try:
        source = load_settings(config, index_dir=index, store=store)
        target = replace(source, store=to)
        if not to.strip():
            raise QAError("--to: give the store to copy into (milvus://HOST:PORT/COLLECTION or milvus-lite:///DIR)")
        report = copy_index(source.index_config, target.index_config, add=add_to)
    except QAError as exc:
        raise fail(exc) from None
    out.print(f"copied {report.documents} documents ({report.chunks} passages) from {report.source} to "
              f"{report.target} in {report.seconds:.1f} s")


@index_app.command(cls=Command)
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
        raise fail(exc) from None
    if json_out:
        print_json(out, document_to_json(doc))
    else:
        out.print(render_document(doc), soft_wrap=False)  # a tree wraps inside its guides, or is cut


@app.command(cls=Command)
def demo(*, question: Annotated[str, typer.Option(help="The sample question.")] = "机关专职党务工作人员按什么比例配备？",
         chat_after: Annotated[bool, typer.Option("--chat/--no-chat", help="Open the chat afterwards (in a terminal).")] = True,
         index: IndexOpt = None, config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """The main job on the bundled sample speeches: build the index if missing, ask, then chat."""
    from qa.render import progress_bar, render_answer, render_report
    from qa.samples import samples_dir
    from qa.settings import load_settings

    try:
        settings = load_settings(config)
        # its own index, so the demo never mixes with (or overwrites) the user's collection: the
        # local demo folder unless --store names one (a configured QA_STORE/TOML store is the user's)
        engine = make_engine(config, index_dir=index or settings.data_dir / "demo-index", store=store or "")
        if not engine.status().exists:
            with progress_bar(err, "embedding the sample speeches") as update:
                render_report(out, engine.build([samples_dir()], progress=update))
        out.print(f"[bold]Q:[/] {question}")
        render_answer(out, engine.ask(question))
    except QAError as exc:
        raise fail(exc) from None
    if chat_after and sys.stdin.isatty() and sys.stdout.isatty():
        from tui.app import run

        run(engine, engine.settings)
    elif chat_after:
        err.print("The chat was skipped: not a terminal. Open it in a terminal with: "
                  f"qa chat --index {engine.settings.index_path}")


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    """With no command in a terminal, open the chat."""
    plain_when_piped(out, err)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(chat)
        else:
            out.print(ctx.get_help())


def main() -> None:
    app()
if __name__ == "__main__":
    main()
