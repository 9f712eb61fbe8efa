"""The one place engines are built, shared by the CLI, the TUI and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa.engine import QAEngine
from qa.settings import load_settings


def make_engine(config_file: Path | None = None, **overrides: Any) -> QAEngine:
    """Settings from file/env/overrides, then an engine over them (nothing loaded yet)."""
    return QAEngine(load_settings(config_file, **overrides))
