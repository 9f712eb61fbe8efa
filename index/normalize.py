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
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                from opencc import OpenCC

                _converter = OpenCC("t2s")
    return _converter


def normalize(text: str) -> str:
    """Fold ``text`` for matching: NFKC, then traditional→simplified, then lowercase.

    NFKC runs first so full-width and compatibility forms reach OpenCC as ordinary
    characters; the length of the result may differ from the input, which is why it must
    never be used to compute offsets into stored text.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return str(_t2s().convert(folded)).lower()


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    simp = str(_t2s().convert(folded)).lower()
    return simp if len(simp) == 1 else folded.lower() if len(folded.lower()) == 1 else folded


#: Translation table of every character folded so far (``str.translate`` runs in C).
_fold_table: dict[int, str] = {}


def normalize_same_length(text: str) -> str:
    """:func:`normalize` one character for one, so spans found in the result are spans of ``text``.

    Used to find and highlight matches in stored text; characters whose folding would
    change the length (ligatures, "㈠") are left as they are.
    """
    for ch in set(text):
        if ord(ch) not in _fold_table:
            _fold_table[ord(ch)] = _fold_char(ch)
    return text.translate(_fold_table)


def to_simplified(text: str) -> str:
    """Traditional→simplified only (case and width kept): what the dense encoder is given."""
    return str(_t2s().convert(text)) if text else ""
