"""A long-lived reader process for the concurrency tests, as the chat is one: it keeps one engine
and asks one question in a loop until a stop file appears, logging each answer as a JSON line.

Usage: ``python -m tests.e2e.reader_loop INDEX LOG STOP_FILE QUESTION``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from qa.errors import QAError
from qa.factory import make_engine


def main(index: Path, log_path: Path, stop: Path, question: str) -> None:
    engine = make_engine(None, index_dir=index)
    deadline = time.monotonic() + 600  # never outlive a broken test
    with open(log_path, "a", encoding="utf-8") as log:
        while not stop.exists() and time.monotonic() < deadline:
            record: dict[str, object] = {"t": time.time()}
            try:
                answer = engine.ask(question)
                store = engine.store
                record.update(ok=True, top=answer.hits[0].doc_path if answer.hits else None,
                              documents=len(store.documents()), chunks=store.chunk_count())
            except QAError as exc:
                record.update(ok=False, error=f"{type(exc).__name__}: {exc}")
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
            log.flush()
            time.sleep(0.05)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
