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
