"""Saved web pages (trafilatura) and the LibreOffice route for .doc/.wps/.rtf/.odt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.formats import office
from index.formats.web import decode_html
from index.reader import parse_document
from qa.errors import ReadError
from tests._tools import needs_soffice

BODY = "要坚持以人民为中心的发展思想，把各项工作落到实处，推动全区经济社会高质量发展。" * 3
PAGE = """<html><head><meta charset="{charset}"><title>在全区工作会议上的讲话_某某网</title>
<meta property="article:published_time" content="2022-06-18T10:30:00+08:00"></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/a">新闻</a> | <a href="/b">专题</a></div>
<article><h1>在全区工作会议上的讲话</h1>
<p>同志们：</p><p>{body}</p>
<h2>抓好党的建设</h2><p>{body}</p><h3>建强支部</h3><p>{body}</p>
<table><tr><td>单位</td><td>人数</td></tr><tr><td>机关</td><td>12</td></tr></table>
<h2>推动高质量发展</h2><p>{body}<br>换行后的同一段。</p></article>
<div class="share">分享到：微信 微博</div>
<footer><p>版权所有 &copy; 某某网 京ICP备00000000号</p></footer></body></html>"""


@pytest.mark.parametrize("charset", ["gbk", "utf-8"])
def test_html_article_headings_table_and_metadata(tmp_path: Path, charset: str) -> None:
    path = tmp_path / "讲话 页面.html"
    path.write_bytes(PAGE.format(charset=charset, body=BODY).encode("gbk" if charset == "gbk" else "utf-8"))
    doc = parse_document(path)
    speech = doc.speeches[0]
    assert doc.encoding == f"html ({'gb18030' if charset == 'gbk' else 'utf-8'})"
    assert speech.title == "在全区工作会议上的讲话" and speech.date == "2022-06-18"
    for furniture in ("首页", "分享到", "版权所有", "ICP"):
        assert furniture not in speech.text
    assert "单位\t人数\n机关\t12" in speech.text
    titles = [(s.title, [c.title for c in s.children]) for s in speech.sections]
    assert titles == [("抓好党的建设", ["建强支部"]), ("推动高质量发展", [])]


def test_declared_charset_that_is_wrong_falls_back_to_detection() -> None:
    text = "<html><head><meta charset='utf-8'></head><body><p>" + BODY + "</p></body></html>"
    decoded, encoding = decode_html(text.encode("gb18030"))
    assert BODY in decoded and encoding != "utf-8"


@pytest.mark.parametrize("page", ["<html><body></body></html>", "<html><body><a href='/'>首页</a></body></html>"])
def test_page_without_article_is_a_clear_error(tmp_path: Path, page: str) -> None:
    """An empty page, or one of navigation only, is refused with the file named. (Which of the two
    messages a navigation page gets depends on the trafilatura release: 2.1 keeps the link text,
    which then holds no speech; 2.3 finds no article at all.)"""
    path = tmp_path / "nav.htm"
    path.write_text(page, encoding="utf-8")
    with pytest.raises(ReadError, match=r"nav\.htm: no (article|speech) text"):
        parse_document(path)


def test_without_libreoffice_the_message_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    path = tmp_path / "旧 文件.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ReadError) as info:
        parse_document(path)
    assert str(path) in str(info.value) and "apt-get install libreoffice-writer-nogui" in str(info.value)


RTF = (r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil SimSun;}}"
       r"\pard 在全区工作会议上的讲话\par\pard 同志们：\par\pard {body}\par"
       r"\pard 一、抓好党的建设\par\pard {body}\par\pard 二、推动高质量发展\par\pard {body}\par}")


@needs_soffice
def test_rtf_is_read_through_libreoffice(tmp_path: Path) -> None:
    def escape(text: str) -> str:
        return "".join(ch if ord(ch) < 128 else rf"\u{ord(ch) - 65536 if ord(ch) > 32767 else ord(ch)}?"
                       for ch in text)

    path = tmp_path / "讲话 稿.rtf"
    path.write_text(escape(RTF.replace("{body}", BODY)), encoding="ascii")
    doc = parse_document(path)
    speech = doc.speeches[0]
    assert doc.encoding == "rtf via LibreOffice"
    assert speech.title == "在全区工作会议上的讲话"
    assert [s.title for s in speech.sections] == ["一、抓好党的建设", "二、推动高质量发展"]


@needs_soffice
def test_damaged_doc_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2048))
    with pytest.raises(ReadError) as info:
        parse_document(path)
    assert str(path) in str(info.value) and "damaged" in str(info.value)
