"""The `qa` command on the rough edges of issue 9: guarded sync/remove, dry runs, limits, honest output.

The real reader and store, with the deterministic fake encoder (tests/unit/_index_fakes.py) for
both passages and questions, so every command runs end to end in milliseconds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index import indexer as indexer_module
from qa import cli_support
from qa.cli import app
from qa.limits import MAX_QUESTION_CHARS
from tests.unit._index_fakes import FakeEncoder

runner = CliRunner()


class NoModel:
    """An encoder factory that fails the test if a dry run loads a model."""

    def __call__(self, config: object, expected: int | None) -> FakeEncoder:
        raise AssertionError("a dry run loaded the model")


@pytest.fixture(autouse=True)
def fake_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))  # never the user's data dir (nor its export)
    monkeypatch.setattr(indexer_module, "_default_encoder", lambda config, expected: FakeEncoder())
    monkeypatch.setattr(indexer_module, "_default_fingerprint", lambda config: "fake-fp")
    monkeypatch.setattr("index.embed.load_query_encoder", lambda config: FakeEncoder())


@pytest.fixture()
def idx(tmp_path: Path, speeches: Path) -> list[str]:
    args = ["--index", str(tmp_path / "idx")]
    result = runner.invoke(app, ["index", "build", str(speeches), *args])
    assert result.exit_code == 0, result.output
    return args


def documents(idx: list[str]) -> int:
    return int(json.loads(runner.invoke(app, ["index", "status", "--json", *idx]).output)["documents"])


# ---------------------------------------------------------------- sync/remove
def test_sync_of_a_mistyped_folder_fails_and_keeps_every_document(idx: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", "sync", str(tmp_path / "speechs"), *idx])
    assert result.exit_code == 1 and "speechs does not exist; nothing was changed" in result.output
    assert "removed" not in result.output.replace("nothing was changed", "") and documents(idx) == 5


def test_sync_of_an_empty_folder_name_is_an_error(idx: list[str]) -> None:
    result = runner.invoke(app, ["index", "sync", "", *idx])
    assert result.exit_code == 1 and "the folder name is empty" in result.output and documents(idx) == 5


def test_sync_of_an_empty_folder_stops_with_the_count(idx: list[str], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["index", "sync", str(tmp_path / "empty"), *idx])
    assert result.exit_code == 1
    assert "would remove 5 documents of the 5" in result.output and "--yes" in result.output
    assert documents(idx) == 5
    result = runner.invoke(app, ["index", "sync", str(tmp_path / "empty"), "--yes", *idx])
    assert result.exit_code == 0, result.output
    assert "5 removed" in result.output and documents(idx) == 0


@pytest.mark.parametrize(("answer", "left"), [("n\n", 5), ("y\n", 0)])
def test_at_a_terminal_the_user_is_asked(idx: list[str], speeches: Path, monkeypatch: pytest.MonkeyPatch,
                                         answer: str, left: int) -> None:
    monkeypatch.setattr(cli_support, "interactive", lambda: True)
    result = runner.invoke(app, ["index", "remove", str(speeches), *idx], input=answer)
    assert "Remove 5 documents from the index?" in result.output
    assert result.exit_code == (1 if left else 0) and documents(idx) == left


def test_remove_reports_no_embedding(idx: list[str], speeches: Path) -> None:
    result = runner.invoke(app, ["index", "remove", str(speeches / "000_c0f0e0639e4e2127.txt"), *idx])
    assert result.exit_code == 0, result.output
    assert "1 removed" in result.output and "embedded" not in result.output


# ---------------------------------------------------------------- dry runs
@pytest.mark.parametrize("command", ["build", "add", "sync", "remove"])
def test_dry_run_prints_the_plan_and_changes_nothing(idx: list[str], speeches: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    (speeches / "001_2db0e6606ab9e04e.txt").unlink()
    (speeches / "new.txt").write_text("同志们：\n今天研究青松翠柏工程。\n一是要抓落实。\n", encoding="utf-8")
    monkeypatch.setattr(indexer_module, "_default_encoder", NoModel())
    db = tmp_path / "idx" / "index.sqlite"
    before = db.stat().st_mtime_ns
    result = runner.invoke(app, ["index", command, str(speeches), "--dry-run", *idx])
    assert result.exit_code == 0, result.output
    assert f"dry run of {command}" in result.output and "nothing was changed" in result.output
    assert db.stat().st_mtime_ns == before and documents(idx) == 5
    if command in ("add", "sync"):
        assert "would add" in result.output and "new.txt" in result.output and "1 added" in result.output
    if command == "remove":
        assert "needs confirmation" in result.output and "5 removed" in result.output  # indexed under it


# ---------------------------------------------------------------- honest output
def test_an_emptied_index_says_so_everywhere(idx: list[str], speeches: Path) -> None:
    assert runner.invoke(app, ["index", "remove", str(speeches), "--yes", *idx]).exit_code == 0
    for command in (["ask", "统一战线工作的主题是什么？"], ["search", "统一战线"]):
        result = runner.invoke(app, [*command, *idx])
        assert result.exit_code == 1 and "is empty" in result.output and "qa index add" in result.output
        assert "No passage" not in result.output
    status = runner.invoke(app, ["index", "status", *idx])
    assert "is empty" in status.output and "qa index add PATH" in status.output


def test_a_long_question_is_cut_with_a_notice(idx: list[str]) -> None:
    question = "统一战线工作的主题是什么？" * 400
    result = runner.invoke(app, ["ask", question, "--json", *idx])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert f"{len(question):,}" in data["notice"] and len(data["question"]) <= MAX_QUESTION_CHARS
    human = runner.invoke(app, ["search", question, *idx])
    assert "The question is 5,200 characters long" in human.output


@pytest.mark.parametrize("how", ["option", "env", "folder"])
def test_a_missing_config_file_is_an_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     how: str) -> None:
    missing = tmp_path / "conf" if how == "folder" else tmp_path / "nope.toml"
    if how == "folder":
        missing.mkdir()
    args = ["index", "status", "--index", str(tmp_path / "i")]
    if how == "env":
        monkeypatch.setenv("QA_CONFIG", str(missing))
    else:
        args += ["--config", str(missing)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and str(missing) in result.output
    assert ("is a folder" if how == "folder" else "settings file not found") in result.output


def test_piped_output_is_not_wrapped(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "index"
    result = runner.invoke(app, ["index", "status", "--index", str(deep)])
    line = next(ln for ln in result.output.splitlines() if "No index" in ln)
    assert line.endswith("Build one with: qa index build PATH") and str(deep) in line


@pytest.mark.parametrize(("engine", "size"), [("onnx", "~1 GB"), ("torch", "~0.5 GB"), ("st", "~0.5 GB")])
def test_the_first_build_labels_the_model_stage(tmp_path: Path, speeches: Path, monkeypatch: pytest.MonkeyPatch,
                                                engine: str, size: str) -> None:
    monkeypatch.setenv("QA_PASSAGE_ENCODER", engine)  # the ONNX export comes on top of the model folder's
    result = runner.invoke(app, ["index", "build", str(speeches), "--index", str(tmp_path / "i2")])
    assert result.exit_code == 0, result.output
    assert f"exporting the embedding model ({size}, first run only)" in result.output  # a fresh data dir


def test_counts_are_pluralised(idx: list[str], tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    (one / "a.txt").write_text("同志们：\n今天研究青松翠柏工程。\n", encoding="utf-8")
    result = runner.invoke(app, ["index", "add", str(one), *idx])
    assert result.exit_code == 0, result.output
    assert re.search(r"; 1 chunk embedded in", result.output), result.output


@pytest.mark.parametrize("command", [["ask"], ["demo"], ["index", "sync"], ["index", "status"], ["--help"]])
def test_help_shows_no_bool_type(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"] if command != ["--help"] else command)
    assert result.exit_code == 0 and "<bool>" not in result.output
    if command == ["ask"]:
        assert "with [n] citations" in result.output
