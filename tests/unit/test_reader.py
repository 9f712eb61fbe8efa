"""Reading the real corpus: speeches, titles, dates, encodings, folder expansion, inspect output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _corpus import DATA, FILES, corpus_file, parsed
from rich.console import Console

from index.inspect import document_to_json, render_document
from index.reader import SUPPORTED_SUFFIXES, iter_documents, parse_document

EXPECTED = {
    "000": [("在组织、宣传、统战、政法工作会议上的讲话", None)],
    "001": [
        ("2020年在全县(区)机关党建工作会议上的讲话", "2020"),
        ("在全区党建工作会议上的讲话", None),
        ("在全区党建工作会议上的讲话", None),
        ("在全区党建群团工作会议上的讲话", "2012-03-09"),
        ("在全区社区党建工作会议上的讲话", None),
    ],
    "002": [("在组织、宣传、统战工作会议上的讲话", None)],
    "003": [("胸怀“两个大局” 心系“国之大者” 奋力书写新时代成华各项工作新篇章", "2021-05-21")],
    "004": [("在阶段性总结交流会上的讲话", None)],
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_speeches_titles_and_dates(prefix: str) -> None:
    doc = parsed(prefix)
    assert [(s.title, s.date) for s in doc.speeches] == EXPECTED[prefix]
    assert doc.encoding == "utf-8"


def test_compilation_speeches_start_after_their_title_block() -> None:
    speeches = parsed("001").speeches
    assert [s.text.split("\n", 1)[0] for s in speeches] == [
        "同志们:",
        "同志们:",
        "同志们:",
        "2012年3月9日",
        "同志们:",
    ]
    assert speeches[1].text.endswith("构建“和谐海陵”而努力奋斗。")
    # the second part's first line must not leak into the end of the first
    assert "第二篇" not in speeches[0].text


def test_news_page_keeps_subtitle_and_body() -> None:
    text = parsed("003").speeches[0].text
    assert text.startswith(
        "2021年全区组织、宣传、统战工作会议召开 赵春淦出席并讲话 刘蓉主持\n2021/5/21\n5月18日"
    )
    assert text.endswith("区领导蔡达林、冯军、马亚炜分别就相关工作进行安排部署。 周雪梅")


def test_encodings_round_trip(tmp_path: Path) -> None:
    text = corpus_file("002").read_text(encoding="utf-8")
    expected = parse_document(corpus_file("002")).speeches[0].text
    for name, data, encoding in [
        ("gbk.txt", text.encode("gbk"), "gb18030"),
        ("bom.txt", b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
        ("utf16.txt", text.encode("utf-16"), "utf-16"),
        ("crlf.txt", text.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        doc = parse_document(path)
        assert doc.encoding == encoding, name
        assert doc.speeches[0].text == expected, name


def test_markdown_heading_markers_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "speech.md"
    body = "一、抓好组织建设。要选好干部，建强班子。\n\n二、抓好作风建设。要真抓实干，久久为功。\n"
    path.write_text(
        "# 在全区组织工作会议上的讲话\n\n同志们：\n\n"
        + body.replace("一、", "## 一、").replace("二、", "## 二、")
    )
    speech = parse_document(path).speeches[0]
    assert speech.title == "在全区组织工作会议上的讲话"
    assert [s.title for s in speech.sections] == ["一、抓好组织建设", "二、抓好作风建设"]
    assert "#" not in speech.text


def test_iter_documents_expands_folders_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.md").write_text("x")
    (tmp_path / "a.TXT").write_text("x")
    (tmp_path / "skip.xyz").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h.txt").write_text("x")
    assert iter_documents([tmp_path]) == [tmp_path / "a.TXT", tmp_path / "b" / "x.md"]
    formats = sorted((DATA / "formats").iterdir())
    assert iter_documents([DATA, FILES[0]]) == sorted(FILES + formats)  # seeds_dev.jsonl is no speech format
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".doc", ".wps", ".rtf",
                                       ".odt"}


def test_document_to_json_shape_and_offsets() -> None:
    data = document_to_json(parsed("001"))
    json.dumps(data, ensure_ascii=False)  # plain data only
    assert set(data) == {"path", "encoding", "dropped", "speeches"}
    assert "相关范文推荐" in data["dropped"]
    speech = data["speeches"][1]
    assert set(speech) == {"title", "title_derived", "subtitle", "venue", "source_name", "date", "date_source",
                           "text", "sections", "chunks"}
    assert speech["source_name"] == "001_2db0e6606ab9e04e.txt" and speech["title_derived"] is False
    assert set(speech["sections"][0]) == {"title", "level", "children"}
    assert speech["sections"][0]["children"][0]["title"] == "一是牢固树立“创业才能富民”的意识"
    for chunk in speech["chunks"]:
        assert set(chunk) == {"section", "text", "start", "end", "pages"} and chunk["pages"] == []
        assert speech["text"][chunk["start"] : chunk["end"]] == chunk["text"]
        assert isinstance(chunk["section"], list)


def test_render_document_shows_tree_counts_and_dropped() -> None:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_document(parsed("001")))
    out = console.export_text()
    assert "在全区党建群团工作会议上的讲话" in out and "2012-03-09" in out
    assert "(一)要更加坚定地抓好政治建设  (2 chunks)" in out
    assert "相关范文推荐" in out and "[1][2]下一页" in out
