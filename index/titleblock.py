"""The title block at the head of a speech: main title, subtitle, venue line and date.

Official texts open with a block such as::

    决胜全面建成小康社会
    为夺取新时代中国特色社会主义伟大胜利
    ——在中国共产党第十九次全国代表大会上的报告
    （2017年10月18日）

or "政府工作报告 / ——2024年3月5日在第十四届全国人民代表大会第二次会议上", or a resolution's
"（2020年5月28日第十三届全国人民代表大会第三次会议通过）". The venue line ("——在…上的报告")
reads like a speech title ("在…上的讲话") but is not one: once it is recognised, the lines
above it are the title, and its date is the speech's date.

Title rule: the cited title is the main title and its subtitle line joined by a space, as
the texts are cited (《决胜全面建成小康社会 夺取新时代中国特色社会主义伟大胜利》) and as a
one-line form prints them ("坚定不移沿着中国特色社会主义道路前进 为全面建成小康社会而奋斗").
The first line alone is ambiguous: "高举中国特色社会主义伟大旗帜" opens both the 17th and
the 20th congress reports. The subtitle is also kept apart, for display and JSON.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.patterns import cn_to_int

_CN = "〇○零一二三四五六七八九十"
_DATE = (
    rf"(?P<y>\d{{4}}|[{_CN}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|[{_CN}]{{1,2}})\s*月"
    rf"(?:\s*(?P<d>\d{{1,2}}|[{_CN}]{{1,3}})\s*日)?"
)
#: What a speech delivered at a meeting is called after "在…上的".
_KIND = r"讲话|报告|政治报告|工作报告|发言|致辞|讲稿|说明|总结讲话|主持词"
#: ——2024年3月5日在第十四届全国人民代表大会第二次会议上 / ——在…大会上的报告 /
#: 1957年6月26日在…会議上 / （2020年5月28日第十三届…会议通过）. The leading dash or date is
#: required: without either, "在…上的讲话" is a speech title, not a venue line.
_VENUE_LINE = re.compile(
    rf"^(?P<dash>[—–－-]{{1,2}})?\s*[（(]?\s*(?:{_DATE})?\s*(?P<at>在)?\s*"
    rf"(?P<venue>[^，,。；;：:！？!?（）()]{{2,60}}?)\s*"
    rf"(?P<tail>上的(?:{_KIND})|上|通过)\s*(?:[（(][^（）()]{{1,10}}[)）])?\s*[)）]?$"
)
#: A line that reads as a speech title (kept from the original splitter's rule).
SPEECH_TITLE = re.compile(
    r"(?:讲话|发言|致辞|报告|讲稿|主持词|动员令|党课)(?:[（(][^)）]{0,20}[)）])?$|^在.{2,60}上的"
)


@dataclass(frozen=True)
class VenueLine:
    """A parsed venue line: the meeting, and the date when the line states one."""

    venue: str
    date: str | None


def _num(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) if text.isdigit() else cn_to_int(text)


def _iso(year: int | None, month: int | None, day: int | None) -> str | None:
    """ISO date from parts, or ``None`` when they do not name a plausible date."""
    if year is None or not 1800 <= year <= 2200 or month is None or not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None


def parse_venue_line(line: str) -> VenueLine | None:
    """The meeting and date of a venue line, or ``None`` when ``line`` is not one."""
    m = _VENUE_LINE.match(line.strip())
    if not m:
        return None
    has_date = m.group("y") is not None
    if not (m.group("dash") or has_date):
        return None
    if not (m.group("at") or m.group("tail") == "通过"):
        return None
    date = _iso(_num(m.group("y")), _num(m.group("m")), _num(m.group("d"))) if has_date else None
    if has_date and date is None:
        return None
    return VenueLine(m.group("venue").strip(), date)


def is_venue_line(line: str) -> bool:
    """True for a venue line; the cleaner keeps it a paragraph of its own."""
    return parse_venue_line(line) is not None


@dataclass(frozen=True)
class TitleChoice:
    """The title found in a header block; ``used`` are the header lines it consumed."""

    title: str | None
    subtitle: str | None
    used: frozenset[int]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _repeats(lines: Sequence[str], run: list[int], title: str) -> bool:
    """True when the adjacent lines ``run`` spell (part of) ``title`` again ("政府工作报" / "告")."""
    joined = _squash("".join(lines[i] for i in run))
    return bool(joined) and joined in _squash(title)


def pick_title(lines: Sequence[str], blank_before: Sequence[bool], candidates: Sequence[int],
               venue_at: int | None) -> TitleChoice:
    """Choose main title and subtitle among the titleish header lines ``candidates``.

    Above a venue line every titleish line belongs to the title (layout puts blank lines
    between them); without one, only a headline broken over two lines with no blank line
    between them is joined. A line reading as a speech title wins; lines repeating the
    chosen title (a second copy, or one broken mid-word) are consumed but not added.
    """
    if venue_at is not None:
        candidates = [i for i in candidates if i < venue_at]
    if not candidates:
        return TitleChoice(None, None, frozenset())
    main = next((i for i in candidates if SPEECH_TITLE.search(lines[i])), candidates[0])
    used = {main}
    rest = [i for i in candidates if i > main]
    # A line read as a speech title is complete: what follows it can only repeat it.
    allow_subtitle = venue_at is not None or not SPEECH_TITLE.search(lines[main])
    if venue_at is None:
        rest = rest[:1] if rest and rest[0] == main + 1 and not blank_before[main + 1] else []
    subtitle_lines: list[int] = []
    run: list[int] = []
    for i in rest:
        run = run + [i] if run and run[-1] == i - 1 else [i]
        if _repeats(lines, run, lines[main]):
            used.update(run)
            subtitle_lines = [j for j in subtitle_lines if j not in run]
        elif allow_subtitle and i not in subtitle_lines:
            subtitle_lines.append(i)
    used.update(subtitle_lines)
    subtitle = " ".join(lines[i] for i in subtitle_lines) or None
    title = f"{lines[main]} {subtitle}" if subtitle else lines[main]
    return TitleChoice(title, subtitle, frozenset(used))


#: Shown before a derived title wherever a title is cited ("≈ 在…会议上的讲话"): the reader
#: made it up from the opening (or the file name), so it may not be the speech's own title.
DERIVED_MARK = "≈"


def display_title(title: str, derived: bool) -> str:
    """The title as shown to users: derived ones carry :data:`DERIVED_MARK`."""
    return f"{DERIVED_MARK} {title}" if derived else title
