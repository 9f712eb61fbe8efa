"""Markdown export of answers and conversations."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from test_chats import _answer

from qa.errors import QAError
from qa.export import answer_markdown, conversation_markdown, default_export_path, write_markdown
from qa.types import Answer


def test_answer_markdown_has_markers_citations_and_quotes() -> None:
    answer = _answer("那宣传部门呢？", "宣传部门有什么职责")
    md = answer_markdown(answer)
    lines = md.splitlines()
    assert lines[0] == "## 那宣传部门呢？"
    assert "_Answered as: 宣传部门有什么职责_" in lines
    assert f"{answer.sentences[0].text}[1]" in lines
    assert "### Sources" in lines
    assert "[1] 在全区组织宣传统战工作会议上的讲话 (2022-02-15) › 第二 › 二要把牢意识形态 (also in: 另一篇讲话)" in lines
    assert sum(1 for line in lines if line.startswith(">")) == answer.hits[0].text.strip().count("\n") + 1


def test_unsupported_answer_lists_related_passages_only() -> None:
    base = _answer("火星探测器什么时候发射？")
    md = answer_markdown(Answer(question=base.question, sentences=(), hits=base.hits, supported=False))
    assert "No answer was found" in md and "### Related passages" in md and "### Sources" not in md


def test_conversation_markdown_and_files(tmp_path: Path) -> None:
    md = conversation_markdown("会议", [_answer("问一"), _answer("问二")], created="2024-05-01")
    assert md.startswith("# 会议\n") and md.index("## 问一") < md.index("## 问二")
    path = default_export_path(tmp_path, "怎样/落实？ 责任制", datetime(2024, 5, 1, 9, 30))
    assert path == tmp_path / "exports" / "怎样-落实-责任制-20240501-093000.md"
    assert write_markdown(path, md).read_text(encoding="utf-8") == md
    with pytest.raises(QAError, match="cannot write"):
        write_markdown(path / "below-a-file.md", md)
