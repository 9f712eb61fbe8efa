"""``qa trace``: how phrases (提法) were used over the years, as bars, context lines, JSON or CSV."""

from __future__ import annotations

from typing import Annotated

import typer

from qa.cli_common import (
    ConfigOpt,
    DocOpt,
    IndexOpt,
    JsonOpt,
    ModelOpt,
    SinceOpt,
    StoreOpt,
    UntilOpt,
    engine_for,
    fail,
    out,
)
from qa.errors import QAError
from qa.types import Filters


def trace(phrases: Annotated[list[str], typer.Argument(help="One or more phrases (提法), traced side by side.")], *,
          by: Annotated[str, typer.Option("--by", help="Group by 'year' or by speech 'date'.")] = "year",
          context: Annotated[int, typer.Option("--context", "-C", min=0, max=500,
                                               help="List every use with N characters of context and its citation.")] = 0,
          similar: Annotated[bool, typer.Option("--similar", help="Also trace variants: wordings that differ a little "
                                                                  "but mean the same (each labelled).")] = False,
          json_out: JsonOpt = False, csv_out: Annotated[bool, typer.Option("--csv", help="Print counts per period as CSV.")] = False,
          doc: DocOpt = None, since: SinceOpt = None, until: UntilOpt = None,
          index: IndexOpt = None, model: ModelOpt = None, config: ConfigOpt = None,
          store: StoreOpt = None) -> None:
    """How phrases were used over time: uses per year (a bar each), first and last use, speeches."""
    from qa.render import print_json
    from qa.trace_render import render_trace, trace_csv

    try:
        if by not in ("year", "date"):
            raise QAError(f"--by {by!r}: expected 'year' or 'date'")
        result = engine_for(index, model, config, store).trace(phrases, filters=Filters(doc, since, until), by=by,  # type: ignore[arg-type]
                                                     context=context, similar=similar)
    except QAError as exc:
        raise fail(exc) from None
    if json_out:
        print_json(out, result.to_dict())
    elif csv_out:
        out.out(trace_csv(result), end="", highlight=False)
    else:
        render_trace(out, result, context=context > 0)
