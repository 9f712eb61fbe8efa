"""Write small .docx files part by part, so a test controls exactly the XML Word would save.

python-docx cannot write numbering definitions, footnotes or tracked changes; real Word files
have them, so the reader is tested on packages assembled here from WordprocessingML snippets.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_PARTS = {  # part name -> (relationship type, content type)
    "numbering": ("numbering", f"{_CT_MAIN}.numbering+xml"),
    "styles": ("styles", f"{_CT_MAIN}.styles+xml"),
    "footnotes": ("footnotes", f"{_CT_MAIN}.footnotes+xml"),
    "header1": ("header", f"{_CT_MAIN}.header+xml"),
    "footer1": ("footer", f"{_CT_MAIN}.footer+xml"),
}
_ROOTS = {"numbering": "w:numbering", "styles": "w:styles", "footnotes": "w:footnotes", "header1": "w:hdr",
          "footer1": "w:ftr"}


def p(text: str = "", *, style: str | None = None, num: tuple[int, int] | None = None, extra: str = "") -> str:
    """A paragraph: ``num`` = (numId, ilvl); ``extra`` = raw XML appended after the text run."""
    props = ""
    if style:
        props += f'<w:pStyle w:val="{style}"/>'
    if num:
        props += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{run}{extra}</w:p>"


def level(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')


def numbering(abstracts: dict[int, list[str]], nums: dict[int, tuple[int, str]]) -> str:
    """``abstracts``: id -> levels; ``nums``: numId -> (abstractNumId, raw override XML)."""
    body = "".join(f'<w:abstractNum w:abstractNumId="{a}">{"".join(lv)}</w:abstractNum>' for a, lv in abstracts.items())
    body += "".join(f'<w:num w:numId="{n}"><w:abstractNumId w:val="{a}"/>{extra}</w:num>'
                    for n, (a, extra) in nums.items())
    return body


def style(style_id: str, name: str, ppr: str = "", based_on: str | None = None) -> str:
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    return (f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>{based}'
            f"{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}</w:style>")


def write_docx(path: Path, body: str, *, core: str = "", **parts: str) -> Path:
    """A .docx whose document body is ``body``; ``parts`` (numbering=, styles=, footnotes=, header1=,
    footer1=) give the inner XML of those parts; ``core`` the inner XML of docProps/core.xml."""
    rels = [f'<Relationship Id="rId{n}" Type="{_REL}/{_PARTS[name][0]}" Target="{name}.xml"/>'
            for n, name in enumerate(parts, 1)]
    overrides = [f'<Override PartName="/word/{name}.xml" ContentType="{_PARTS[name][1]}"/>' for name in parts]
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{_CT_MAIN}.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
        f'core-properties+xml"/>{"".join(overrides)}</Types>')
    package_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        f'2006/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", package_rels)
        z.writestr("word/document.xml",
                   f'<?xml version="1.0" encoding="UTF-8"?><w:document {NS}><w:body>{body}</w:body></w:document>')
        z.writestr("word/_rels/document.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships">{"".join(rels)}</Relationships>')
        z.writestr("docProps/core.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.'
                   'org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                   'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                   f"{core}</cp:coreProperties>")
        for name, inner in parts.items():
            root = _ROOTS[name]
            z.writestr(f"word/{name}.xml", f'<?xml version="1.0" encoding="UTF-8"?><{root} {NS}>{inner}</{root}>')
    return path
