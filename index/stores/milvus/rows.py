"""Records as Milvus rows, with ids derived from content so that every write is an idempotent upsert.

A chunk's id hashes its document's path and sha256 and its position: writing the same
document again gives the same ids (a rerun of an interrupted write overwrites instead of
duplicating), and a changed document gets new ids, so an id a reader holds never comes to
mean another text. 63-bit ids: with ten million chunks the chance of any collision is ~5e-6.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import SpeechQAError
from index.normalize import normalize
from index.stores.milvus.schema import PLACEHOLDER_DIM, VARCHAR_MAX
from index.types import DocumentRecord

#: Characters of speech text per docs row: 4-byte UTF-8 characters included, a piece stays
#: under the 65,535-byte VARCHAR limit.
SPEECH_PIECE = VARCHAR_MAX // 4
_PLACEHOLDER = [0.0] * PLACEHOLDER_DIM


def stable_id(*parts: object) -> int:
    """A non-negative int64 from ``parts`` (blake2b, so the same on every machine and run)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def embed_key(embed_text: str) -> int:
    """Lookup key of a passage's embed text, to find reusable vectors (:meth:`known_vectors`)."""
    return stable_id("embed", embed_text)


def document_id(path: str) -> int:
    return stable_id("document", path)


def document_row(doc: DocumentRecord, state: str, added: str, updated: str) -> dict[str, Any]:
    """The document's row; ``state`` "complete" is written last and marks it whole."""
    info = {"mtime": doc.mtime, "encoding": doc.encoding, "added": added, "updated": updated}
    return {"id": document_id(doc.path), "kind": "document", "doc_path": doc.path, "doc_sha": doc.sha256,
            "state": state, "info": json.dumps(info, ensure_ascii=False), "speech_id": 0, "part": 0, "text": "",
            "placeholder": _PLACEHOLDER}


def speech_rows(doc: DocumentRecord) -> Iterator[dict[str, Any]]:
    """One row per piece of each speech's text, each with the speech's other fields as JSON."""
    for s_ord, speech in enumerate(doc.speeches):
        sid = stable_id("speech", doc.path, doc.sha256, s_ord)
        # every field of the record but its text and chunks (title, date, and whatever else it carries)
        meta = {f.name: getattr(speech, f.name) for f in fields(speech) if f.name not in ("text", "chunks")}
        info = json.dumps({**meta, "ordinal": s_ord}, ensure_ascii=False)
        for part, start in enumerate(range(0, max(len(speech.text), 1), SPEECH_PIECE)):
            yield {"id": stable_id("speech-piece", sid, part), "kind": "speech", "doc_path": doc.path,
                   "doc_sha": doc.sha256, "state": "", "info": info, "speech_id": sid, "part": part,
                   "text": speech.text[start:start + SPEECH_PIECE], "placeholder": _PLACEHOLDER}


def chunk_rows(doc: DocumentRecord, *, lexical_header: bool) -> Iterator[dict[str, Any]]:
    """One row per chunk, in speech order, paired with ``doc.vectors``; SpeechQAError if they disagree."""
    count = sum(len(s.chunks) for s in doc.speeches)
    if doc.vectors.shape[0] != count:
        raise SpeechQAError(f"{doc.path}: {doc.vectors.shape[0]} vectors for {count} chunks")
    vectors = np.asarray(doc.vectors, dtype=np.float32)
    file_norm = normalize(Path(doc.path).name)
    row = 0
    for s_ord, speech in enumerate(doc.speeches):
        sid = stable_id("speech", doc.path, doc.sha256, s_ord)
        date = speech.date or ""
        title_norm = normalize(speech.title)
        for c_ord, chunk in enumerate(speech.chunks):
            # what the local store's BM25 indexes (index/stores/local_write.py): the embed text
            # (title and section path in front) or the bare body
            lex = normalize(chunk.embed_text if lexical_header else chunk.text)
            if max(len(lex.encode("utf-8")), len(chunk.embed_text.encode("utf-8"))) > VARCHAR_MAX:
                raise SpeechQAError(f"{doc.path}: a passage of {len(chunk.text)} characters is longer than Milvus "
                                    "stores in one field; use a smaller chunk size")
            yield {
                "id": stable_id("chunk", doc.path, doc.sha256, s_ord, c_ord), "lex": lex,
                "dense": vectors[row].tolist(), "text": chunk.text, "embed_text": chunk.embed_text,
                "embed_key": embed_key(chunk.embed_text),
                "section": json.dumps(list(chunk.section), ensure_ascii=False),
                "section_norm": normalize(" › ".join(chunk.section)), "title": speech.title,
                "title_norm": title_norm, "doc_path": doc.path, "file_norm": file_norm, "doc_sha": doc.sha256,
                "date": date, "date_end": date + "~" if date else "", "speech_id": sid,
                "start_at": chunk.start, "end_at": chunk.end, "title_derived": speech.title_derived,
                "source_name": speech.source_name, "date_source": speech.date_source or "",
                "pages": json.dumps(list(chunk.pages)),
            }
            row += 1
