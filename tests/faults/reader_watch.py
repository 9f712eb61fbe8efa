"""A reader process for tests/faults/test_readers.py: one open store, searched in a tight loop.

Each round picks up any commit (``refresh``), searches both ways, resolves every hit to its
passage and notes the generation it read, the documents and chunks it saw, and whether a
commit landed during the round (then SQLite may be a generation ahead of the loaded segments,
which the product tolerates: a hit whose passage has gone is left out). One JSON line a round.

Usage: ``python -m tests.faults.reader_watch INDEX LOG STOP_FILE``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from index.errors import SpeechQAError
from index.stores.local import LocalStore
from tests.faults._snapshot import QUERIES
from tests.unit._index_fakes import FakeEncoder


def committed(store: LocalStore) -> int:
    row = store._query("SELECT value FROM manifest WHERE key = 'manifest'")[0]
    return int(json.loads(row[0])["generation"])


def main(index: Path, log_path: Path, stop: Path) -> None:
    store = LocalStore.open(index)
    vectors = FakeEncoder().encode_queries(list(QUERIES))
    deadline = time.monotonic() + 300  # never outlive a broken test
    rounds = 0
    with open(log_path, "a", encoding="utf-8") as log:
        while not stop.exists() and time.monotonic() < deadline:
            query = QUERIES[rounds % len(QUERIES)]
            record: dict[str, object] = {"t": time.time()}
            try:
                store.refresh()
                generation = store.generation
                number = store.manifest.generation
                ids = [cid for cid, _ in store.dense_search(vectors[rounds % len(QUERIES)], 10)]
                ids += [cid for cid, _ in store.lexical_search(query, 10)]
                resolved = len(store.chunks_by_ids(ids)) == len(set(ids))
                record.update(ok=True, generation=number, documents=len(store.documents()),
                              chunks=generation.chunk_count(), resolved=resolved, stable=committed(store) == number)
            except SpeechQAError as exc:
                record.update(ok=False, error=f"{type(exc).__name__}: {exc}")
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
            log.flush()
            rounds += 1
    store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
