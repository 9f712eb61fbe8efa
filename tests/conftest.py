"""Fixtures shared by every test layer: the sample data and a real index built once per run.

The real-model fixtures export the bundled e5-small once into pytest's cache folder
(``.pytest_cache/d/models``, reused by later runs) and build one index of tests/data per
session, so the end-to-end tests pay for embedding once.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from index.embed import BATCH_ENGINE
from qa.engine import QAEngine
from qa.settings import Settings

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's config or data dir."""
    for key in list(os.environ):
        if key.startswith("QA_") and not key.startswith("QA_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("QA_CONFIG", os.devnull)  # an empty settings file (a named one must exist: qa.settings)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture()
def speeches(tmp_path: Path, data_dir: Path) -> Path:
    """A writable copy of the sample speeches (no eval files, no format samples)."""
    folder = tmp_path / "speeches"
    shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("*.jsonl", "formats"))
    return folder


@pytest.fixture(scope="session")
def sample_files() -> list[Path]:
    return sorted(DATA.glob("*.txt"))


@pytest.fixture(scope="session")
def seeds() -> list[dict]:
    return [json.loads(line) for line in (DATA / "seeds_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def model_dir(request: pytest.FixtureRequest) -> Path:
    """One exported model for the whole run (and later runs), outside any test's tmp dir.

    ``QA_TEST_MODELS_DIR`` points it at an existing export instead.
    """
    env = os.environ.get("QA_TEST_MODELS_DIR")
    return Path(env) if env else Path(request.config.cache.mkdir("models"))


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    """Documents on the default batch engine whatever the job size, so the session's index is built
    as a real collection would be (its export is cached in ``model_dir`` like the model's)."""
    return Settings(data_dir=tmp_path_factory.mktemp("qa-data"), model_dir=model_dir, passage_encoder=BATCH_ENGINE)


@pytest.fixture(scope="session")
def real_engine(real_settings: Settings, sample_files: list[Path]) -> QAEngine:
    """The real engine over an index of the sample speeches, built once."""
    engine = QAEngine(real_settings)
    engine.build(sample_files)
    return engine
