"""Fixtures for the TUI tests: a FakeEngine (tests/data text) and settings under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.settings import Settings
from tests.tui.fake_engine import FakeEngine


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()
