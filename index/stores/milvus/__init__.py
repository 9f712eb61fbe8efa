"""The Milvus store: the same index as the local FAISS + SQLite one, in a Milvus server or Milvus Lite.

Reached only through :mod:`index.stores` (open_store, writer_lock, discard, store_status).
Nothing here imports pymilvus at import time: the client is imported when a store is opened.
"""
