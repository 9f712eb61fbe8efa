"""Reading speed per file format: characters of cleaned speech text per second, as JSON.

Usage: python -m scripts.bench_formats [--pages 300] [--repeat 3] [--out bench_formats.json]

Times ``parse_document`` (read + clean + split + structure + chunk) on the samples in
tests/data and tests/data/formats, plus a large PDF and .docx of about ``--pages`` pages
made here from the compilation sample repeated (LibreOffice needed; nothing is committed).
The goal (issue 11): reading is never the bottleneck (embedding runs at ~10 passages/s, i.e.
~3,000 chars/s) and a 300-page PDF reads in under 30 s. Each figure is the best of
``--repeat`` runs; the machine's load is recorded because this 2-core machine is shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path

from index.clean import clean_text
from index.formats.office import find_soffice
from index.reader import parse_document, read_text_file

ROOT = Path(__file__).resolve().parents[1]

DATA = ROOT / "tests" / "data"
SAMPLE_PAGES = 23  # pages of tests/data/formats/001_2db0e6606ab9e04e.pdf


def measure(files: list[Path], repeat: int) -> dict[str, float]:
    """Best wall time over ``repeat`` passes of parsing ``files``, and the chars it produced."""
    best = float("inf")
    chars = 0
    for _ in range(repeat):
        started = time.perf_counter()
        chars = sum(len(s.text) for f in files for s in parse_document(f).speeches)
        best = min(best, time.perf_counter() - started)
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files), "chars": chars,
            "seconds": round(best, 3), "chars_per_s": round(chars / best) if best else 0}


def make_large(work: Path, pages: int) -> dict[str, Path]:
    """A .docx and a PDF of about ``pages`` pages: the compilation sample repeated."""
    from scripts import make_format_samples as samples

    text, _ = read_text_file(DATA / f"{samples.WORD_SOURCE}.txt")
    cleaned = "\n".join(p.text for p in clean_text(text).paragraphs)  # no web tail to cut the copies short
    big = work / "large.txt"
    copies = math.ceil(pages / (SAMPLE_PAGES - 1))  # a copy fills a page less: no page of its own for the title
    big.write_text("\n".join([cleaned] * copies), encoding="utf-8")
    docx = samples.make_docx(big, work / "large.docx")
    return {"docx": docx, "pdf": samples.convert(docx, "pdf", work)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench_formats.json"))
    args = parser.parse_args(argv)
    formats = DATA / "formats"
    cases = {
        "txt": sorted(DATA.glob("*.txt")),
        "docx": sorted(formats.glob("*.docx")),
        "pdf": sorted(formats.glob("*.pdf")),
        "html": sorted(formats.glob("*.html")),
    }
    if find_soffice():
        cases["doc (LibreOffice)"] = sorted(formats.glob("*.doc"))
    results: dict[str, object] = {"load_before": os.getloadavg()[0]}
    for name, files in cases.items():
        results[name] = measure(files, 1 if name.startswith("doc ") else args.repeat)
        print(f"{name:>18}: {results[name]}", flush=True)
    if find_soffice():
        with tempfile.TemporaryDirectory() as tmp:
            large = make_large(Path(tmp), args.pages)
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(str(large["pdf"]))
            results["large_pdf_pages"] = len(pdf)
            pdf.close()
            for name, path in large.items():
                results[f"large {name}"] = measure([path], 1)
                print(f"{'large ' + name:>18}: {results[f'large {name}']}", flush=True)
    results["load_after"] = os.getloadavg()[0]
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"pages of the large PDF: {results.get('large_pdf_pages')}; load {results['load_before']:.1f} → "
          f"{results['load_after']:.1f}; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
