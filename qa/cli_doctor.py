"""``qa index doctor [--repair]``: check every file of the index and fix what the database allows.

Exit status: 0 when the index is sound (or a repair left no problem), 1 when problems are
found (or left after a repair). The checks and the repair live in the index layer
(index.stores.doctor, index.stores.repair); this module only says what they found, in user
words, with the libraries' own messages under ``--verbose`` only. ``render_problems`` is
shared with ``qa index status``, which marks the damaged parts the same way.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from index.plan import count
from index.types import Checkup, Problem, RepairReport
from qa.cli_common import ConfigOpt, IndexOpt, JsonOpt, ModelOpt, StoreOpt, engine_for, fail, out
from qa.errors import QAError

VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Also show the libraries' own error messages.")]
REPAIR_HINT = "Fix them with: qa index doctor --repair (the original files are not needed)."
BUILD_HINT = "The database cannot be repaired from the other files: build the index again with `qa index build PATH` "\
              "(the original files are needed)."


def render_problems(console: Console, problems: tuple[Problem, ...] | list[Problem], *, verbose: bool = False,
                    fixes: bool = True, fixed: bool = False) -> None:
    """One line per problem (its file and what is wrong), what a repair does, and with ``verbose`` the detail."""
    for problem in problems:
        mark = ("✓ ", "green") if fixed else ("✗ ", "red") if problem.damage else ("• ", "yellow")
        what = problem.what if problem.what.startswith(problem.file) else f"{problem.file}: {problem.what}"
        console.print(Text.assemble("  ", mark, what))
        if fixes:
            console.print(Text(f"      repair: {problem.fix}" if problem.fix else "      repair: not possible "
                               "without the original files", style="dim"))
        if verbose and problem.detail:
            console.print(Text(f"      detail: {problem.detail}", style="dim"))


def problems_json(problems: tuple[Problem, ...] | list[Problem], *, verbose: bool) -> list[dict[str, Any]]:
    return [{k: v for k, v in asdict(p).items() if verbose or k != "detail"} for p in problems]


def _render_checkup(checkup: Checkup, verbose: bool) -> None:
    if not checkup.problems:
        status = checkup.status
        held = f" ({count(status.documents, 'document')}, {count(status.chunks, 'passage')})" if status else ""
        out.print(f"The index at {checkup.path} is sound{held}: every file checked.")
        return
    out.print(f"The index at {checkup.path}: {count(len(checkup.problems), 'problem')} found.")
    render_problems(out, checkup.problems, verbose=verbose)
    if checkup.repairable:
        out.print(REPAIR_HINT)
    else:
        out.print(BUILD_HINT)


def _render_repair(report: RepairReport, verbose: bool) -> None:
    if not report.fixed and not report.left:
        out.print(f"The index at {report.path} is sound: nothing to repair.")
        return
    if report.fixed:
        made = f" as generation {report.generation}" if report.generation is not None else ""
        out.print(f"Repaired the index at {report.path}{made}: fixed {count(len(report.fixed), 'problem')}, "
                  f"re-embedded {count(report.reembedded, 'passage')}.")
        render_problems(out, report.fixed, verbose=verbose, fixes=False, fixed=True)
    if report.left:
        out.print(f"Not repaired ({count(len(report.left), 'problem')}):")
        render_problems(out, report.left, verbose=verbose)
        if any(not p.fix for p in report.left):
            out.print(BUILD_HINT)


def doctor(*, repair: Annotated[bool, typer.Option("--repair", help="Fix what can be fixed from the index's own "
                                                                      "database (no original file needed).")] = False,
           json_out: JsonOpt = False, verbose: VerboseOpt = False, index: IndexOpt = None, model: ModelOpt = None,
           config: ConfigOpt = None, store: StoreOpt = None) -> None:
    """Check every file of the index and explain each problem; --repair fixes what it can.

    Exit status 0: the index is sound (or was repaired); 1: problems found or left.
    """
    from qa.render import print_json

    try:
        engine = engine_for(index, model, config, store)
        if not engine.status().exists:
            raise QAError(f"no index at {engine.settings.index_path}: nothing to check")
        result = engine.doctor(repair=repair)
    except QAError as exc:
        raise fail(exc) from None
    left = result.left if isinstance(result, RepairReport) else result.problems
    if json_out:
        data: dict[str, Any] = {"path": result.path, "ok": not left}
        if isinstance(result, RepairReport):
            data |= {"fixed": problems_json(result.fixed, verbose=verbose), "reembedded": result.reembedded,
                     "generation": result.generation}
        data["problems"] = problems_json(left, verbose=verbose)
        print_json(out, data)
    elif isinstance(result, RepairReport):
        _render_repair(result, verbose)
    else:
        _render_checkup(result, verbose)
    if left:
        raise typer.Exit(1)
