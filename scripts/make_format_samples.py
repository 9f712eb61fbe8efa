"""Make tests/data/formats/: the sample speeches as a user would get them in Word, PDF, HTML and .doc.

Usage: python -m scripts.make_format_samples [--out tests/data/formats] [--source tests/data]

Rerunnable; the tests compare what ``qa index inspect`` makes of each file with the .txt it came
from (same speeches, titles, heading tree), so every sample holds exactly the cleaned paragraphs
of its .txt, with the furniture each format really has added on top:

* ``.docx`` (python-docx): headings carry Word heading styles, and their enumeration labels
  (一、 （一） 1、) are *automatic list numbering* from numbering.xml, not characters in the runs,
  as in real Word files; a running header and a "第 N 页" footer with a PAGE field.
* ``.pdf``: LibreOffice's rendering of that .docx (needs ``soffice`` and a CJK font, e.g. the
  Debian packages libreoffice-writer-nogui and fonts-noto-cjk): several pages, running header,
  page numbers, lines broken by the layout.
* ``.doc``: LibreOffice's Word 97 export of the .docx (binary Word, read through LibreOffice).
* ``.html``: a GBK-encoded saved news page with navigation, share bar, related links and a
  copyright/ICP footer around the article.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from index.clean import clean_text
from index.document import Section
from index.formats.office import find_soffice
from index.patterns import PARA_HEADING, cn_to_int
from index.reader import parse_document, read_text_file

ROOT = Path(__file__).resolve().parents[1]

WORD_SOURCE = "001_2db0e6606ab9e04e"  # the five-speech compilation: 一、 （一） 1、 headings, inline 一是
HTML_SOURCE = "000_c0f0e0639e4e2127"
HTML_TITLE = "在全区组织宣传统战政法工作会议上的讲话"  # the .txt has no title line; a page always has one
#: numbering level (ilvl) and Word number format of each paragraph heading kind
_KINDS = {"dun": (0, "chineseCounting"), "paren": (1, "chineseCounting"), "adun": (2, "decimal"),
          "apar": (3, "decimal")}
_ABSTRACT_ID = "90"
_FIXED_TIME = dt.datetime(2021, 5, 21, 9, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Heading:
    kind: str
    number: int
    label: str  # the marker as written: "一、", "(一)", "1、"
    depth: int  # depth in the speech's heading tree (0 = top)


def paragraph_headings(source: Path) -> dict[str, Heading]:
    """Paragraph text -> heading, for the paragraph-start headings the reader finds in ``source``."""
    doc = parse_document(source)
    found: dict[str, Heading] = {}

    def visit(sections: list[Section], text: str, depth: int) -> None:
        for sec in sections:
            m = PARA_HEADING.match(text, sec.start)
            if m and (sec.start == 0 or text[sec.start - 1] == "\n"):
                kind = next(k for k, v in m.groupdict().items() if v)
                line = text[sec.start:].split("\n", 1)[0]
                number = cn_to_int(m.group(kind))
                if kind in _KINDS and number is not None:
                    found[line] = Heading(kind, number, m.group(0), depth)
            visit(sec.children, text, depth + 1)

    for speech in doc.speeches:
        visit(speech.sections, speech.text, 0)
    return found


class Numbering:
    """One abstract list (levels = heading kinds) and the list instances the paragraphs need.

    A heading whose number does not continue its level's counter gets a new instance that
    restarts the level at that number (``startOverride``), as Word does for "restart at";
    with ``new_lists`` it gets a whole new list instead (LibreOffice's .doc export keeps
    that, while it loses Word's restart overrides).
    """

    def __init__(self, document: Any, labels: dict[str, str], new_lists: bool = False) -> None:
        self.root = document.part.numbering_part.element
        self.labels = labels
        self.new_lists = new_lists
        self.counters = [0, 0, 0, 0]
        self.num_id = ""
        self.next_id = int(_ABSTRACT_ID)
        self.abstract_id = _ABSTRACT_ID
        self._add_abstract()
        self._new_instance(None, 0)

    def _add_abstract(self) -> None:
        abstract = _el("w:abstractNum", {"w:abstractNumId": self.abstract_id})
        for kind, (ilvl, fmt) in _KINDS.items():
            label = self.labels.get(kind, "%1.")
            text = re.sub(r"[零〇○一二三四五六七八九十百]+|\d+", f"%{ilvl + 1}", label, count=1)
            lvl = _el("w:lvl", {"w:ilvl": str(ilvl)})
            for tag, val in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text), ("w:suff", "nothing")):
                lvl.append(_el(tag, {"w:val": val}))
            abstract.append(lvl)
        first_num = self.root.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.root.append(abstract)

    def _new_instance(self, ilvl: int | None, start: int) -> None:
        if self.new_lists and ilvl is not None:
            self.abstract_id = str(int(self.abstract_id) + 1)
            self._add_abstract()
        num = _el("w:num", {"w:numId": str(self.next_id)})
        num.append(_el("w:abstractNumId", {"w:val": self.abstract_id}))
        if ilvl is not None and not self.new_lists:
            override = _el("w:lvlOverride", {"w:ilvl": str(ilvl)})
            override.append(_el("w:startOverride", {"w:val": str(start)}))
            num.append(override)
        self.root.append(num)
        self.num_id = str(self.next_id)
        self.next_id += 1

    def number(self, paragraph: Any, heading: Heading) -> None:
        ilvl = _KINDS[heading.kind][0]
        if heading.number != self.counters[ilvl] + 1:
            self._new_instance(ilvl, heading.number)
        self.counters[ilvl] = heading.number
        self.counters[ilvl + 1:] = [0] * (len(self.counters) - ilvl - 1)
        ppr = paragraph._p.get_or_add_pPr()
        numpr = _el("w:numPr")
        numpr.append(_el("w:ilvl", {"w:val": str(ilvl)}))
        numpr.append(_el("w:numId", {"w:val": self.num_id}))
        ppr.append(numpr)


def _el(tag: str, attrs: dict[str, str] | None = None) -> Any:
    element = OxmlElement(tag)
    for key, value in (attrs or {}).items():
        element.set(qn(key), value)
    return element


def _page_field(paragraph: Any) -> None:
    """"第 N 页" with N a PAGE field, as Word footers have it."""
    paragraph.add_run("第 ")
    field = _el("w:fldSimple", {"w:instr": "PAGE"})
    run = _el("w:r")
    text = _el("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" 页")


def _style_fonts(document: Any) -> None:
    """A CJK font for every style, 12 pt body, Chinese first-line indent of two characters."""
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Header", "Footer"):
        style = document.styles[name]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
        style.font.name = "Noto Serif CJK SC"
        style.font.color.rgb = None
    document.styles["Normal"].font.size = Pt(12)
    document.styles["Normal"].paragraph_format.first_line_indent = Pt(24)


def make_docx(source: Path, out: Path, new_lists: bool = False) -> Path:
    """The cleaned paragraphs of ``source`` as a Word file with styled, auto-numbered headings."""
    text, _ = read_text_file(source)
    paragraphs = [p.text for p in clean_text(text).paragraphs]
    headings = paragraph_headings(source)
    labels: dict[str, str] = {}
    for h in headings.values():
        labels.setdefault(h.kind, h.label)
    document = Document()
    _style_fonts(document)
    numbering = Numbering(document, labels, new_lists)
    for n, line in enumerate(paragraphs):
        heading = headings.get(line)
        if heading is None or not _same_shape(heading.label, labels[heading.kind]):
            para = document.add_paragraph(line, style="Title" if n == 0 else None)
            if n == 0:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            continue
        body = line[len(heading.label):]
        bare = not re.search(r"[。！？；]", body)  # a heading line of its own gets a heading style
        para = document.add_paragraph(body, style=f"Heading {heading.depth + 1}" if bare else None)
        numbering.number(para, heading)
    section = document.sections[0]
    section.header.paragraphs[0].text = "机关党建工作会议讲话汇编（内部资料）"
    section.header.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(footer)
    props = document.core_properties
    props.title, props.author = paragraphs[0], "speech-qa samples"
    props.created = props.modified = _FIXED_TIME
    props.last_printed = _FIXED_TIME
    props.revision = 1
    document.save(str(out))
    return out


def _same_shape(label: str, other: str) -> bool:
    """True when two markers differ only in their number ("(一)" and "(三)"; not "(一)" and "（一）")."""
    pattern = r"[零〇○一二三四五六七八九十百]+|\d+"
    return re.sub(pattern, "#", label, count=1) == re.sub(pattern, "#", other, count=1)


def convert(docx: Path, fmt: str, out_dir: Path) -> Path:
    """LibreOffice export of ``docx`` (``fmt``: "pdf", "doc") into ``out_dir``."""
    exe = find_soffice()
    if exe is None:
        raise SystemExit("LibreOffice is needed: apt-get install libreoffice-writer-nogui fonts-noto-cjk")
    filt = {"pdf": "pdf:writer_pdf_Export", "doc": "doc:MS Word 97"}[fmt]
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", filt, "--outdir", str(out_dir), str(docx)],
                       check=True, capture_output=True, timeout=300)
    return out_dir / f"{docx.stem}.{fmt}"


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{title}_领导讲话_某某区党建网</title>
<meta name="PubDate" content="2022-06-18 10:30">
<meta property="article:published_time" content="2022-06-18T10:30:00+08:00">
</head><body>
<div class="top"><a href="/">首页</a> | <a href="/news/">党建要闻</a> | <a href="/ldjh/">领导讲话</a> | <a href="/zt/">专题专栏</a> | <a href="/hd/">互动交流</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/ldjh/">领导讲话</a> &gt; 正文</div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布时间：2022-06-18 10:30　来源：区委办公室　【字体：大 中 小】</div>
<div class="share">分享到：微信 微博 QQ空间</div>
<div class="content">
{body}
</div>
</div>
<div class="related"><h3>相关文章</h3><ul>
<li><a href="/ldjh/1.html">在全区宣传思想工作会议上的讲话</a></li>
<li><a href="/ldjh/2.html">在全区组织工作会议上的讲话</a></li>
<li><a href="/ldjh/3.html">在区委理论学习中心组学习会上的发言</a></li></ul></div>
<div class="footer"><p>版权所有：中共某某区委组织部　主办单位：某某区党建网</p>
<p>地址：某某市某某区人民路1号　邮编：100000</p><p>京ICP备00000000号-1　京公网安备 11000000000000号</p></div>
</body></html>
"""


def make_html(source: Path, out: Path) -> Path:
    """A saved news page around the cleaned speech, encoded as its <meta> says (GBK)."""
    text, _ = read_text_file(source)
    paragraphs = [p.text for p in clean_text(text).paragraphs]
    title = parse_document(source).speeches[0].title
    title = HTML_TITLE if title == source.stem else title
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p != title)
    page = _PAGE.format(title=html.escape(title), body=body)
    out.write_bytes(page.encode("gbk"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "formats")
    parser.add_argument("--source", type=Path, default=ROOT / "tests" / "data")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    made = [make_docx(args.source / f"{WORD_SOURCE}.txt", args.out / f"{WORD_SOURCE}.docx"),
            make_html(args.source / f"{HTML_SOURCE}.txt", args.out / f"{HTML_SOURCE}.html")]
    if find_soffice():
        made.append(convert(made[0], "pdf", args.out))
        with tempfile.TemporaryDirectory() as tmp:  # restarts as new lists: what .doc keeps
            variant = make_docx(args.source / f"{WORD_SOURCE}.txt", Path(tmp) / f"{WORD_SOURCE}.docx", new_lists=True)
            made.append(Path(shutil.copy(convert(variant, "doc", Path(tmp)), args.out / f"{WORD_SOURCE}.doc")))
    else:
        print("soffice not found: no .pdf/.doc samples (apt-get install libreoffice-writer-nogui fonts-noto-cjk)",
              file=sys.stderr)
    for path in made:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
