"""`qa trace` through Typer's CliRunner over a few real reports: bars, KWIC, JSON, CSV, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app
from tests.unit._reports import SUBSET, build_index

runner = CliRunner()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("reports-cli")
    build_index(SUBSET, path).close()
    return str(path)


def _run(index: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["trace", *args, "--index", index], env={"COLUMNS": "110"})


def test_bars_side_by_side_with_first_and_last_use(index: str) -> None:
    result = _run(index, "四个现代化", "新质生产力")
    assert result.exit_code == 0, result.output
    assert "四个现代化  1978–1988 · 12 uses in 2 speeches" in result.output
    assert "first 1978年中华人民共和国国务院政府工作报告 (1978)" in result.output
    rows = [line for line in result.output.splitlines() if line.startswith(("1978", "2023", "2024"))]
    assert rows[0].startswith("1978") and "█" in rows[0] and rows[-1].startswith("2024")


def test_context_lines_cite_each_use(index: str) -> None:
    result = _run(index, "新质生产力", "--context", "6")
    assert result.exit_code == 0, result.output
    assert "新质生产力: " in result.output and result.output.count("…") >= 2
    assert "政府工作报告 (2024-03-05) › " in result.output


def test_json_schema(index: str) -> None:
    result = _run(index, "四个现代化", "--json", "--context", "3", "--since", "1980")
    data = json.loads(result.output)
    assert set(data) == {"by", "filters", "phrases", "seconds"} and data["filters"] == {"since": "1980"}
    (phrase,) = data["phrases"]
    assert set(phrase) == {"phrase", "variant_of", "similarity", "total", "speeches", "first", "last", "periods",
                           "occurrences"}
    assert phrase["total"] == len(phrase["occurrences"]) == 1 and phrase["first"]["date"] == "1988"
    occ = phrase["occurrences"][0]
    assert {"chunk_id", "start", "end", "matched", "left", "right", "citation", "section", "date_source"} <= set(occ)
    assert len(occ["left"]) == 3 and occ["matched"] == "四个现代化"
    assert {p["label"] for p in phrase["periods"]} == {"1988", "2023", "2024"}


def test_csv_by_date(index: str) -> None:
    result = _run(index, "新质生产力", "--csv", "--by", "date")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["period"] for r in rows if int(r["count"])] == ["2024-03-05", "2024"]  # the day before the year
    assert sum(int(r["total_speeches"]) for r in rows) == 7


@pytest.mark.parametrize(("args", "message"), [
    (["新质生产力", "--by", "month"], "--by 'month'"),
    (["发展" * 40], "is 80 characters long"),
    (["  "], "give a phrase to trace"),
    (["新质生产力", "--since", "2024-13"], "--since '2024-13'"),
])
def test_errors_are_one_clear_line(index: str, args: list[str], message: str) -> None:
    result = _run(index, *args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_without_an_index(tmp_path: Path) -> None:
    result = runner.invoke(app, ["trace", "新质生产力", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "qa index build" in result.output
