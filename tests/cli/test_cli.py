"""The `qa` command through Typer's CliRunner: thin commands, clear errors, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.engine import QAEngine

runner = CliRunner()


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ask", "search", "chat", "index", "demo"):
        assert command in result.output


def test_ask_without_index_says_how_to_build(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", "统一战线", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "qa index build" in result.output
    assert "Traceback" not in result.output


def test_status_without_index(tmp_path: Path) -> None:
    result = runner.invoke(app, ["index", "status", "--index", str(tmp_path / "none")])
    assert result.exit_code == 0
    assert "No index" in result.output


def test_inspect_json_offsets_round_trip(data_dir: Path) -> None:
    result = runner.invoke(app, ["index", "inspect", str(data_dir / "002_34cb7f9ba8abacee.txt"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["encoding"].startswith("utf")
    for speech in doc["speeches"]:
        for chunk in speech["chunks"]:
            assert speech["text"][chunk["start"] : chunk["end"]] == chunk["text"]
    titles = [s["title"] for s in doc["speeches"][0]["sections"]]
    assert titles[0].startswith("第一") and titles[-1].startswith("第四")


def test_inspect_json_shows_derived_title_and_file_name(data_dir: Path) -> None:
    result = runner.invoke(app, ["index", "inspect", str(data_dir / "002_34cb7f9ba8abacee.txt"), "--json"])
    speech = json.loads(result.output)["speeches"][0]
    assert speech["title"] == "在组织、宣传、统战工作会议上的讲话"
    assert speech["title_derived"] is True and speech["source_name"] == "002_34cb7f9ba8abacee.txt"
    assert {"subtitle", "venue", "date_source"} <= set(speech)


def test_inspect_human_shows_tree(data_dir: Path) -> None:
    result = runner.invoke(app, ["index", "inspect", str(data_dir / "000_c0f0e0639e4e2127.txt")])
    assert result.exit_code == 0
    assert "一、在服务保障大局中彰显使命担当" in result.output
    assert "≈ 在组织、宣传、统战、政法工作会议上的讲话" in result.output
    assert "title derived from the opening" in result.output


def test_inspect_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "blob.txt"
    bad.write_bytes(bytes(range(256)) * 50)
    result = runner.invoke(app, ["index", "inspect", str(bad)])
    assert result.exit_code == 1
    assert "blob.txt" in result.output
    assert "Traceback" not in result.output


def test_build_with_nothing_readable_keeps_old_index_message(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["index", "build", str(empty), "--index", str(tmp_path / "idx")])
    assert result.exit_code == 1
    assert "empty.txt" in result.output


def _real_args(engine: QAEngine) -> list[str]:
    return ["--index", str(engine.settings.index_path)]


@pytest.fixture
def real_env(real_engine: QAEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("QA_MODEL_DIR", str(real_engine.settings.models_dir))
    return _real_args(real_engine)


@pytest.mark.e2e
def test_ask_json_shape(real_env: list[str]) -> None:
    result = runner.invoke(app, ["ask", "统一战线工作的主题是什么？", "--json", *real_env])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["question"] == "统一战线工作的主题是什么？"
    assert data["answer"] and {"text", "cite", "chunk_id", "start", "end"} <= set(data["answer"][0])
    hit = data["hits"][0]
    assert {"rank", "score", "chunk_id", "doc_path", "title", "date", "section", "text", "start", "end"} <= set(hit)
    assert isinstance(hit["section"], list)
    assert data["notice"] is None and data["refusal_rule"] == "calibrated"


@pytest.mark.e2e
def test_search_many_queries_jsonl(real_env: list[str], tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"q": "宗教工作方面有什么部署？"}\n{"q": "怎样壮大主流舆论？"}\n', encoding="utf-8")
    result = runner.invoke(app, ["search", "--queries", str(queries), "--json", "--top-k", "3", *real_env])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [x["question"] for x in lines] == ["宗教工作方面有什么部署？", "怎样壮大主流舆论？"]
    assert all(len(x["hits"]) == 3 for x in lines)


@pytest.mark.e2e
def test_ask_human_output_cites(real_env: list[str]) -> None:
    result = runner.invoke(app, ["ask", "怎样壮大主流舆论？", *real_env])
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output and "›" in result.output
    assert "refusal rule: calibrated" in result.output


@pytest.mark.e2e
def test_empty_question_is_a_clear_error(real_env: list[str]) -> None:
    result = runner.invoke(app, ["ask", "   ", *real_env])
    assert result.exit_code == 1
    assert "empty" in result.output


@pytest.mark.e2e
def test_demo_on_existing_index_asks_the_sample_question(real_env: list[str]) -> None:
    result = runner.invoke(app, ["demo", "--no-chat", *real_env])
    assert result.exit_code == 0, result.output
    flat = "".join(ch for ch in result.output if not ch.isspace() and ch != "│")  # undo the panel's wrapping
    assert "机关专职党务工作人员按什么比例配备" in flat
    assert "百分之一至百分之二" in flat


@pytest.mark.e2e
def test_bad_files_are_skipped_and_never_break_the_index(real_engine: QAEngine, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder with good and bad files indexes the good ones; a build of only bad files keeps the old index."""
    monkeypatch.setenv("QA_MODEL_DIR", str(real_engine.settings.models_dir))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "gbk.txt").write_bytes("同志们：\n今天开会。\n一是要学习。\n二是要落实。\n".encode("gbk"))
    (folder / "broken.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "empty.md").write_text("", encoding="utf-8")
    index = ["--index", str(tmp_path / "idx")]
    result = runner.invoke(app, ["index", "build", str(folder), *index])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "broken.txt" in result.output and "empty.md" in result.output
    assert "1 added" in result.output
    result = runner.invoke(app, ["index", "build", str(folder / "broken.txt"), *index])
    assert result.exit_code == 1
    assert "broken.txt" in result.output
    status = runner.invoke(app, ["index", "status", "--json", *index])
    assert json.loads(status.output)["documents"] == 1
    answer = runner.invoke(app, ["search", "要学习", "--json", *index])
    assert json.loads(answer.output)["hits"][0]["doc_path"].endswith("gbk.txt")
