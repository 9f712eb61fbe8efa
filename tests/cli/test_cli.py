"""The `qa` command through Typer's CliRunner: thin commands, clear errors, JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app
from qa.engine import QAEngine
from tests._pdf import write_locked_pdf

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
def test_demo_without_a_terminal_says_the_chat_was_skipped(real_env: list[str]) -> None:
    result = runner.invoke(app, ["demo", *real_env])
    assert result.exit_code == 0, result.output
    assert f"The chat was skipped: not a terminal. Open it in a terminal with: qa chat {real_env[0]} {real_env[1]}" \
        in result.output
    assert "skipped" not in runner.invoke(app, ["demo", "--no-chat", *real_env]).output  # asked for no chat


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
    (folder / "空 白.docx").write_bytes(b"")
    (folder / "not-a-zip.docx").write_bytes(b"PK\x03\x04 damaged")
    write_locked_pdf(folder / "加密.pdf")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)))
    (folder / "~$lock.docx").write_bytes(b"\x00" * 8)
    index = ["--index", str(tmp_path / "idx")]
    result = runner.invoke(app, ["index", "build", str(folder), *index])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "broken.txt" in result.output and "empty.md" in result.output
    assert "1 added" in result.output and "6 skipped" in result.output and "Traceback" not in result.output
    synced = json.loads(runner.invoke(app, ["index", "sync", str(folder), "--json", *index]).output)
    reasons = {Path(s["path"]).name: s["reason"] for s in synced["skipped"]}
    assert synced["counts"] == {"added": 0, "updated": 0, "removed": 0, "unchanged": 1, "skipped": 6}
    assert "password-protected" in reasons["加密.pdf"] and "unsupported file type '.jpg'" in reasons["photo.jpg"]
    assert "empty" in reasons["空 白.docx"] and "~$lock.docx" not in reasons
    result = runner.invoke(app, ["index", "build", str(folder / "broken.txt"), *index])
    assert result.exit_code == 1
    assert "broken.txt" in result.output
    status = runner.invoke(app, ["index", "status", "--json", *index])
    assert json.loads(status.output)["documents"] == 1
    answer = runner.invoke(app, ["search", "要学习", "--json", *index])
    assert json.loads(answer.output)["hits"][0]["doc_path"].endswith("gbk.txt")


def _one_error_naming(output: str, what: str) -> None:
    """One message (the console wraps it at 80 columns) that names ``what``, no traceback."""
    assert output.startswith("error: ") and output.count("error") == 1, output
    assert what in output and "Traceback" not in output


@pytest.mark.parametrize("store", ["bogus://db/c", "milvus://db.example:port/c", "milvus-lite://relative/dir",
                                   "/home/me/index", "milvus://db.example/9lives"])
def test_a_bad_store_uri_is_one_line_naming_it(store: str) -> None:
    for args in (["ask", "统一战线", "--store", store], ["index", "status", "--store", store],
                 ["index", "build", "x.txt", "--store", store]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        _one_error_naming(result.output, store)
        assert "setting 'store'" in result.output


def test_store_comes_from_toml_env_and_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.settings import load_settings

    toml = tmp_path / "config.toml"
    toml.write_text('store = "milvus://db.example:19531/speeches"\n', encoding="utf-8")
    config = load_settings(toml).index_config
    assert config.store == "milvus://db.example:19531/speeches" and config.location == config.store
    target = config.milvus
    assert target is not None and (target.address, target.collection) == ("http://db.example:19531", "speeches")
    monkeypatch.setenv("QA_STORE", "milvus-lite:///srv/qa/milvus?collection=reports")
    assert load_settings(toml).index_config.milvus.collection == "reports"  # type: ignore[union-attr]
    assert load_settings(toml, store="").index_config.milvus is None  # the option wins: the local folder
    assert load_settings(toml, store="").index_config.location == str(load_settings(toml).index_path)

