"""Which chunks a user's filters (--doc, --since/--until, --section) allow.

Kept apart from the store: it is policy (how a date period meets a range, what a title
match means), the store only supplies rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from index.errors import FilterError
from index.normalize import normalize
from index.types import Filters

#: Runs one SQL query against the index and returns its rows.
Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _date_bounds(value: str | None, name: str) -> str | None:
    """A filter date as given, or FilterError naming the option."""
    if value is None or value == "":
        return None
    if not _DATE.match(value) or not _real_date(value):
        raise FilterError(f"--{name} {value!r}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def _real_date(value: str) -> bool:
    """Whether an ISO prefix names a real period (no month 13, no 2月30日)."""
    parts = [int(p) for p in value.split("-")]
    try:
        datetime(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def date_range(filters: Filters) -> tuple[str | None, str | None]:
    """``(since, until)`` of ``filters`` as given, checked (FilterError naming the option otherwise)."""
    return _date_bounds(filters.since, "since"), _date_bounds(filters.until, "until")


#: Normalized speech rows (id, title, file name, date) and chunk rows (id, speech id, section path).
FilterRows = tuple[list[tuple[int, str, str, str | None]], list[tuple[int, int, str]]]


def load_filter_rows(query: Query) -> FilterRows:
    """What filtering compares, normalized once (the store caches it per generation:
    normalizing 10k section paths costs ~0.2 s, filtering the cached rows a few ms)."""
    speeches = [(sid, normalize(title), normalize(Path(path).name), date) for sid, title, date, path in
                query("SELECT s.id, s.title, s.date, d.path FROM speeches s JOIN documents d ON d.id = s.doc_id", ())]
    sections: dict[str, str] = {}
    chunks = [(cid, sid, sections.get(sec) or sections.setdefault(sec, normalize(" › ".join(json.loads(sec)))))
              for cid, sid, sec in query("SELECT id, speech_id, section FROM chunks", ())]
    return speeches, chunks


def matching_chunk_ids(rows: FilterRows, filters: Filters | None) -> set[int] | None:
    """Chunk ids allowed by ``filters``; ``None`` when there is nothing to filter.

    * ``doc``: normalized substring of the speech title or of the file name.
    * ``since``/``until``: ISO prefixes (YYYY, YYYY-MM, YYYY-MM-DD), inclusive. A speech
      date is the period it names ("2021" = all of 2021) and matches when that period
      overlaps the range, so "2021" passes ``since=2021-06-01``; undated speeches never
      pass a date filter.
    * ``section``: normalized substring of the joined section path (``一、… › （二）…``).
    """
    if filters is None or filters.is_empty():
        return None
    since, until = date_range(filters)
    doc = normalize(filters.doc) if filters.doc else None
    section = normalize(filters.section) if filters.section else None
    speeches, chunks = rows
    allowed = set()
    for sid, title, name, date in speeches:
        if doc and doc not in title and doc not in name:
            continue
        # "~" sorts after digits and "-": ``date + "~"`` is the end of the period a date names
        if (since or until) and (not date or (since and date + "~" < since) or (until and date > until + "~")):
            continue
        allowed.add(sid)
    return {cid for cid, sid, sec in chunks if sid in allowed and (section is None or section in sec)}


def section_key(section: Sequence[str]) -> str:
    """What ``--section`` is matched against: the normalized joined section path (stored per chunk)."""
    return normalize(" › ".join(section))


def speech_keys(title: str, path: str) -> tuple[str, str]:
    """What ``--doc`` is matched against: the normalized title and file name (stored per speech)."""
    return normalize(title), normalize(Path(path).name)


@dataclass(frozen=True)
class FilterQuery:
    """:func:`matching_chunk_ids`'s rules as SQL over the normalized columns a store keeps.

    ``speech_where`` (with ``speech_args``) selects allowed speeches from a table with ``date``,
    ``norm_title`` and ``norm_name``; None when only ``section`` restricts. ``section`` is the
    normalized substring a chunk's ``norm_section`` must contain.
    """

    speech_where: str | None
    speech_args: tuple[str, ...]
    section: str | None


def filter_query(filters: Filters) -> FilterQuery:
    """SQL for ``filters`` (FilterError for an invalid date); same semantics as :func:`matching_chunk_ids`."""
    since = _date_bounds(filters.since, "since")
    until = _date_bounds(filters.until, "until")
    clauses: list[str] = []
    args: list[str] = []
    if filters.doc:
        doc = normalize(filters.doc)
        clauses.append("(instr(norm_title, ?) > 0 OR instr(norm_name, ?) > 0)")
        args += [doc, doc]
    # "~" sorts after digits and "-": ``date || '~'`` is the end of the period a date names
    if since:
        clauses.append("(date IS NOT NULL AND date || '~' >= ?)")
        args.append(since)
    if until:
        clauses.append("(date IS NOT NULL AND date <= ? || '~')")
        args.append(until)
    section = normalize(filters.section) if filters.section else None
    return FilterQuery(" AND ".join(clauses) or None, tuple(args), section)
