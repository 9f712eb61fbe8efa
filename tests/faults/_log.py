"""Where the fault tests note each fault they inject, for scripts/fault_report.py.

Set ``QA_TEST_FAULT_LOG`` to a file and every injected fault appends one JSON line: the kind
of fault, the input it hit, what happened, and the problems found (empty: none). Unset, the
tests log nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence


def note(fault: str, inputs: str, outcome: str, problems: Sequence[str] = ()) -> None:
    target = os.environ.get("QA_TEST_FAULT_LOG")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as log:
        log.write(json.dumps({"fault": fault, "input": inputs, "outcome": outcome, "problems": list(problems)},
                             ensure_ascii=False) + "\n")
