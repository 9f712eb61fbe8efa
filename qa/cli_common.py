"""What every ``qa`` command shares: the consoles, the option types, opening the engine, failing cleanly.

Kept apart from qa/cli.py so that command groups in other modules (qa/cli_trace.py) use the
same options and the same one-line error output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from qa.engine import QAEngine
from qa.errors import QAError, with_advice
from qa.factory import make_engine

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default: the data dir; env QA_INDEX).")]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Embedding model name or local path (env QA_MODEL).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="TOML settings file (env QA_CONFIG).")]
StoreOpt = Annotated[str | None, typer.Option(
    "--store", help="Where the index lives: milvus://HOST:PORT/COLLECTION, milvus-lite:///DIR, or empty for the "
                    "local index folder (default; env QA_STORE).")]
TopKOpt = Annotated[int | None, typer.Option("--top-k", "-k", min=1, max=100, help="How many passages to return.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (JSONL with --queries).")]
QueriesOpt = Annotated[Path | None, typer.Option("--queries", help="File of questions: one per line, or JSONL with a 'q' field.")]
DocOpt = Annotated[str | None, typer.Option("--doc", help="Only speeches whose title or file name contains this.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only speeches dated on/after this (YYYY[-MM[-DD]]).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Only speeches dated on/before this (YYYY[-MM[-DD]]).")]
SectionOpt = Annotated[str | None, typer.Option("--section", help="Only passages whose section path contains this.")]
PathsArg = Annotated[list[Path], typer.Argument(help="Files or folders of speeches.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print what would change; change nothing, load no model.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Remove more than half of the index without asking.")]


def engine_for(index: Path | None, model: str | None, config: Path | None, store: str | None) -> QAEngine:
    """The engine over the index the options name (nothing is loaded yet)."""
    return make_engine(config, index_dir=index, model=model, store=store)


def fail(exc: QAError) -> typer.Exit:
    """Print the error in one line with what to do about it; the caller raises the returned Exit(1)."""
    from rich.text import Text

    err.print(Text.assemble(("error: ", "red"), with_advice(exc)))
    return typer.Exit(1)
