"""Time and memory of reading one big speech file, to state what the file-size limit protects.

Builds files of the given sizes by repeating the sample speeches (UTF-8, and GB18030, which
goes through charset detection), then hashes and parses each in a fresh process
(``index.reader.document_fingerprint`` + ``parse_document``), recording seconds and peak RSS.
Writes results/bench_big_file.json.

Usage: ``python -m scripts.bench_big_file [--mb 8 32]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import resource, sys, time
from pathlib import Path
from index.reader import document_fingerprint, parse_document
path = Path(sys.argv[1])
started = time.perf_counter()
document_fingerprint(path)
doc = parse_document(path)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      sum(len(s.text) for s in doc.speeches))
"""


def _make(folder: Path, megabytes: int, encoding: str) -> Path:
    """Repeat the samples, each line tagged with its round so the cleaner keeps it (repeated lines are furniture)."""
    from index.reader import parse_document

    # the speeches as the reader keeps them (the raw files end in "相关范文推荐" lists, cut as a tail)
    lines = [ln for p in sorted(Path("tests/data").glob("*.txt")) for s in parse_document(p).speeches
             for ln in s.text.splitlines() if ln.strip()]
    path = folder / f"big-{megabytes}mb-{encoding}.txt"
    written, round_ = 0, 0
    with open(path, "wb") as handle:
        while written < megabytes * 2**20:
            round_ += 1
            data = "\n".join(f"{ln}（{round_}）" for ln in lines).encode(encoding) + b"\n"
            handle.write(data)
            written += len(data)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--out", type=Path, default=Path("results/bench_big_file.json"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for megabytes in args.mb:
            for encoding in ("utf-8", "gb18030"):
                path = _make(Path(tmp), megabytes, encoding)
                done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True,
                                      check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
                seconds, rss_mb, chars = done.stdout.split()
                rows.append({"mb": round(path.stat().st_size / 2**20, 1), "encoding": encoding,
                             "seconds": round(float(seconds), 2), "peak_rss_mb": round(float(rss_mb)),
                             "chars": int(chars)})
                print(rows[-1], flush=True)
                path.unlink()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"load": os.getloadavg(), "rows": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
