"""MilvusStore: :class:`index.stores.base.Store` over Milvus (a server, a cluster, or Milvus Lite).

Reads go to the live build's collections (live.py); writes are write.py's. Searches run on the
server with the filters as Milvus expressions (expr.py); rows come back by primary key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import SpeechQAError
from index.lexical import full_cut
from index.normalize import normalize
from index.outline import Outline, flatten
from index.stores.base import Scored, Store
from index.stores.milvus.expr import contains
from index.stores.milvus.live import LiveIndex
from index.stores.milvus.rows import embed_key
from index.types import (
    ChunkRow,
    DocumentRecord,
    Filters,
    IndexStatus,
    Manifest,
    PhraseMatches,
    PhraseOccurrence,
    SpeechText,
)

_ROW_FIELDS = ["id", "speech_id", "doc_path", "title", "date", "section", "text", "start_at", "end_at", "embed_text",
               "title_derived", "source_name", "date_source", "pages"]
#: Speech outlines kept (list answers come from few speeches).
_OUTLINE_CACHE = 64
#: Ids per query by primary key or key list: keeps each expression small on any server.
_ID_BATCH = 1000
#: Milvus' largest ``limit`` of one search.
MAX_LIMIT = 16384
#: HNSW search breadth: at least this, and at least k. Not tuned here (no Milvus server on the
#: development machine): Milvus' guidance is ef between k and 10k, more ef buying recall with time;
#: 64 is a common floor for a pool of 40. Measure recall against FLAT on the real server to tune it.
HNSW_EF = 64


class MilvusStore(LiveIndex):
    """The :class:`~index.stores.base.Store` over one Milvus index (see :class:`LiveIndex` for its state)."""

    _outlines: dict[int, Outline]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._outlines = {}

    # ----------------------------------------------------------------- reading
    def chunk_count(self) -> int:
        if self._manifest is None:
            return 0
        if self._count is None:
            self._count = self.count_rows(self.chunks_collection, "")
        return self._count

    def dense_params(self, k: int) -> dict[str, Any]:
        """Search parameters of the dense field: exact on Lite (FLAT), HNSW breadth on a server."""
        return {"metric_type": "IP"} if self.lite else {"metric_type": "IP", "params": {"ef": max(k, HNSW_EF)}}

    def _search(self, data: Any, field: str, k: int, filters: Filters | None, params: dict[str, Any]) -> list[Any]:
        expr = self.expression(filters)  # FilterError before any call
        if k <= 0 or self._manifest is None:
            return []
        with self.guard("searching"):
            result = self.client.search(self.chunks_collection, data=[data], anns_field=field,
                                        limit=min(k, MAX_LIMIT), filter=expr or "", search_params=params,
                                        timeout=self.timeout)
        return list(result[0])

    def dense_search(self, vec: np.ndarray, k: int, filters: Filters | None = None) -> Scored:
        query = np.asarray(vec, dtype=np.float32).reshape(-1).tolist()
        return [(int(h["id"]), float(h["distance"]))
                for h in self._search(query, "dense", k, filters, self.dense_params(k))]

    def lexical_search(self, question: str, k: int, filters: Filters | None = None) -> Scored:
        """Milvus' BM25 over the jieba-analyzed lexical text; best first, scores > 0."""
        text = normalize(question).strip()
        if not text:
            self.expression(filters)
            return []
        hits = self._search(text, "sparse", k, filters, {"metric_type": "BM25"})
        # Milvus returns the BM25 score as the distance; Milvus Lite 3.2 returns its negative
        scored = [(int(h["id"]), abs(float(h["distance"]))) for h in hits]
        return sorted((h for h in scored if h[1] > 0), key=lambda h: -h[1])

    def cut(self, text: str) -> list[str]:
        return full_cut(text)

    def term_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """Passages whose lexical text holds each term (a substring count: Milvus keeps no term
        statistics to read; the local store counts BM25 tokens, which agrees for whole words)."""
        if self._manifest is None:
            return dict.fromkeys(terms, 0)
        counts: dict[str, int] = {}
        for term in dict.fromkeys(terms):
            needle = normalize(term).strip()
            counts[term] = self.count_rows(self.chunks_collection, contains("lex", needle)) if needle else 0
        return counts

    def outline(self, speech_id: int) -> Outline:
        """The heading tree rebuilt from the stored speech text with the reader's own rule, as the
        local store does; cached, since answers come from few speeches."""
        from index.structure import build_outline

        if speech_id in self._outlines:
            return self._outlines[speech_id]
        rows = self.scan(self.chunks_collection, f"speech_id == {int(speech_id)}", ["id", "title", "start_at", "end_at"])
        if not rows:
            raise SpeechQAError(f"speech {speech_id} is no longer in the index at {self.location}")
        pieces = self.scan(self.docs_collection, f'kind == "speech" and speech_id == {int(speech_id)}', ["part", "text"])
        text = "".join(p["text"] for p in sorted(pieces, key=lambda p: int(p["part"])))
        spans = [(int(r["id"]), int(r["start_at"]), int(r["end_at"])) for r in rows]
        outline = flatten(int(speech_id), rows[0]["title"], text, build_outline(text), spans)
        if len(self._outlines) >= _OUTLINE_CACHE:
            self._outlines.pop(next(iter(self._outlines)))
        self._outlines[speech_id] = outline
        return outline

    def _by_ids(self, ids: Sequence[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        if self._manifest is None:
            return found
        with self.guard("reading passages"):
            for start in range(0, len(ids), _ID_BATCH):
                part = list(ids[start:start + _ID_BATCH])
                for row in self.client.query(self.chunks_collection, ids=part, output_fields=fields,
                                             timeout=self.timeout):
                    found[int(row["id"])] = row
        return found

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        wanted = [int(i) for i in ids]
        if not wanted:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        rows = self._by_ids(list(dict.fromkeys(wanted)), ["dense"])
        missing = [i for i in wanted if i not in rows]
        if missing:
            raise SpeechQAError(f"passage {missing[0]} is no longer in the index at {self.location}")
        return np.asarray([rows[i]["dense"] for i in wanted], dtype=np.float32)

    def chunks_by_ids(self, ids: Iterable[int]) -> list[ChunkRow]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        rows = self._by_ids(wanted, _ROW_FIELDS)
        return [_chunk_row(rows[i]) for i in wanted if i in rows]

    def speech_text(self, chunk_id: int) -> SpeechText:
        rows = self._by_ids([int(chunk_id)], ["speech_id", "doc_path", "title", "date"])
        if not rows:
            raise SpeechQAError(f"passage {chunk_id} is no longer in the index at {self.location}")
        row = rows[int(chunk_id)]
        pieces = self.scan(self.docs_collection, f'kind == "speech" and speech_id == {int(row["speech_id"])}',
                           ["part", "text"])
        text = "".join(p["text"] for p in sorted(pieces, key=lambda p: int(p["part"])))
        return SpeechText(row["doc_path"], row["title"], row["date"] or None, text)

    def documents(self) -> dict[str, str]:
        """Every indexed document: path → sha256 ("" for one whose write did not finish, so it is redone)."""
        if self._manifest is None:
            return {}
        rows = self.scan(self.docs_collection, 'kind == "document"', ["doc_path", "doc_sha", "state"])
        return {r["doc_path"]: r["doc_sha"] if r["state"] == "complete" else ""
                for r in sorted(rows, key=lambda r: r["doc_path"])}

    def find_phrase(self, phrase: str, filters: Filters | None = None) -> PhraseMatches:
        """Every use of ``phrase`` in the speeches ``filters`` allow, matched as the local store matches.

        Milvus has no substring index to lean on (its analyzer keeps words, not trigrams), so this
        folds and scans the allowed speeches' texts here, with the local store's own functions
        (index/stores/phrases.py): the same occurrences and offsets, at a cost linear in the
        collection (docs/scaling.md). Tracing is a local-store strength.
        """
        from index.stores import phrases

        folded = phrases.fold_phrase(phrase)
        expr = self.expression(filters)
        if self._manifest is None:
            return PhraseMatches((), ())
        starts: dict[int, list[tuple[int, int]]] = {}
        dates: dict[int, str | None] = {}
        for row in self.scan(self.chunks_collection, expr or "", ["id", "speech_id", "start_at", "date"]):
            sid = int(row["speech_id"])
            starts.setdefault(sid, []).append((int(row["id"]), int(row["start_at"])))
            dates[sid] = row["date"] or None
        pieces: dict[int, list[tuple[int, str]]] = {}
        for row in self.scan(self.docs_collection, 'kind == "speech"', ["speech_id", "part", "text"]):
            if int(row["speech_id"]) in starts:
                pieces.setdefault(int(row["speech_id"]), []).append((int(row["part"]), row["text"]))
        found: list[PhraseOccurrence] = []
        for sid in sorted(starts):
            text = "".join(t for _part, t in sorted(pieces.get(sid, [])))
            rows = phrases.segments(sid, text, sorted(starts[sid], key=lambda c: c[1]))
            found += phrases.occurrences_in(rows, folded, None)
        return PhraseMatches(tuple(found), tuple(dates.values()))

    def matching_count(self, filters: Filters) -> int:
        expr = self.expression(filters)
        if self._manifest is None:
            return 0
        return self.chunk_count() if expr is None else self.count_rows(self.chunks_collection, expr)

    def status(self) -> IndexStatus:
        m = self.manifest
        docs = self.documents()
        speeches = sorted(((r["doc_path"], json.loads(r["info"])) for r in self.scan(
            self.docs_collection, 'kind == "speech" and part == 0', ["doc_path", "info"])),
            key=lambda s: (s[0], int(s[1].get("ordinal", 0))))
        undated = [f"{info.get('title', '')} ({Path(path).name})" for path, info in speeches if not info.get("date")]
        return IndexStatus(path=self.location, exists=True, documents=len(docs), speeches=len(speeches),
                           chunks=self.chunk_count(), model=m.model, dimension=m.dimension,
                           chunker_version=m.chunker_version, created=m.created, updated=m.updated,
                           doc_paths=list(docs), undated=undated)

    # ----------------------------------------------------------------- writing
    def known_vectors(self, embed_texts: Sequence[str]) -> dict[str, np.ndarray]:
        if self._manifest is None or not embed_texts:
            return {}
        keys = {embed_key(t): t for t in embed_texts}
        found: dict[str, np.ndarray] = {}
        key_list = list(keys)
        with self.guard("looking up stored vectors"):
            for start in range(0, len(key_list), _ID_BATCH):
                part = key_list[start:start + _ID_BATCH]
                rows = self.client.query(self.chunks_collection, filter=f"embed_key in {part}",
                                         output_fields=["embed_text", "embed_key", "dense"], timeout=self.timeout)
                for row in rows:
                    if keys.get(int(row["embed_key"])) == row["embed_text"]:
                        found[row["embed_text"]] = np.asarray(row["dense"], dtype=np.float32)
        return found

    def apply(self, manifest: Manifest, documents: Sequence[DocumentRecord], remove_paths: Sequence[str] = (),
              *, replace_all: bool = False) -> None:
        """Store new/changed ``documents`` and drop ``remove_paths`` (write.py says how a rerun resumes)."""
        from index.stores.milvus.write import commit

        commit(self, manifest, documents, remove_paths, replace_all=replace_all)


def _chunk_row(r: dict[str, Any]) -> ChunkRow:
    return ChunkRow(int(r["id"]), int(r["speech_id"]), r["doc_path"], r["title"], r["date"] or None,
                    tuple(json.loads(r["section"])), r["text"], int(r["start_at"]), int(r["end_at"]), r["embed_text"],
                    title_derived=bool(r["title_derived"]), source_name=r["source_name"] or Path(r["doc_path"]).name,
                    date_source=r["date_source"] or None, pages=tuple(json.loads(r["pages"] or "[]")))


def as_store(store: MilvusStore) -> Store:
    """Typed view: mypy checks here that MilvusStore implements the Store protocol."""
    return store


__all__ = ["MilvusStore", "as_store"]
