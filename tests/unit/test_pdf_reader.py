"""The PDF reader: page furniture removed, paragraphs rejoined across lines and pages, pages kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.chunker import chunk_document
from index.formats.pdf import _without_layout_spaces
from index.formats.pdflayout import PdfLine, assemble, tidy
from index.reader import parse_document
from qa.errors import ReadError
from tests._pdf import HEIGHT, write_pdf

FULL = "the committee reviewed the work of the year and set the tasks for the next"  # one full line
PITCH = 14.0


def page_lines(body: list[tuple[float, str]], number: int, top: float = 740.0) -> list[tuple[float, float, str]]:
    """A page: running header, body lines ``(x, text)`` from ``top`` down, page number at the bottom."""
    lines = [(72.0, 800.0, "Annual Report of the Committee")]
    lines += [(x, top - n * PITCH, text) for n, (x, text) in enumerate(body)]
    return [*lines, (290.0, 40.0, str(number))]


def test_headers_and_page_numbers_dropped_paragraphs_rejoined_across_pages(tmp_path: Path) -> None:
    first = [(72.0, "Speech on the Work of the Committee"), (92.0, FULL), (72.0, FULL), (72.0, "and so ends."),
             (92.0, FULL), (72.0, FULL)]
    second = [(72.0, FULL), (72.0, "which was done."), (92.0, "A new short paragraph.")]
    third = [(92.0, FULL), (72.0, "the last words.")]
    path = write_pdf(tmp_path / "report.pdf", [page_lines(first, 1), page_lines(second, 2), page_lines(third, 3)])
    doc = chunk_document(parse_document(path), chunk_size=260, chunk_overlap=0)  # one paragraph per chunk
    speech = doc.speeches[0]
    assert doc.encoding == "pdf, 3 pages"
    assert speech.title == "Speech on the Work of the Committee"
    paragraphs = speech.text.split("\n")
    assert paragraphs == [f"{FULL} {FULL} and so ends.", f"{FULL} {FULL} {FULL} which was done.",
                          "A new short paragraph.", f"{FULL} the last words."]
    assert "Annual Report" not in speech.text
    assert any("Annual Report of the Committee" in d and "3 pages" in d for d in doc.dropped)
    assert any(d.startswith("page numbers") for d in doc.dropped)
    assert [c.pages for c in speech.chunks] == [(1,), (1, 2), (2, 3)]


def test_scanned_pdf_without_text_layer(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "扫描 件.pdf", [[], [], [(290.0, 40.0, "2")]])
    with pytest.raises(ReadError) as info:
        parse_document(path)
    message = str(info.value)
    assert str(path) in message and "no text layer (scanned?)" in message and "OCR is not supported" in message


def test_damaged_pdf(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"garbage" * 50)
    with pytest.raises(ReadError, match="not a readable PDF"):
        parse_document(path)


def line(text: str, page: int, x: float, right: float, y: float, size: float = 12.0) -> PdfLine:
    return PdfLine(text, page, (x, right, y, size))


def test_geometry_decides_continuation() -> None:
    body = [line("中" * 30, 1, 90, 450, 700), line("中" * 30, 1, 90, 450, 680),  # full: goes on
            line("中" * 10 + "。", 1, 90, 222, 660),  # short, then an indented line: new paragraph
            line("中" * 28, 1, 114, 450, 640), line("中" * 30, 1, 90, 450, 620),  # indented start, full
            line("标题" * 5, 1, 200, 340, 590, size=16),  # another size: a heading
            line("中" * 30, 1, 90, 450, 560), line("中" * 30, 1, 90, 450, 500)]  # a wide gap: new paragraph
    joins = assemble([body], [HEIGHT]).joins
    assert joins == (True, True, False, True, False, False, False, False)
    short = [line("中" * 30, 1, 90, 450, 680), line("中" * 10 + "。", 1, 90, 222, 660),
             line("中" * 30, 1, 90, 450, 640)]
    assert assemble([short], [HEIGHT]).joins[1] is None  # a short line: the text decides


def test_centred_title_lines_go_on() -> None:
    body = [line("标" * 24, 1, 90, 450, 700, size=18), line("题" * 8, 1, 200, 340, 676, size=18),
            line("中" * 30, 1, 90, 450, 640), line("中" * 30, 1, 90, 450, 620)]
    assert assemble([body], [HEIGHT]).joins[0] is True


def test_odd_and_even_running_headers_are_both_found() -> None:
    pages = []
    for n in range(1, 5):
        head = "讲话汇编" if n % 2 else "内部资料 注意保存"
        pages.append([line(head, n, 200, 300, 800), *[line("正文" * 15 + str(n), n, 90, 450, 700 - 20 * k)
                                                      for k in range(5)], line(f"- {n} -", n, 280, 300, 40)])
    result = assemble(pages, [HEIGHT] * 4)
    assert "讲话汇编" not in result.text and "内部资料" not in result.text and "- 1 -" not in result.text
    assert len(result.text.split("\n")) == 20 and set(result.pages) == {1, 2, 3, 4}


def test_a_first_body_line_is_never_taken_for_a_header() -> None:
    pages = [[line(f"第{n}页的第一行正文内容各不相同" * 2, n, 90, 450, 760), line("正文" * 15, n, 90, 450, 740)]
             for n in range(1, 4)]
    assert len(assemble(pages, [HEIGHT] * 3).text.split("\n")) == 6


def test_layout_spaces_next_to_cjk_go_typed_spaces_stay() -> None:
    raw = "共 3 位同志 发言 ，讲得 很好 hello world"
    generated = [ch == " " and k not in (raw.index("很好") - 1,) for k, ch in enumerate(raw)]
    assert _without_layout_spaces(raw, generated) == "共3位同志发言，讲得 很好hello world"
    assert tidy("资助学生 15 人\x02", spaces=True) == "资助学生15人"
