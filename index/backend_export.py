"""One-time exports of a sentence-transformers folder for the faster CPU engines (ONNX Runtime, OpenVINO).

Why: the same e5 weights embed 2–4× faster through ONNX Runtime or OpenVINO than through torch
on this machine (``scripts/bench_backends.py``), and those engines load in ~2 s without
importing torch. They need the model as a graph, made here once per model folder:

* ``onnx`` — torch → ONNX with the TorchScript exporter (``dynamo=False``: the plain
  MatMul/Softmax pattern ONNX Runtime's fusions recognise), fp32, dynamic batch and length;
* ``onnx-int8`` — that ONNX fused and quantized to 8 bits by ONNX Runtime (:mod:`index.onnx_int8`);
* ``openvino`` — that ONNX read by the OpenVINO runtime and saved as IR, fp32 weights (the
  runtime picks bf16 or fp32 arithmetic at load);
* ``openvino-int8`` — the same with nncf's 8-bit weight compression (no calibration data).

No optimum: its releases pin transformers below 4.58 or 5.6, against the transformers 5 this
project uses. Exporting imports torch (once); running the graph does not.

Each export lives in ``<model folder>/backends/<engine>-v<N>/`` and is written as
:func:`index.e5export.ensure_exported` writes the model folder: into a temp folder beside
it, renamed into place under a file lock, so a killed export leaves nothing half-written and
a concurrent first run waits and reuses it. ``export.json`` marks a complete export. Nothing
is downloaded: the weights come from the local folder (``local_files_only``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from index.e5export import locked, staged_dir
from index.errors import ConfigError, ModelLoadError

#: Engines that run an exported graph, and the graph file each reads.
GRAPH_FILES = {"onnx": "model.onnx", "onnx-int8": "model.onnx", "openvino": "model.xml", "openvino-int8": "model.xml"}
#: Python packages each engine needs at run time (OpenVINO is the optional ``openvino`` extra).
RUNTIME_PACKAGES = {"onnx": ("onnxruntime",), "onnx-int8": ("onnxruntime",), "openvino": ("openvino",), "openvino-int8": ("openvino",)}
#: ...and to make its export (the exporter writes ONNX first for every engine).
EXPORT_PACKAGES = {"onnx": ("onnx",), "onnx-int8": ("onnx",), "openvino": ("onnx",), "openvino-int8": ("onnx", "nncf")}
#: Bump when an export's files would differ for the same weights: older folders are then ignored.
EXPORT_VERSION = 1
OPSET = 17
MARKER = "export.json"


@dataclass(frozen=True)
class Export:
    """A complete export: where its files are, what it needs to run, what making it cost."""

    engine: str
    folder: Path
    graph: Path
    max_tokens: int
    dimension: int
    #: Seconds the export took when it was made by this call; None when it was already there.
    seconds: float | None


def export_folder(model_folder: Path, engine: str) -> Path:
    return Path(model_folder) / "backends" / f"{engine}-v{EXPORT_VERSION}"


def is_exported(model_folder: Path, engine: str) -> bool:
    """Whether ``engine``'s export of ``model_folder`` is complete (a cheap file check)."""
    return (export_folder(model_folder, engine) / MARKER).is_file()


def check_packages(engine: str, *, exporting: bool) -> None:
    """A clear error before any slow step when a package the engine needs is missing."""
    wanted = RUNTIME_PACKAGES[engine] + (EXPORT_PACKAGES[engine] if exporting else ())
    missing = [name for name in wanted if importlib.util.find_spec(name) is None]
    if missing:
        extra = "speech-qa[openvino]" if engine.startswith("openvino") else "speech-qa"
        raise ConfigError(f"embedding engine {engine!r} needs {', '.join(missing)}: pip install '{extra}'")


def ensure_export(model_folder: Path, engine: str) -> Export:
    """``engine``'s export of ``model_folder``, made first if needed (atomic, lock-protected)."""
    folder = Path(model_folder)
    target = export_folder(folder, engine)
    if not (target / MARKER).is_file():
        check_packages(engine, exporting=True)
        source = transformer_dir(folder)  # ConfigError for a folder these engines cannot serve
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with locked(target.parent / f".{target.name}.lock"):
                if not (target / MARKER).is_file():  # else another process made it while we waited
                    return _read(target, _make(folder, source, engine, target))
        except (OSError, ImportError, RuntimeError, ValueError) as exc:
            raise ModelLoadError(f"cannot export the embedding model in {folder} for the {engine} engine: "
                                 f"{type(exc).__name__}: {exc}") from None
    return _read(target, None)


def _read(target: Path, seconds: float | None) -> Export:
    try:
        meta = json.loads((target / MARKER).read_text(encoding="utf-8"))
        engine = str(meta["engine"])
        return Export(engine, target, target / GRAPH_FILES[engine], int(meta["max_tokens"]), int(meta["dimension"]),
                      seconds)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"the engine export {target} is damaged ({type(exc).__name__}: {exc}); "
                             "delete that folder and it will be made again") from None


def _make(folder: Path, source: Path, engine: str, target: Path) -> float:
    """Write the export into a temp folder beside ``target`` and rename it into place; its seconds."""
    started = time.perf_counter()
    with staged_dir(target) as tmp:  # a leftover without its marker is replaced
        MAKERS[engine](source, tmp)
        shutil.copy2(source / "tokenizer.json", tmp / "tokenizer.json")
        seconds = time.perf_counter() - started
        _write_meta(folder, source, engine, tmp, seconds)
    return seconds


def transformer_dir(model_folder: Path) -> Path:
    """The folder of the model's transformer module, after checking the engines can serve the model.

    The graph engines re-implement what follows the transformer: mean pooling over the attention
    mask, then L2 normalization (the encoders always normalize). A folder pooling otherwise
    (CLS, max…) or without a tokenizer.json is refused with the setting that still works.
    """
    try:
        modules = json.loads((model_folder / "modules.json").read_text(encoding="utf-8"))
        kinds = {str(m["type"]).rsplit(".", 1)[-1]: model_folder / str(m.get("path", "")) for m in modules}
        source, pooling = kinds["Transformer"], kinds.get("Pooling")
        mean = pooling is None or json.loads((pooling / "config.json").read_text(encoding="utf-8")).get(
            "pooling_mode_mean_tokens", False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"cannot read the sentence-transformers modules of {model_folder}: "
                             f"{type(exc).__name__}: {exc}") from None
    if not mean or not (source / "tokenizer.json").is_file():
        why = "does not mean-pool" if not mean else "has no tokenizer.json"
        raise ConfigError(f"the model in {model_folder} {why}, which the ONNX/OpenVINO engines need: "
                          "set passage_encoder (and query_encoder) to 'torch'")
    return source


def _write_meta(folder: Path, source: Path, engine: str, dest: Path, seconds: float) -> None:
    """export.json: marks the export complete; what the encoder needs; which tools made it (for support)."""
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    max_tokens = int(config.get("max_position_embeddings", 512))
    st_config = folder / "sentence_bert_config.json"
    if st_config.is_file():
        max_tokens = int(json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length") or max_tokens)
    tools = {}
    for dist in ("torch", "transformers", "onnx", "onnxruntime", "openvino", "nncf"):
        try:
            tools[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    meta = {"engine": engine, "version": EXPORT_VERSION, "max_tokens": max_tokens,
            "dimension": int(config["hidden_size"]), "seconds": round(seconds, 2), "tools": tools}
    (dest / MARKER).write_text(json.dumps(meta, indent=2), encoding="utf-8")


# ------------------------------------------------------------------ the export steps
def _torch_to_onnx(source: Path, dest: Path) -> None:
    """(input_ids, attention_mask) → last_hidden_state, fp32, dynamic batch and length.

    Eager attention: the SDPA kernel would trace to a pattern ONNX Runtime does not fuse.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # the CLI reports the export as one stage
    model = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager")
    model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer notes, not for users
        torch.onnx.export(Hidden(), (ids, torch.ones_like(ids)), str(dest), dynamo=False, opset_version=OPSET,
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes})


def _make_onnx(source: Path, dest: Path) -> None:
    _torch_to_onnx(source, dest / GRAPH_FILES["onnx"])


def _make_onnx_int8(source: Path, dest: Path) -> None:
    """The fp32 graph, written beside the result and removed once quantized."""
    from index.onnx_int8 import quantize_graph

    raw = dest / "raw.onnx"
    _torch_to_onnx(source, raw)
    quantize_graph(raw, dest / GRAPH_FILES["onnx-int8"], source / "config.json")
    raw.unlink()


def _make_openvino(source: Path, dest: Path, *, int8: bool = False) -> None:
    """The ONNX graph read by the OpenVINO runtime and saved as IR with fp32 weights (int8 with nncf).

    Not ``ov.convert_model``: that tool, like nncf, sends usage telemetry unless the user opted
    out (README, "Embedding engines"); ``import openvino`` alone already may.
    """
    import openvino as ov

    raw = dest / "raw.onnx"
    _torch_to_onnx(source, raw)
    model = ov.Core().read_model(str(raw))
    if int8:
        import nncf

        nncf.set_log_level(logging.ERROR)  # its statistics table and progress bar are not for users
        with contextlib.redirect_stdout(io.StringIO()):
            model = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    ov.save_model(model, str(dest / GRAPH_FILES["openvino"]), compress_to_fp16=False)
    raw.unlink()


MAKERS: dict[str, Callable[[Path, Path], None]] = {
    "onnx": _make_onnx,
    "onnx-int8": _make_onnx_int8,
    "openvino": _make_openvino,
    "openvino-int8": lambda source, dest: _make_openvino(source, dest, int8=True),
}
