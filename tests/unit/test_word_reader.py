"""The .docx reader: numbering in the text, heading styles as levels, tables, furniture dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.document import Section
from index.reader import parse_document
from qa.errors import ReadError
from tests._docx import level, numbering, p, style, write_docx

BODY = "要坚持以人民为中心的发展思想，把各项工作落到实处。"
LISTS = numbering({1: [level(0, "chineseCounting", "%1、"), level(1, "chineseCounting", "（%2）")]}, {3: (1, "")})
HEADINGS = style("Heading1", "heading 1") + style("Heading2", "heading 2") + style("TOC1", "toc 1")


def tree(sections: list[Section]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []

    def visit(secs: list[Section], depth: int) -> None:
        for s in secs:
            out.append((depth, s.title))
            visit(s.children, depth + 1)

    visit(sections, 0)
    return out


def test_automatic_numbering_is_in_the_text_and_builds_the_tree(tmp_path: Path) -> None:
    body = (p("在全区工作会议上的讲话") + p("同志们：") + p(BODY)
            + p("抓好党的建设", num=(3, 0)) + p("加强政治建设。" + BODY, num=(3, 1))
            + p("加强组织建设。" + BODY, num=(3, 1))
            + p("推动高质量发展", num=(3, 0)) + p("扩大内需。" + BODY, num=(3, 1))
            + p("稳定外需。" + BODY, num=(3, 1)))
    doc = parse_document(write_docx(tmp_path / "a.docx", body, numbering=LISTS))
    speech = doc.speeches[0]
    assert speech.title == "在全区工作会议上的讲话"
    assert "（二）加强组织建设。" in speech.text and "（一）扩大内需。" in speech.text
    assert tree(speech.sections) == [(0, "一、抓好党的建设"), (1, "（一）加强政治建设"), (1, "（二）加强组织建设"),
                                     (0, "二、推动高质量发展"), (1, "（一）扩大内需"), (1, "（二）稳定外需")]
    assert doc.encoding == "docx"


def test_heading_styles_without_numbers_are_levels(tmp_path: Path) -> None:
    body = (p("讲话") + p("同志们：") + p(BODY) + p("总体要求", style="Heading1") + p(BODY)
            + p("工作重点", style="Heading1") + p("抓基层", style="Heading2") + p(BODY)
            + p("打基础", style="Heading2") + p(BODY))
    doc = parse_document(write_docx(tmp_path / "h.docx", body, styles=HEADINGS))
    assert tree(doc.speeches[0].sections) == [(0, "总体要求"), (0, "工作重点"), (1, "抓基层"), (1, "打基础")]


def test_numbering_set_on_heading_styles_and_outline_levels(tmp_path: Path) -> None:
    """Linked heading numbering: the style carries numPr; an outline level marks a custom heading style."""
    styles = (style("Heading1", "heading 1", '<w:numPr><w:numId w:val="3"/></w:numPr>')
              + style("Heading2", "heading 2", '<w:numPr><w:ilvl w:val="1"/><w:numId w:val="3"/></w:numPr>')
              + style("MyHead", "我的小标题", '<w:outlineLvl w:val="2"/>', based_on="Normal"))
    body = (p("讲话") + p(BODY) + p("第一部分", style="Heading1") + p("小点", style="Heading2")
            + p("细目", style="MyHead") + p(BODY) + p("第二部分", style="Heading1") + p(BODY))
    doc = parse_document(write_docx(tmp_path / "s.docx", body, styles=styles, numbering=LISTS))
    assert tree(doc.speeches[0].sections) == [(0, "一、第一部分"), (1, "（一）小点"), (2, "细目"), (0, "二、第二部分")]


def test_tables_rows_in_order_and_layout_frames(tmp_path: Path) -> None:
    def cell(text: str) -> str:
        return f"<w:tc>{p(text)}</w:tc>"

    table = ("<w:tbl>" + "".join(f"<w:tr>{cell(a)}{cell(b)}</w:tr>" for a, b in [("单位", "人数"), ("机关", "12")])
             + "</w:tbl>")
    frame = f"<w:tbl><w:tr><w:tc>{p('框内第一段。' + BODY)}{p('框内第二段。' + BODY)}</w:tc></w:tr></w:tbl>"
    body = p("讲话") + p("表前一段。" + BODY) + table + p("表后一段。" + BODY) + frame
    text = parse_document(write_docx(tmp_path / "t.docx", body)).speeches[0].text
    lines = text.split("\n")
    assert lines[1:3] == ["单位\t人数", "机关\t12"]
    assert lines[0].startswith("表前") and lines[3].startswith("表后")
    assert lines[4].startswith("框内第一段") and lines[5].startswith("框内第二段")


def test_headers_footers_footnotes_and_toc_are_dropped_and_listed(tmp_path: Path) -> None:
    ref = '<w:r><w:footnoteReference w:id="1"/></w:r>'
    notes = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             f'<w:footnote w:id="1">{p("参见《选集》第三卷。")}</w:footnote>')
    body = (p("讲话") + p("目录") + p("总体要求……1", style="TOC1") + p("要坚持" + BODY, extra=ref)
            + p("总体要求", style="Heading1") + p(BODY))
    doc = parse_document(write_docx(tmp_path / "f.docx", body, styles=HEADINGS, footnotes=notes,
                                    header1=p("内部资料"), footer1=p("第 1 页")))
    text = doc.speeches[0].text
    assert "选集" not in text and "内部资料" not in text and "……1" not in text and "第 1 页" not in text
    assert {"(header) 内部资料", "(footer) 第 1 页", "(footnote) 参见《选集》第三卷。", "总体要求……1"} <= set(doc.dropped)


def test_tracked_changes_soft_breaks_and_text_boxes(tmp_path: Path) -> None:
    ins = '<w:ins w:id="1" w:author="a"><w:r><w:t>插入的字</w:t></w:r></w:ins>'
    dele = '<w:del w:id="2" w:author="a"><w:r><w:delText>删掉的字</w:delText></w:r></w:del>'
    box = ('<w:r><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent>'
           "</w:drawing></w:r>")
    broken = '<w:r><w:t>标题第一行</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>标题第二行</w:t></w:r>'
    body = f"<w:p>{broken}</w:p>" + p("正文" + BODY * 2, extra=ins + dele + box + "<w:r><w:t>。</w:t></w:r>")
    speech = parse_document(write_docx(tmp_path / "c.docx", body)).speeches[0]
    assert speech.title == "标题第一行标题第二行"  # a soft break goes on in the same paragraph
    assert "插入的字" in speech.text and "删掉的字" not in speech.text and "文本框" not in speech.text


def test_core_properties_give_title_and_date_when_the_text_has_none(tmp_path: Path) -> None:
    core = ("<dc:title>在全市宣传工作会议上的讲话</dc:title>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">2023-04-05T08:00:00Z</dcterms:created>')
    doc = parse_document(write_docx(tmp_path / "m.docx", p("同志们：") + p(BODY) + p(BODY), core=core))
    assert (doc.speeches[0].title, doc.speeches[0].date) == ("在全市宣传工作会议上的讲话", "2023-04-05")
    dated = p("在全区会议上的讲话") + p("2021年5月21日") + p(BODY)
    doc = parse_document(write_docx(tmp_path / "n.docx", dated, core=core))
    assert (doc.speeches[0].title, doc.speeches[0].date) == ("在全区会议上的讲话", "2021-05-21")  # the text wins


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a readable Word .docx file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "password-protected"),
        (b"<html>not word</html>", "not a readable Word .docx file"),
    ],
)
def test_broken_docx_is_a_read_error_naming_the_file(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "坏 文件.docx"
    path.write_bytes(data)
    with pytest.raises(ReadError) as info:
        parse_document(path)
    assert str(path) in str(info.value) and words in str(info.value)
