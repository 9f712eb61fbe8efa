"""Count where each speech's date and title came from over a corpus, and write it as JSON.

Usage: python -m scripts.report_dates [FOLDER_OR_FILES ...] [--out dates.json]

Defaults to the shared reports corpus and the sample speeches (``../shared`` beside the
checkout). Prints a table of date sources per corpus, the undated and the derived-title
speeches; the JSON holds the same plus one row per speech.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from index.errors import ReadError
from index.reader import iter_documents, parse_document

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared"


def survey(folder: Path) -> dict[str, object]:
    """Per-speech rows and counts by date source for one folder (or file)."""
    rows: list[dict[str, Any]] = []
    for path in iter_documents([folder]):
        try:
            doc = parse_document(path)
        except ReadError as exc:
            rows.append({"file": path.name, "error": str(exc)})
            continue
        for s in doc.speeches:
            rows.append({"file": path.name, "title": s.title, "title_derived": s.title_derived,
                         "subtitle": s.subtitle, "venue": s.venue, "date": s.date, "date_source": s.date_source})
    sources = Counter(str(r.get("date_source")) for r in rows if "error" not in r)
    return {"folder": str(folder), "speeches": len(rows), "date_sources": dict(sources.most_common()),
            "undated": [r["file"] for r in rows if not r.get("date")],
            "derived_titles": [f"{r['title']} ({r['file']})" for r in rows if r.get("title_derived")],
            "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        default=[SHARED / "corpus_reports", SHARED / "corpus"])
    parser.add_argument("--out", type=Path, default=Path("dates.json"))
    args = parser.parse_args(argv)
    results = [survey(p) for p in args.paths]
    for r in results:
        print(f"{r['folder']}: {r['speeches']} speeches; date sources {r['date_sources']}")
        print(f"  undated: {r['undated'] or 'none'}")
        for title in r["derived_titles"]:  # type: ignore[attr-defined]
            print(f"  derived title: {title}")
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
