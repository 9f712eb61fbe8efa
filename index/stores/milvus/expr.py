"""Filters as Milvus boolean expressions, with the semantics of :mod:`index.filters`.

The chunk rows carry the normalized title, file name and section path, and the date with the
end of the period it names (``date + "~"``), so each rule of ``matching_chunk_ids`` becomes a
comparison the server evaluates next to the vector search:

* doc: ``title_norm`` or ``file_norm`` contains the normalized needle (LIKE "%…%");
* since/until: a dated speech whose period ``[date, date~]`` overlaps ``[since, until~]``
  (ISO prefixes compare as strings: "~" sorts after digits and "-");
* section: ``section_norm`` contains the normalized needle.
"""

from __future__ import annotations

import re

from index.filters import date_range
from index.normalize import normalize
from index.types import Filters


def quote(value: str) -> str:
    """A Milvus string literal (double-quoted, backslash escapes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def contains(field: str, needle: str, *, escapes: bool = True) -> str:
    """``field`` holds ``needle``: LIKE "%needle%" with the needle's ``%``, ``_`` and ``\\`` escaped.

    Milvus reads backslash escapes twice (the string literal, then the LIKE pattern), hence
    escaping for LIKE first and for the literal second. Milvus Lite 3.2 ignores LIKE escapes
    in search filters (only its query path honours them), so with ``escapes=False`` each such
    character matches any one character instead: a needle holding one may match a little more.
    """
    if escapes:
        pattern = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    else:
        pattern = re.sub(r"[%_\\]", "_", needle)
    return f"{field} like {quote('%' + pattern + '%')}"


def filter_expression(filters: Filters | None, *, escapes: bool = True) -> str | None:
    """The expression for ``filters``; None when they allow everything. FilterError for a bad date.

    ``escapes``: see :func:`contains` (False for Milvus Lite)."""
    if filters is None or filters.is_empty():
        return None
    since, until = date_range(filters)
    parts: list[str] = []
    doc = normalize(filters.doc) if filters.doc else ""
    if doc:
        parts.append(f"({contains('title_norm', doc, escapes=escapes)} or {contains('file_norm', doc, escapes=escapes)})")
    if since or until:
        parts.append('date != ""')
    if since:
        parts.append(f"date_end >= {quote(since)}")
    if until:
        parts.append(f"date <= {quote(until + '~')}")
    section = normalize(filters.section) if filters.section else ""
    if section:
        parts.append(contains("section_norm", section, escapes=escapes))
    return " and ".join(parts) or None
