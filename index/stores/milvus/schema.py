"""Collection layout of a Milvus index, and the checks that an existing collection is one.

Three collections per index named ``NAME`` (the URI's collection):

* ``NAME`` — the *pointer*: one row holding the manifest (model, fingerprint, chunking, the
  live build). Upserting that row is the single switch-over point of a full build, as the
  SQLite commit is for the local store.
* ``NAME__<build>_chunks`` — one row per chunk: text, the jieba-analyzed lexical text with its
  BM25 sparse vector (Milvus' BM25 function), the dense vector, and every scalar the filters
  and citations need (denormalized: a filter is one expression, no join).
* ``NAME__<build>_docs`` — one row per document (sha256, mtime, state) and per piece of each
  speech's text. Speeches are not chunk fields: a speech (up to ~200 kB) would be repeated on
  each of its chunks and overflows a VARCHAR (65,535 bytes), so it is stored once, in pieces.

A full build writes a new ``<build>`` pair beside the live one and then moves the pointer.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from index.types import Manifest

#: Bump when the layout changes; an index written by another layout is refused with a message.
SCHEMA_VERSION = 2  # 2: chunks carry their pages (paged sources such as PDF)
META_ID = 1
#: Milvus requires a vector field in every collection; the pointer and docs rows carry this one.
PLACEHOLDER_DIM = 2
VARCHAR_MAX = 65535  # bytes
PATH_MAX = 4096
#: BM25 parameters of the local store's bm25s index (Lucene variant, its defaults), for parity.
BM25_K1 = 1.5
BM25_B = 0.75
#: HNSW for a Milvus server: the usual in-memory choice up to ~10M vectors; M=16 and
#: efConstruction=200 are Milvus' documented defaults, and search ef is set per query (store.py).
#: Milvus Lite gets FLAT, exact like the local FAISS IndexFlatIP, so parity is measured on
#: the fusion alone, and a Lite collection is small enough for exact search.
HNSW_PARAMS = {"M": 16, "efConstruction": 200}


def _punctuation() -> list[str]:
    """Punctuation and symbol characters of ASCII, general/CJK punctuation and full-width forms.

    jieba returns them as tokens; the local BM25 drops them (``lexical._keep_tokens``), and so
    must this one. Milvus has a ``removepunct`` filter, Milvus Lite only a stop-word list, so both
    are given (the text is NFKC-normalized first, which folds most full-width forms to ASCII).
    """
    ranges = [(0x21, 0x7E), (0xA1, 0xBF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFE30, 0xFE4F), (0xFF01, 0xFF65)]
    return [chr(c) for lo, hi in ranges for c in range(lo, hi + 1) if unicodedata.category(chr(c))[0] in "PS"]


ANALYZER: dict[str, Any] = {
    "tokenizer": {"type": "jieba", "mode": "search", "hmm": True},
    "filter": ["removepunct", {"type": "stop", "stop_words": _punctuation()}],
}


def build_key(number: int, manifest: Manifest) -> str:
    """Name part of one full build: its number and what its vectors and chunks depend on.

    A rerun of an interrupted build with the same settings resumes the same collections; with
    another model or chunking it starts afresh instead of mixing the two.
    """
    what = "\x1f".join(map(str, (manifest.model, manifest.fingerprint, manifest.dimension, manifest.chunker_version,
                                 manifest.chunk_size, manifest.chunk_overlap, manifest.lexical_header)))
    return f"b{number}_{hashlib.blake2b(what.encode(), digest_size=4).hexdigest()}"


def chunks_name(base: str, key: str) -> str:
    return f"{base}__{key}_chunks"


def docs_name(base: str, key: str) -> str:
    return f"{base}__{key}_docs"


def _varchar(schema: Any, name: str, max_length: int = VARCHAR_MAX, **extra: Any) -> None:
    from pymilvus import DataType

    schema.add_field(name, DataType.VARCHAR, max_length=max_length, **extra)


def create_meta(client: Any, name: str, timeout: float) -> None:
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    _varchar(schema, "manifest")
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong", timeout=timeout)


def create_chunks(client: Any, name: str, dimension: int, *, lite: bool, timeout: float) -> None:
    """The chunk collection (see the module docstring); Strong consistency so a write is read back at once."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    _varchar(schema, "lex", enable_analyzer=True, analyzer_params=ANALYZER)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    for field in ("text", "embed_text", "section", "title"):
        _varchar(schema, field)
    _varchar(schema, "pages", 4096)  # JSON list of page numbers, "[]" when the source has none
    for field in ("title_norm", "section_norm"):
        _varchar(schema, field)
    for field in ("doc_path", "file_norm", "source_name"):
        _varchar(schema, field, PATH_MAX)
    _varchar(schema, "doc_sha", 64)
    _varchar(schema, "date", 16)  # "" when undated
    _varchar(schema, "date_source", 16)  # "" when undated or unknown
    schema.add_field("title_derived", DataType.BOOL)
    _varchar(schema, "date_end", 17)  # date + "~": the end of the period the date names
    for field in ("speech_id", "start_at", "end_at", "embed_key"):
        schema.add_field(field, DataType.INT64)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["lex"], output_field_names=["sparse"]))
    index = client.prepare_index_params()
    if lite:
        index.add_index("dense", index_type="FLAT", metric_type="IP")
    else:
        index.add_index("dense", index_type="HNSW", metric_type="IP", params=HNSW_PARAMS)
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
    for field in ("doc_path", "embed_key", "speech_id"):
        index.add_index(field, index_type="INVERTED")
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong", timeout=timeout)


def create_docs(client: Any, name: str, timeout: float) -> None:
    """Documents (``kind`` "document": sha256, ``state``, ``info`` JSON) and speech text pieces (``kind`` "speech")."""
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    _varchar(schema, "kind", 16)
    _varchar(schema, "doc_path", PATH_MAX)
    _varchar(schema, "doc_sha", 64)
    _varchar(schema, "state", 16)
    _varchar(schema, "info")  # JSON text: document mtime/encoding/dates, or speech title/date
    schema.add_field("speech_id", DataType.INT64)
    schema.add_field("part", DataType.INT64)
    _varchar(schema, "text")
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="IP")
    for field in ("kind", "doc_path", "speech_id"):
        index.add_index(field, index_type="INVERTED")
    client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong", timeout=timeout)


def pointer_row(meta: dict[str, Any]) -> dict[str, Any]:
    """The pointer collection's one row holding ``meta`` (with this layout's version)."""
    record = {**meta, "schema": SCHEMA_VERSION}
    return {"id": META_ID, "manifest": json.dumps(record, ensure_ascii=False), "placeholder": [0.0] * PLACEHOLDER_DIM}


def ensure_loaded(client: Any, name: str, timeout: float) -> None:
    """Load ``name`` into memory if it is not: Milvus searches and queries loaded collections only, and
    a collection is released by a server restart (always on Milvus Lite, which keeps no load state)."""
    if str(client.get_load_state(name, timeout=timeout).get("state")) != "Loaded":
        client.load_collection(name, timeout=timeout)


#: Fields every chunk row is checked for when an index is opened: a collection without them
#: is not ours (or written by an incompatible version).
CHUNK_FIELDS = frozenset({"id", "lex", "sparse", "dense", "text", "embed_text", "section", "title", "doc_path",
                          "doc_sha", "date", "date_end", "speech_id", "start_at", "end_at", "embed_key",
                          "title_norm", "section_norm", "file_norm", "title_derived", "source_name",
                          "date_source"})
META_FIELDS = frozenset({"id", "manifest", "placeholder"})


def field_names(description: dict[str, Any]) -> set[str]:
    return {f["name"] for f in description.get("fields", [])}


def dense_dimension(description: dict[str, Any]) -> int | None:
    for f in description.get("fields", []):
        if f["name"] == "dense":
            return int(f.get("params", {}).get("dim", 0))
    return None
