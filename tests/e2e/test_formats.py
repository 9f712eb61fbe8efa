"""`qa index build` over the format samples answers from each format and cites the PDF's page."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index.formats.office import find_soffice
from qa.cli import app
from qa.engine import QAEngine
from tests._tools import IN_CI

pytestmark = pytest.mark.e2e
runner = CliRunner()
FORMATS = Path(__file__).resolve().parents[1] / "data" / "formats"
# (format, question, words of the answer): from tests/data/seeds_dev.jsonl, over 001 and 000.
QUESTIONS = [("docx", "党支部应该怎样设置？", "原则上支部建在科室"), ("pdf", "党支部应该怎样设置？", "原则上支部建在科室"),
             ("doc", "统一战线工作的主题是什么？", "大团结、大联合"), ("html", "公众安全感排名怎么样？", "公众安全感位居全市前列")]


@pytest.fixture(scope="module")
def formats_index(real_engine: QAEngine, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """An index of the samples built by the CLI; each named sample-KIND.KIND so ``--doc sample-KIND.`` picks one."""
    folder = tmp_path_factory.mktemp("formats")
    for sample in FORMATS.iterdir():
        shutil.copy(sample, folder / f"sample-{sample.suffix[1:]}{sample.suffix}")
    os.environ["QA_MODEL_DIR"] = str(real_engine.settings.models_dir)
    index = ["--index", str(tmp_path_factory.mktemp("formats-index"))]
    result = runner.invoke(app, ["index", "build", str(folder), "--json", *index])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    expected = 4 if find_soffice() or IN_CI else 3
    assert report["counts"]["added"] == expected, report["skipped"]
    return index


@pytest.mark.parametrize(("kind", "question", "words"), QUESTIONS)
def test_each_format_answers(formats_index: list[str], monkeypatch: pytest.MonkeyPatch, real_engine: QAEngine,
                             kind: str, question: str, words: str) -> None:
    if kind == "doc" and find_soffice() is None and not IN_CI:
        pytest.skip("LibreOffice is not installed")
    monkeypatch.setenv("QA_MODEL_DIR", str(real_engine.settings.models_dir))
    result = runner.invoke(app, ["ask", question, "--doc", f"sample-{kind}.", "--json", *formats_index])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    top = next(h for h in hits[:3] if words in h["text"])
    assert top["doc_path"].endswith(f".{kind}")
    assert bool(top["pages"]) == (kind == "pdf")
    if kind == "pdf":
        human = runner.invoke(app, ["ask", question, "--doc", f"sample-{kind}.", *formats_index])
        assert f"p. {top['pages'][0]}" in human.output
