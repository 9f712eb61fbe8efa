"""`qa index doctor`, `qa index status` and the answering commands on a damaged index.

The real reader and store with the fake encoder (tests/unit/_index_fakes.py), as in
tests/cli/test_cli_safety.py: an index of the test speeches in two writes (two segments),
then one file damaged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index import indexer as indexer_module
from qa.cli import app
from tests.unit._index_fakes import FakeEncoder

runner = CliRunner()
QUESTION = "统一战线工作的主题是什么？"


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(indexer_module, "_default_encoder", lambda config, expected: FakeEncoder())
    monkeypatch.setattr(indexer_module, "_default_fingerprint", lambda config: "fake-fp")
    monkeypatch.setattr("index.embed.load_query_encoder", lambda config: FakeEncoder())
    monkeypatch.setattr("index.embed.load_passage_encoder", lambda config, expected: FakeEncoder())


@pytest.fixture()
def idx(tmp_path: Path, data_dir: Path) -> list[str]:
    """Four speeches built, the fifth added: segments 1 and 2."""
    folder = tmp_path / "speeches"
    shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("*.jsonl", "formats"))
    files = sorted(folder.glob("*.txt"))
    held = tmp_path / "later"
    held.mkdir()
    shutil.move(files[-1], held / files[-1].name)
    args = ["--index", str(tmp_path / "idx")]
    assert runner.invoke(app, ["index", "build", str(folder), *args]).exit_code == 0
    shutil.move(held / files[-1].name, folder / files[-1].name)
    assert runner.invoke(app, ["index", "add", str(folder), *args]).exit_code == 0
    assert {p.name for p in (tmp_path / "idx").glob("vectors.*")} == {"vectors.1.faiss", "vectors.2.faiss"}
    return args


def cut_short(idx: list[str], name: str) -> None:
    target = Path(idx[1]) / name
    target.write_bytes(target.read_bytes()[:100])


def test_a_sound_index_passes(idx: list[str]) -> None:
    result = runner.invoke(app, ["index", "doctor", *idx])
    assert result.exit_code == 0 and "is sound (5 documents" in result.output
    assert runner.invoke(app, ["index", "status", *idx]).exit_code == 0


def test_a_damaged_segment_is_named_answered_around_and_repaired(idx: list[str]) -> None:
    cut_short(idx, "vectors.2.faiss")

    status = runner.invoke(app, ["index", "status", *idx])
    assert status.exit_code == 1 and "documents 5" in " ".join(status.output.split())
    assert "vectors.2.faiss" in status.output and "cannot be read: damaged or cut short" in status.output
    assert "faiss" not in status.output.replace("vectors.2.faiss", "")  # no library internals

    ask = runner.invoke(app, ["ask", QUESTION, *idx])  # the fallback: the rest answers, with the warning
    assert ask.exit_code == 0, ask.output
    assert "the index is damaged (vectors.2.faiss)" in ask.output and "qa index doctor --repair" in ask.output
    search = runner.invoke(app, ["search", QUESTION, "--json", *idx])
    assert search.exit_code == 0 and "vectors.2.faiss" in json.loads(search.output)["notice"]

    doctor = runner.invoke(app, ["index", "doctor", *idx])
    assert doctor.exit_code == 1 and "1 problem found" in doctor.output and "vectors.2.faiss" in doctor.output
    assert "qa index doctor --repair" in doctor.output and "detail:" not in doctor.output
    verbose = runner.invoke(app, ["index", "doctor", "--verbose", *idx])
    assert "detail:" in verbose.output  # the library's message, only when asked for

    repair = runner.invoke(app, ["index", "doctor", "--repair", *idx])
    assert repair.exit_code == 0, repair.output
    assert "Repaired the index" in repair.output and "fixed 1 problem" in repair.output
    after = runner.invoke(app, ["index", "doctor", "--json", *idx])
    assert after.exit_code == 0 and json.loads(after.output) == {"path": idx[1], "ok": True, "problems": []}
    assert "damaged" not in runner.invoke(app, ["ask", QUESTION, *idx]).output


def test_a_damaged_database_points_to_a_build(idx: list[str]) -> None:
    db = Path(idx[1]) / "index.sqlite"
    db.write_bytes(b"\x00not a database" * 500)
    status = runner.invoke(app, ["index", "status", *idx])
    assert status.exit_code == 1 and "its database cannot be read" in status.output
    assert "Traceback" not in status.output
    for command in (["index", "doctor"], ["index", "doctor", "--repair"]):
        result = runner.invoke(app, [*command, *idx])
        assert result.exit_code == 1 and "index.sqlite" in result.output
        assert "qa index build PATH" in result.output and "original files are needed" in result.output
    ask = runner.invoke(app, ["ask", QUESTION, *idx])
    assert ask.exit_code == 1 and "qa index doctor" in ask.output and "Traceback" not in ask.output


def test_leftovers_do_not_fail_status_and_are_deleted(idx: list[str]) -> None:
    (Path(idx[1]) / "vectors.9.faiss").write_bytes(b"half")
    plain = runner.invoke(app, ["index", "status", *idx])  # reads no file it does not need
    assert plain.exit_code == 0 and "vectors.9.faiss" not in plain.output
    checked = runner.invoke(app, ["index", "status", "--check", *idx])  # reads them all, as doctor does
    assert checked.exit_code == 0 and "vectors.9.faiss" in checked.output and "leftover" in checked.output
    doctor = runner.invoke(app, ["index", "doctor", "--json", *idx])
    assert doctor.exit_code == 1 and [p["file"] for p in json.loads(doctor.output)["problems"]] == ["vectors.9.faiss"]
    assert runner.invoke(app, ["index", "doctor", "--repair", *idx]).exit_code == 0
    assert not (Path(idx[1]) / "vectors.9.faiss").exists()


def test_doctor_without_an_index_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", "doctor", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no index at" in result.output
