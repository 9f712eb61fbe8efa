"""Whatever a user drops in the folder gives chunks or a ReadError naming the file – never a traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from _corpus import corpus_file

from index.chunker import chunk_document
from index.reader import parse_document
from qa.errors import QAError, ReadError

NEWS = (
    "本报讯 记者昨日从市统计局获悉，今年前三季度全市经济运行总体平稳，主要指标好于预期。\n"
    "数据显示，前三季度全市地区生产总值同比增长百分之五点二，其中第三产业增长较快。\n"
    "统计局有关负责人表示，下一步将继续加强经济运行监测分析，为科学决策提供依据。\n"
)


def expect_read_error(path: Path, words: str) -> None:
    with pytest.raises(ReadError) as info:
        parse_document(path)
    message = str(info.value)
    assert str(path) in message and words in message
    assert isinstance(info.value, QAError)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\r\n\t  \n", "empty"),
        ("random.txt", os.urandom(4096), ""),
        ("zeros.txt", b"\x00" * 1024, "binary"),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, ""),
        (
            "furniture.txt",
            "http://www.example.com/a.html\n分享到\n© 2021 某网站\n".encode(),
            "no speech text",
        ),
        ("report.docx", b"PK\x03\x04", "not a readable Word .docx file"),
        ("report.xyz", b"PK\x03\x04", "unsupported file type '.xyz'"),
        ("noext", b"text", "unsupported file type"),
    ],
)
def test_unusable_files_raise_read_error(tmp_path: Path, name: str, data: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    expect_read_error(path, words)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    expect_read_error(tmp_path / "gone.txt", "cannot be read")
    (tmp_path / "folder.txt").mkdir()
    expect_read_error(tmp_path / "folder.txt", "cannot be read")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("gbk", b""), ("gb18030", b""), ("utf-16-le", b""), ("utf-16", b""), ("utf-8", b"\xef\xbb\xbf")],
)
def test_other_encodings_decode(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / "speech.txt"
    path.write_bytes(prefix + corpus_file("000").read_text(encoding="utf-8").encode(encoding))
    speech = chunk_document(parse_document(path)).speeches[0]
    assert speech.text.startswith("同志们:\n今天,区委在这里召开会议")
    assert speech.sections[0].title == "一、在服务保障大局中彰显使命担当"


def test_news_without_headings_is_one_chunked_speech(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_text(NEWS * 4, encoding="utf-8")
    (speech,) = chunk_document(parse_document(path)).speeches
    assert speech.title == "news" and speech.sections == []
    assert speech.chunks and all(c.section == () for c in speech.chunks)
    assert all(speech.text[c.start : c.end] == c.text for c in speech.chunks)


def test_single_line_file(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("要抓好落实。", encoding="utf-8")
    (speech,) = chunk_document(parse_document(path)).speeches
    assert [c.text for c in speech.chunks] == ["要抓好落实。"]


def test_fifty_megabyte_file(tmp_path: Path) -> None:
    one = corpus_file("002").read_bytes()
    path = tmp_path / "big.txt"
    path.write_bytes(one * (50 * 2**20 // len(one) + 1))
    started = time.perf_counter()
    doc = chunk_document(parse_document(path))
    elapsed = time.perf_counter() - started
    (speech,) = doc.speeches
    assert len(speech.text) > 15_000_000
    assert len(speech.chunks) > 40_000 and all(len(c.text) <= 400 for c in speech.chunks)
    assert all(speech.text[c.start : c.end] == c.text for c in speech.chunks[::997])
    assert elapsed < 120, f"50 MB took {elapsed:.0f}s"
