"""What the ``qa`` command needs besides its commands: clean help, unwrapped piped output,
and asking the user before an index job removes most of the index.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from index.plan import APPROVE_ALL, Approval, UnconfirmedRemovalError, count


def _untyped_flags(params: list[Any]) -> list[Any]:
    """Flags take no value, so their help shows no type (Typer 0.29 prints ``<bool>`` for them)."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class Command(TyperCommand):
    """A command whose help lists flags without a ``<bool>`` type."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untyped_flags(super().get_params(ctx))


class Group(TyperGroup):
    """A command group whose help lists flags without a ``<bool>`` type."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _untyped_flags(super().get_params(ctx))


def plain_when_piped(*consoles: Console) -> None:
    """No wrapping at 80 columns when the output is not a terminal (a pipe, a file, a test).

    Rich wraps to 80 columns when it cannot ask a terminal for its width, which broke hints
    mid-command ("qa index \\nbuild PATH") in logs and in scripts reading the output.
    """
    for console in consoles:
        console.soft_wrap = not console.is_terminal


def interactive() -> bool:
    """Whether a person can answer a question on stdin."""
    return sys.stdin.isatty()


def approve_removal(exc: UnconfirmedRemovalError, err: Console, yes: bool) -> Approval:
    """``--yes``, or the user's answer at a terminal; otherwise the refusal stands (re-raised)."""
    if yes:
        return APPROVE_ALL
    if not interactive():
        raise exc
    plan = exc.plan
    err.print(f"[yellow]{exc}[/]")
    for path in plan.removed[:10]:
        err.print(f"  would remove {path}", markup=False, highlight=False)
    if len(plan.removed) > 10:
        err.print(f"  … and {len(plan.removed) - 10} more")
    if not typer.confirm(f"Remove {count(len(plan.removed), 'document')} from the index?", default=False,
                         err=True):
        raise exc
    return Approval.of(plan)


__all__ = ["Command", "Group", "approve_removal", "interactive", "plain_when_piped"]
