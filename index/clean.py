"""Remove web furniture from a downloaded speech and rejoin lines broken mid-sentence.

Speeches reach users as pages saved from document-sharing sites, news portals and Word
exports. Around the speech sit download notices, share bars, ICP/copyright footers,
page links ("[1][2]下一页"), "相关范文推荐" lists and paywall tails; inside it, export
tools break lines in the middle of words ("县\\n\\n(区)", "考\\n\\n核"). Retrieval must see
neither, yet the citation shown to the user must be the speech's own words, so this
module only *removes* whole lines or trailing fragments and *joins* broken lines; it
never rewrites punctuation or characters. Everything removed is reported in
``CleanText.dropped`` so ``qa index inspect`` can show why a passage is missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.furniture import is_navigation, notice_paragraphs
from index.patterns import (
    PARA_HEADING,
    PARAGRAPH_END,
    PART_MARKER,
    SALUTATION,
    parse_date_line,
    starts_with_heading,
)
from index.titleblock import is_venue_line

# Whole lines that are page furniture, never speech text (matched against the stripped line).
_FURNITURE = re.compile(
    "|".join(
        [
            r"(?:https?://|www\.)\S+",
            r"!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>",
            r"(?:\[\d+\]\s*)+(?:上一页|下一页|尾页|下页)?",
            r"(?:首页|上一页|下一页|尾页|上页|下页)(?:[\s|]*(?:首页|上一页|下一页|尾页|\d+))*",
            r"第\s*\d+\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页",
            r"[-—–]\s*\d+\s*[-—–]|\d+\s*/\s*\d+",
            r"如若转载.*|.{0,20}转载请注明.*|本文(?:链接|地址|网址|来源|出处)[:：].*",
            r"(?:上一?篇|下一?篇)[:：].*|分享到[:：]?.{0,40}",
            r"(?:↑\s*)?(?:TOP|top|返回顶部|回到顶部)",
            r"(?:©|Copyright|\(c\)|版权所有).{0,80}|.{0,60}(?:ICP备|ICP证|公网安备).{0,40}",
            r"(?:点击量|阅读量|浏览量|浏览次数|阅读次数|点击数)[:：]\s*\d+",
            r"(?:等待处理|加载中|正在加载|点击加载更多|展开全文|收起全文|阅读全文)[.…]*",
            r"下载.{0,80}(?:word格式文档|\.docx?|\.pdf|\.wps)",
            r"将本文档下载到.*|点此处?下载文档|文档为\w{1,8}格式",
            r"时间[:：]\s*\d{4}-\d{1,2}-\d{1,2}.{0,40}(?:下载|作者).*",
            r"简介[:：].*(?:小编|整理了|文库|范文).*",
            r"声明[:：]\s*本(?:文|站)内容由.*",
            r"(?:来源|作者|编辑|责任编辑|责编|发布时间|发布日期)[:：][^。！？]{0,30}",
            r"(?:扫一扫|扫描二维码|关注公众号|微信扫码|长按识别).{0,30}",
        ]
    )
)
_FURNITURE_MAX_LEN = 300

# A line after which nothing belongs to the speech: recommendation lists, paywall tails.
_TAIL_MARKER = re.compile(
    r"(?:相关范文推荐|相关文章推荐|相关文章|相关阅读|相关推荐|推荐阅读|猜你喜欢|延伸阅读|热门文章|热门推荐"
    r"|精选范文)[:：]?|(?:预览|试读)(?:阅读)?已?结束.*|(?:阅读|查看)全文(?:需|请).*"
)
# The tail cut only applies once real text has been seen (guards a nav bar at the top).
_MIN_BODY_BEFORE_TAIL = 50

# Fragments glued to the end of a speech line: "…合力。公务员之家版权所有", "2021/5/21 点击量:276413".
_TRAILING_FURNITURE = re.compile(
    r"\s*(?:点击量|阅读量|浏览量|浏览次数|阅读次数)[:：]\s*\d+\s*$"
    r"|(?<=[。！？!?”」])\s*[\u4e00-\u9fffA-Za-z]{2,12}版权所有\s*$"
)

_TRAILING_SCAN = 40  # such fragments are short: only the end of a line is searched
_TEASER_SCAN = 10  # a teaser/summary line sits among the first lines …
_TEASER_LOOKAHEAD = 40  # … and repeats the start of a paragraph shortly after
_TEASER_MIN = 15
_INNER_PUNCT = re.compile(r"[，,、。；;]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_WS = " \t\u3000\xa0\ufeff\u200b"
_Line = tuple[str, bool, int]  # (stripped text, blank line before it, raw line index)


@dataclass(frozen=True)
class Paragraph:
    """One cleaned paragraph; ``blank_before`` keeps the layout hint titles need.

    ``origins`` says where its text came from: ``(offset in text, raw line index)`` for each
    source line joined into it, so page numbers and heading styles known per line reach
    the speech offsets (see ``index.provenance``).
    """

    text: str
    blank_before: bool
    origins: tuple[tuple[int, int], ...] = ()


@dataclass
class CleanText:
    """Cleaned paragraphs in reading order plus every line or fragment removed."""

    paragraphs: list[Paragraph]
    dropped: list[str] = field(default_factory=list)


def clean_text(raw: str, joins: Sequence[bool | None] = ()) -> CleanText:
    """Drop furniture, cut trailing lists/paywalls, rejoin broken lines.

    ``joins`` (one per raw line, optional) is what the file format knows: True = the
    paragraph goes on in the next line, False = it ends there, None = guess from the text.
    """
    lines = [line.strip(_WS) for line in raw.split("\n")]
    dropped: list[str] = []
    tail: list[str] = []
    lines = _cut_tail(lines, tail)
    kept: list[_Line] = []
    blank = False
    for index, line in enumerate(lines):
        if not line:
            blank = True
            continue
        if (len(line) <= _FURNITURE_MAX_LEN and _FURNITURE.fullmatch(line)) or is_navigation(line):
            dropped.append(line)
            continue
        line = _strip_trailing(line, dropped)
        if line:
            kept.append((line, blank, index))
        blank = False
    kept = _drop_teasers(kept, dropped)
    paragraphs = _rejoin(kept, joins)
    notices = notice_paragraphs([p.text for p in paragraphs])  # licence/copyright notices: index.furniture
    dropped += [p.text for i, p in enumerate(paragraphs) if i in notices]
    return CleanText([p for i, p in enumerate(paragraphs) if i not in notices], dropped + tail)


def _cut_tail(lines: list[str], dropped: list[str]) -> list[str]:
    """Remove everything from the first tail marker that follows real speech text."""
    lines = list(lines)
    seen = 0
    for i, line in enumerate(lines):
        if len(line) <= 60 and _TAIL_MARKER.fullmatch(line):
            if seen >= _MIN_BODY_BEFORE_TAIL:
                dropped.extend(x for x in lines[i:] if x)
                return lines[:i]
            dropped.append(line)  # a navigation label above the text: drop just the line
            lines[i] = ""
        seen += len(line)
    return lines


def _strip_trailing(line: str, dropped: list[str]) -> str:
    """Remove a click counter or copyright notice glued to the end of a line."""
    m = _TRAILING_FURNITURE.search(line, max(0, len(line) - _TRAILING_SCAN))
    if not m:
        return line
    dropped.append(m.group().strip(_WS))
    return line[: m.start()].rstrip(_WS)


def _drop_teasers(kept: list[_Line], dropped: list[str]) -> list[_Line]:
    """Drop a page's summary line when a later paragraph starts with the same words."""
    teasers: set[int] = set()
    for i, (line, *_) in enumerate(kept[:_TEASER_SCAN]):
        stem = line.rstrip(".…")
        if len(stem) < _TEASER_MIN:
            continue
        later = kept[i + 1 : i + 1 + _TEASER_LOOKAHEAD]
        if any(len(other) > len(stem) and other.startswith(stem) for other, *_ in later):
            teasers.add(i)
            dropped.append(line)
    return [item for i, item in enumerate(kept) if i not in teasers]


def _is_boundary(line: str) -> bool:
    """Lines that always start a new paragraph: headings, part markers, salutations, dates, venues."""
    return bool(
        starts_with_heading(line)
        or PART_MARKER.match(line)
        or SALUTATION.match(line)
        or parse_date_line(line)
        or is_venue_line(line)
    )


def _is_fragment(line: str, nxt: str, running: bool) -> bool:
    """True when ``line`` stops mid-sentence and ``nxt`` carries on with the same sentence.

    A complete paragraph ends with closing punctuation; a title or heading has none but
    also no inner punctuation, so only lines that read as running text ("…要结合我县",
    "…也要对照通报"; ``running`` when already joined) or are followed by an obvious
    continuation ("(区)实际…") are joined.
    """
    if line[-1] in PARAGRAPH_END or _is_boundary(nxt):
        return False
    if running:
        return True
    standalone = _is_boundary(line) and not _SENTENCE_END.search(line)  # a bare heading or date
    if not standalone and _INNER_PUNCT.search(line):
        return True
    return nxt[0] in "，,。、；;）)" or nxt.startswith(("(区)", "（区）"))


def _continues(prev: str, line: str, running: bool, known: bool | None) -> bool:
    """Whether ``line`` carries on the paragraph ending in ``prev``: the format's word, else a guess.

    A line the format says goes on is joined even after 。 (a PDF line may end a sentence
    mid-paragraph), unless the next line opens with a paragraph-level enumeration (一、 （一）).
    """
    if known is None:
        return _is_fragment(prev, line, running)
    return known and not PARA_HEADING.match(line)


def _rejoin(kept: list[_Line], joins: Sequence[bool | None] = ()) -> list[Paragraph]:
    """Glue fragments to the following line with nothing in between (Chinese has no spaces)."""
    out: list[Paragraph] = []
    parts: list[str] = []
    origins: list[tuple[int, int]] = []
    size = 0
    blank = False
    last = -1
    for line, blank_before, index in kept:
        known = joins[last] if 0 <= last < len(joins) else None
        last = index
        if parts and _continues(parts[-1], line, len(origins) > 1, known):
            if parts[-1][-1].isascii() and parts[-1][-1].isalnum() and line[0].isascii():
                parts.append(" ")
                size += 1
            origins.append((size, index))
            parts.append(line)
            size += len(line)
            continue
        if parts:
            out.append(Paragraph("".join(parts), blank, tuple(origins)))
        parts, blank, origins, size = [line], blank_before, [(0, index)], len(line)
    if parts:
        out.append(Paragraph("".join(parts), blank, tuple(origins)))
    return out
