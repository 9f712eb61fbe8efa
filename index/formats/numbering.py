"""Word's automatic list numbering, rendered as a reader of the document sees it.

In real Word files "一、", "（二）" and "3." are very often drawn by Word from numbering.xml,
not typed: the paragraph holds only "加强…" and a reference (numId, ilvl) to a list
definition. The structure parser finds headings by those labels, so the reader must render
them: each level has a number format (chineseCounting 一/十一/二十, decimal, …), a label
template (lvlText "（%2）" – %N is level N's current number), a start value and a restart
rule; list instances (w:num) may restart a level (startOverride). Counters belong to the
abstract list, so instances without overrides continue one another, as in Word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LEVELS = 9
_PLACEHOLDER = re.compile(r"%([1-9])")


def wval(element: Any, tag: str) -> str | None:
    """The ``w:val`` of ``element``'s child ``w:tag``, or None."""
    child = element.find(W + tag) if element is not None else None
    return None if child is None else child.get(W + "val")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Level:
    """One level of a list definition (w:lvl)."""

    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # w:lvlRestart: 0 never; r: only when level r (1-based) or above advances
    legal: bool = False  # w:isLgl: every number in the label in decimal
    style: str | None = None  # w:pStyle: the paragraph style linked to this level
    suffix: str = "tab"  # w:suff: what follows the label (tab, space, nothing)

    @classmethod
    def parse(cls, lvl: Any) -> Level:
        restart = wval(lvl, "lvlRestart")
        return cls(start=_int(wval(lvl, "start"), 1), fmt=wval(lvl, "numFmt") or "decimal",
                   text=wval(lvl, "lvlText") or "", restart=None if restart is None else _int(restart, 0),
                   legal=lvl.find(W + "isLgl") is not None, style=wval(lvl, "pStyle"),
                   suffix=wval(lvl, "suff") or "tab")


@dataclass(frozen=True)
class Instance:
    """A list instance (w:num): its abstract list and per-level overrides."""

    abstract: str
    starts: dict[int, int] = field(default_factory=dict)
    levels: dict[int, Level] = field(default_factory=dict)


class Numbering:
    """The list definitions of one document and the running counters while reading it in order."""

    def __init__(self, abstracts: dict[str, dict[int, Level]], instances: dict[str, Instance]) -> None:
        self.abstracts = abstracts
        self.instances = instances
        self._counters: dict[str, list[int | None]] = {}
        self._seen: set[str] = set()

    @classmethod
    def parse(cls, root: Any) -> Numbering:
        """From the numbering part's root element (None: a document without lists)."""
        if root is None:
            return cls({}, {})
        abstracts: dict[str, dict[int, Level]] = {}
        links: dict[str, str] = {}  # abstractNumId -> style it takes its levels from (numStyleLink)
        owners: dict[str, str] = {}  # style -> abstractNumId defining it (styleLink)
        for ab in root.iter(W + "abstractNum"):
            ab_id = ab.get(W + "abstractNumId", "")
            abstracts[ab_id] = {_int(lvl.get(W + "ilvl"), 0): Level.parse(lvl) for lvl in ab.iter(W + "lvl")}
            if wval(ab, "numStyleLink"):
                links[ab_id] = wval(ab, "numStyleLink") or ""
            if wval(ab, "styleLink"):
                owners[wval(ab, "styleLink") or ""] = ab_id
        for ab_id, style in links.items():  # a list that only points at a list style uses that style's levels
            if style in owners and not abstracts[ab_id]:
                abstracts[ab_id] = abstracts[owners[style]]
        instances: dict[str, Instance] = {}
        for num in root.iter(W + "num"):
            starts: dict[int, int] = {}
            levels: dict[int, Level] = {}
            for override in num.iter(W + "lvlOverride"):
                ilvl = _int(override.get(W + "ilvl"), 0)
                if wval(override, "startOverride") is not None:
                    starts[ilvl] = _int(wval(override, "startOverride"), 1)
                lvl = override.find(W + "lvl")
                if lvl is not None:
                    levels[ilvl] = Level.parse(lvl)
            instances[num.get(W + "numId", "")] = Instance(wval(num, "abstractNumId") or "", starts, levels)
        return cls(abstracts, instances)

    def level_of_style(self, num_id: str, style_id: str) -> int:
        """The level a list links to a paragraph style (heading numbering set on the style), else 0."""
        inst = self.instances.get(num_id)
        levels = self.abstracts.get(inst.abstract, {}) if inst else {}
        return next((ilvl for ilvl, lvl in levels.items() if lvl.style == style_id), 0)

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the counters for one paragraph of list ``num_id`` at level ``ilvl``; its label as shown."""
        inst = self.instances.get(num_id)
        if inst is None or not 0 <= ilvl < _LEVELS:
            return ""  # numId 0 or unknown: the paragraph is not numbered
        levels = {**self.abstracts.get(inst.abstract, {}), **inst.levels}
        lvl = levels.get(ilvl)
        if lvl is None:
            return ""
        counters = self._counters.setdefault(inst.abstract, [None] * _LEVELS)
        if num_id not in self._seen:  # a "restart numbering" instance takes effect at its first use
            self._seen.add(num_id)
            for k in inst.starts:
                if 0 <= k < _LEVELS:
                    counters[k] = None
        current = counters[ilvl]
        counters[ilvl] = current + 1 if current is not None else inst.starts.get(ilvl, lvl.start)
        for k in range(ilvl + 1, _LEVELS):
            deeper = levels.get(k)
            rule = deeper.restart if deeper else None
            if rule is None or (rule != 0 and ilvl < rule):
                counters[k] = None
        if lvl.fmt in ("bullet", "none"):
            return "" if lvl.fmt == "bullet" else _PLACEHOLDER.sub("", lvl.text)

        def number(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            ref = levels.get(k, Level())
            value = counters[k] if counters[k] is not None else inst.starts.get(k, ref.start)
            return format_number(value or 0, "decimal" if lvl.legal else ref.fmt)

        label = _PLACEHOLDER.sub(number, lvl.text)
        # a tab or space after "第一章" or "1" keeps it apart from the text; after "一、" or "(1)" it adds nothing
        gap = label and label[-1].isalnum() and lvl.suffix != "nothing"
        return label + " " if gap else label


# ----------------------------------------------------------------------------- number formats
_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_CN_UNITS = ("千", "百", "十", "")
_CN_LEGAL_UNITS = ("仟", "佰", "拾", "")
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PARENS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_FULLSTOPS = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def counting(n: int, digits: str = _CN_DIGITS, units: tuple[str, ...] = _CN_UNITS, short_ten: bool = True) -> str:
    """Spoken Chinese numerals: 一, 十, 十一, 二十, 一百零五 (up to 9999)."""
    if not 0 < n < 10000:
        return str(n)
    out, zero = "", False
    for d, unit in zip((n // 1000, n // 100 % 10, n // 10 % 10, n % 10), units, strict=True):
        if d == 0:
            zero = bool(out)
            continue
        out += (digits[0] if zero else "") + digits[d] + unit
        zero = False
    return out[1:] if short_ten and 10 <= n < 20 else out


def _letters(n: int, alphabet: str) -> str:
    """Word's letter numbering: A … Z, AA … ZZ, AAA …"""
    return alphabet[(n - 1) % 26] * ((n - 1) // 26 + 1) if n > 0 else str(n)


def _roman(n: int) -> str:
    out = ""
    for value, symbol in _ROMAN:
        while n >= value:
            out, n = out + symbol, n - value
    return out


def _table(symbols: str, n: int) -> str:
    return symbols[n - 1] if 0 < n <= len(symbols) else str(n)


_FORMATS = {
    "chineseCounting": counting,
    "chineseCountingThousand": counting,
    "japaneseCounting": counting,
    "taiwaneseCounting": counting,
    "taiwaneseCountingThousand": counting,
    "koreanCounting": counting,
    "chineseLegalSimplified": lambda n: counting(n, _CN_LEGAL, _CN_LEGAL_UNITS, short_ten=False),
    "ideographLegalTraditional": lambda n: counting(n, "零壹貳參肆伍陸柒捌玖", _CN_LEGAL_UNITS, short_ten=False),
    "japaneseLegal": lambda n: counting(n, "〇壱弐参四伍六七八九", ("阡", "百", "拾", ""), short_ten=False),
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "taiwaneseDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "japaneseDigitalTenThousand": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "ideographTraditional": lambda n: _table(_STEMS, n),
    "ideographZodiac": lambda n: _table(_BRANCHES, n),
    "decimalEnclosedCircle": lambda n: _table(_CIRCLED, n),
    "decimalEnclosedCircleChinese": lambda n: _table(_CIRCLED, n),
    "ideographEnclosedCircle": lambda n: _table(_CIRCLED, n),
    "decimalEnclosedParen": lambda n: _table(_PARENS, n),
    "decimalEnclosedFullstop": lambda n: _table(_FULLSTOPS, n),
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalFullWidth2": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalZero": lambda n: f"{n:02d}",
    "upperLetter": lambda n: _letters(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "lowerLetter": lambda n: _letters(n, "abcdefghijklmnopqrstuvwxyz"),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
}


def format_number(n: int, fmt: str) -> str:
    """``n`` in Word number format ``fmt``; formats not listed fall back to decimal, as Word's viewers do."""
    render = _FORMATS.get(fmt)
    return render(n) if render else str(n)
