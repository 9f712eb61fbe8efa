"""The samples in tests/data/formats read like the .txt they were made from (scripts/make_format_samples.py).

`qa index inspect` on each must show the same speeches and the same heading tree (titles,
levels, nesting) as the original, with the chunk count within ±10%.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qa.cli import app
from tests._tools import needs_soffice

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = DATA / "formats"
WORD = "001_2db0e6606ab9e04e"
WEB = "000_c0f0e0639e4e2127"
runner = CliRunner()


def inspect(path: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["index", "inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.mark.parametrize(
    ("sample", "original"),
    [(f"{WORD}.docx", WORD), (f"{WORD}.pdf", WORD), pytest.param(f"{WORD}.doc", WORD, marks=needs_soffice),
     (f"{WEB}.html", WEB)],
)
def test_inspect_shows_the_heading_tree_of_the_txt(sample: str, original: str) -> None:
    got, want = inspect(SAMPLES / sample), inspect(DATA / f"{original}.txt")
    assert len(got["speeches"]) == len(want["speeches"])
    for mine, theirs in zip(got["speeches"], want["speeches"], strict=True):
        assert mine["sections"] == theirs["sections"]
        assert abs(len(mine["chunks"]) - len(theirs["chunks"])) <= 0.1 * len(theirs["chunks"])
        assert mine["text"] == theirs["text"]  # here even the text is the same: the samples hold the cleaned text


def test_each_sample_keeps_what_its_format_adds() -> None:
    pdf = inspect(SAMPLES / f"{WORD}.pdf")
    pages = [c["pages"] for s in pdf["speeches"] for c in s["chunks"]]
    assert all(pages) and pages[0][0] == 1 and pages[-1][-1] >= 20
    assert [p for chunk in pages for p in chunk] == sorted(p for chunk in pages for p in chunk)
    assert any("running header" in d for d in pdf["dropped"])
    docx = inspect(SAMPLES / f"{WORD}.docx")
    assert "(header) 机关党建工作会议讲话汇编（内部资料）" in docx["dropped"]
    assert all(not c.get("pages") for s in docx["speeches"] for c in s["chunks"])
    page = inspect(SAMPLES / f"{WEB}.html")
    assert page["encoding"] == "html (gb18030)" and page["speeches"][0]["date"] == "2022-06-18"
    assert any("ICP" in d for d in page["dropped"]) and any("分享到" in d for d in page["dropped"])


def test_word_numbering_is_not_in_the_runs_of_the_docx_sample() -> None:
    """The point of the sample: the labels come from numbering.xml, not from the text."""
    import zipfile

    with zipfile.ZipFile(SAMPLES / f"{WORD}.docx") as z:
        document = z.read("word/document.xml").decode("utf-8")
        numbering = z.read("word/numbering.xml").decode("utf-8")
    assert ">坚持更高标准提高新时代机关党建质量<" in document and "一、坚持更高标准" not in document
    assert "chineseCounting" in numbering and "startOverride" in numbering
    assert 'w:val="Heading1"' in document


def test_the_sample_script_reproduces_the_docx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts import make_format_samples as script

    made = script.make_docx(DATA / f"{WORD}.txt", tmp_path / f"{WORD}.docx")  # same name: source_name agrees
    assert inspect(made)["speeches"] == inspect(SAMPLES / f"{WORD}.docx")["speeches"]
