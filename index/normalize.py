"""Matching-only text normalization: NFKC, traditional→simplified, lowercase.

Users type full-width digits, traditional characters (a Hong Kong or Taiwan keyboard) or
upper-case Latin; the speeches use half-width, simplified, mixed case. Folding both sides
the same way lets them meet. It is applied to *copies* used for matching (BM25 tokens,
filter comparisons) only: stored and displayed text is never changed, so citation offsets
stay exact.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

_lock = threading.Lock()
_converter: Any = None


def _t2s() -> Any:
    """The OpenCC converter, built once (its dictionaries take a moment to load)."""
    global _converter, _starts
    if _converter is None:
        with _lock:
            if _converter is None:
                from opencc import OpenCC

                converter = OpenCC("t2s")
                converter.convert("")  # loads its dictionaries
                _starts = frozenset(_changing(converter))
                _converter = converter
    return _converter


#: Characters some t2s entry changes (at their place in the entry, or anywhere in an entry that
#: changes length). A text holding none of them is left as it is by every entry it could match.
_starts: frozenset[str] = frozenset()


def _changing(converter: Any) -> set[str]:
    chars: set[str] = set()
    for group in converter._dict_chain_data:
        for _longest, _shortest, table in group:
            for key, value in table.items():
                chars.update(key if len(key) != len(value) else (k for k, v in zip(key, value, strict=True) if k != v))
    return chars


def _convert(text: str) -> str:
    """OpenCC t2s, skipped when no character can start a conversion (most simplified text: the
    pure-Python converter costs ~5 µs a character, a set check ~50 ns)."""
    converter = _t2s()
    if _starts.isdisjoint(text):
        return text
    return str(converter.convert(text))


def normalize(text: str) -> str:
    """Fold ``text`` for matching: NFKC, then traditional→simplified, then lowercase.

    NFKC runs first so full-width and compatibility forms reach OpenCC as ordinary
    characters; the length of the result may differ from the input, which is why it must
    never be used to compute offsets into stored text.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return _convert(folded).lower()


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    simp = _convert(folded).lower()
    return simp if len(simp) == 1 else folded.lower() if len(folded.lower()) == 1 else folded


#: Translation table of every character folded so far (``str.translate`` runs in C), and its keys.
_fold_table: dict[int, str] = {}
_folded: set[str] = set()


def normalize_same_length(text: str) -> str:
    """:func:`normalize` one character for one, so spans found in the result are spans of ``text``.

    Used to find and highlight matches in stored text; characters whose folding would
    change the length (ligatures, "㈠") are left as they are. Characters seen before are
    checked in C (``issuperset``); only new ones are folded in Python.
    """
    if not _folded.issuperset(text):
        for ch in set(text).difference(_folded):
            _fold_table[ord(ch)] = _fold_char(ch)
            _folded.add(ch)
    return text.translate(_fold_table)


def to_simplified(text: str) -> str:
    """Traditional→simplified only (case and width kept): what the dense encoder is given."""
    return _convert(text) if text else ""
