"""Where the bundled sample speeches are (a repo checkout or an installed copy)."""

from __future__ import annotations

from pathlib import Path

from qa.errors import QAError


def samples_dir() -> Path:
    """The ``samples/`` folder shipped beside the package."""
    here = Path(__file__).resolve().parent.parent / "samples"
    if not here.is_dir():
        raise QAError(f"sample speeches not found at {here}; pass your own folder to `qa index build`")
    return here
