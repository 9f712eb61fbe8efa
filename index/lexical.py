"""BM25 over jieba tokens of normalized chunk text, persisted beside the FAISS file.

Dense retrieval misses the exact wording (提法) users type verbatim; BM25 catches it. Tokens
are computed once per chunk when it is stored (jieba runs at ~300k chars/s, too slow to redo
for the whole collection on every change) and the BM25 matrix is rebuilt from those stored
tokens on every write, which takes well under a second at this scale and keeps the index
exactly in step with SQLite without any incremental bookkeeping.

Query time is kept cheap, because every cold ``qa ask`` pays it:

* bm25s (which imports scipy, ~0.45 s) is used only to *build* the matrix. Its precomputed
  per-(document, token) scores are saved as plain CSC arrays and scored here with numpy.
* Questions are not cut with jieba's full dictionary (loading its 350k words takes 0.6-2 s)
  but with a small one saved with the index: the index's vocabulary plus jieba's most common
  words, with their frequencies in the full dictionary and a filler entry that keeps the
  total frequency the same. jieba picks a segmentation by comparing ``log(freq / total)``
  sums, so with the same frequencies and the same total the small dictionary cuts a question
  into the same index tokens as the full one (see ``_dictionary_entries``).
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexCorruptError
from index.normalize import normalize

_IDS_FILE = "ids.npy"
_VOCAB_FILE = "bm25.vocab.json"  # tokens; position = column of the matrix
_ARRAYS = ("data", "indices", "indptr")  # CSC matrix (documents × tokens) of BM25 scores
_DICT_FILE = "jieba.dict"  # a jieba dictionary ("word freq" lines) for cutting questions
#: jieba's most frequent words added to the query dictionary beside the index vocabulary:
#: words a question may use that no passage does still cut the way the full dictionary cuts
#: them, so the words around them do too (top-10 agreement on CMRC questions 0.981 → 0.996).
COMMON_WORDS = 20000
#: Carries the frequency mass of the words left out. jieba never looks it up: characters
#: outside its Han/alphanumeric ranges are not segmented with the dictionary.
_FILLER = "\ue000"

_jieba_lock = threading.Lock()
_jieba: Any = None
_common: dict[str, int] | None = None


def jieba_module() -> Any:
    """jieba with its full dictionary, initialised once and silenced (indexing only)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def _keep_tokens(words: Iterable[str]) -> list[str]:
    """Search tokens among jieba's words: punctuation and whitespace dropped."""
    return [w for w in (w.strip() for w in words) if w and any(c.isalnum() for c in w) and not any(c.isspace() for c in w)]


def tokenize(text: str) -> list[str]:
    """Normalized search tokens of ``text``: jieba's search-mode cut, punctuation dropped.

    Search mode also emits the parts of long compounds (专职党务工作人员 → 专职, 党务, 工作,
    人员, …), so a query that words a compound differently still shares tokens with it.
    This uses the full dictionary and is what chunks are indexed with.
    """
    return _keep_tokens(jieba_module().lcut_for_search(normalize(text)))


def full_cut(text: str) -> list[str]:
    """jieba's precise-mode words of the normalized ``text`` with the full dictionary (no index needed)."""
    return list(jieba_module().lcut(normalize(text)))


def _dictionary_entries(vocab: Iterable[str]) -> dict[str, int]:
    """The query dictionary for an index whose tokens are ``vocab``: word → frequency.

    Words of the vocabulary that jieba's HMM made up (not in its dictionary) are left out on
    purpose: the HMM makes them up from a question the same way; giving them a frequency
    would make the small dictionary cut differently from the full one (measured: top-10
    agreement on CMRC questions drops from 0.98 to 0.93).
    """
    global _common
    jieba = jieba_module()
    freq: dict[str, int] = jieba.dt.FREQ
    if _common is None:
        import heapq

        _common = dict(heapq.nlargest(COMMON_WORDS, ((w, f) for w, f in freq.items() if f), key=lambda wf: wf[1]))
    entries = dict(_common)
    for word in vocab:
        f = freq.get(word)
        if f:
            entries[word] = f
    entries[_FILLER] = max(int(jieba.dt.total) - sum(entries.values()), 1)
    return entries


def _query_tokenizer(entries: Mapping[str, int], dictionary: Path | None) -> Any:
    """A jieba Tokenizer over ``entries``, ready to cut (no dictionary loading, no cache, no log).

    jieba would parse ``dictionary`` itself and cache the result in the temp dir under a name
    derived from the path — one stale file per index generation. Reading a dictionary this
    size and building its prefixes takes ~15-20 ms, no more than loading such a cache
    (marshal, measured 25-40 ms), so it is built here directly: the same prefix dictionary
    ``Tokenizer.gen_pfdict`` makes.
    """
    import jieba

    entries = entries or {_FILLER: 1}  # jieba takes log(total): an empty index still needs one
    prefixes: dict[str, int] = {}
    for word in entries:
        for end in range(1, len(word)):
            prefixes.setdefault(word[:end], 0)
    prefixes.update(entries)
    tokenizer = jieba.Tokenizer(str(dictionary)) if dictionary else jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = prefixes, sum(entries.values()), True
    return tokenizer


def _read_dictionary(path: Path) -> dict[str, int]:
    """``word freq`` lines of a jieba dictionary; ValueError names the file if one is malformed."""
    parts = path.read_text(encoding="utf-8").split()  # faster than parsing line by line
    try:
        if len(parts) % 2:
            raise ValueError("odd number of fields")
        return dict(zip(parts[0::2], map(int, parts[1::2]), strict=True))
    except ValueError as exc:
        raise ValueError(f"{path}: not a jieba dictionary of 'word frequency' lines ({exc})") from None


def _vocab_list(columns: Mapping[str, int], width: int) -> list[str]:
    """bm25s's token → column map as a list; its padding token "" has no column in the matrix."""
    vocab = [""] * width
    for token, column in columns.items():
        if column < width:
            vocab[column] = token
    return vocab


class LexicalIndex:
    """An immutable BM25 index whose row ``i`` is chunk ``ids[i]``.

    ``arrays`` is the CSC score matrix (``data``, ``indices``, ``indptr``: column ``t`` holds
    the BM25 weight of token ``vocab[t]`` in each document containing it) or ``None`` for an
    empty index. The query tokenizer comes from ``entries`` (just built) or ``dictionary``
    (loaded), and is made on first use; with neither, questions are cut with full jieba.
    """

    def __init__(self, ids: np.ndarray, arrays: Mapping[str, np.ndarray] | None = None, vocab: Sequence[str] = (),
                 *, entries: Mapping[str, int] | None = None, dictionary: Path | None = None) -> None:
        self.ids = ids.astype(np.int64)
        self._arrays = dict(arrays) if arrays is not None else None
        self._vocab = list(vocab)
        self._columns = {token: i for i, token in enumerate(self._vocab)}
        # an empty index has no vocabulary to match: its questions need no dictionary either
        self._entries = {} if entries is None and dictionary is None and arrays is None else entries
        self._dictionary = dictionary
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def build(cls, ids: Sequence[int], token_lists: Sequence[Sequence[str]]) -> LexicalIndex:
        """Index ``token_lists[i]`` as chunk ``ids[i]``; an empty collection gives an empty index."""
        if len(ids) != len(token_lists):
            raise ValueError("ids and token_lists differ in length")
        id_array = np.asarray(list(ids), dtype=np.int64)
        if not len(id_array):
            return cls(id_array, entries={})
        if not any(token_lists):  # bm25s fails on a collection without a single token
            empty = {"data": np.zeros(0, np.float32), "indices": np.zeros(0, np.int32), "indptr": np.zeros(1, np.int32)}
            return cls(id_array, empty, [], entries={})
        import bm25s

        retriever = bm25s.BM25()  # Lucene BM25: no non-occurrence term, scores are the matrix sums
        retriever.index([list(t) for t in token_lists], show_progress=False)
        arrays = {name: np.asarray(retriever.scores[name]) for name in _ARRAYS}
        vocab = _vocab_list(retriever.vocab_dict, len(arrays["indptr"]) - 1)
        return cls(id_array, arrays, vocab, entries=_dictionary_entries(vocab))

    def save(self, directory: Path) -> None:
        """Write to ``directory`` via a temporary sibling and one rename (never half-written)."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._arrays is not None:
            for name in _ARRAYS:
                np.save(tmp / f"bm25.{name}.npy", self._arrays[name])
            (tmp / _VOCAB_FILE).write_text(json.dumps(self._vocab, ensure_ascii=False), encoding="utf-8")
            entries = self._entries if self._entries is not None else _dictionary_entries(self._vocab)
            (tmp / _DICT_FILE).write_text("".join(f"{w} {f}\n" for w, f in entries.items()), encoding="utf-8")
        np.save(tmp / _IDS_FILE, self.ids)
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Load what :meth:`save` wrote; raises OSError/ValueError if it is missing or broken."""
        ids = np.load(directory / _IDS_FILE, allow_pickle=False)
        if not len(ids):
            return cls(ids, entries={})
        if not (directory / _VOCAB_FILE).exists() and (directory / "vocab.index.json").exists():
            return cls._load_bm25s(directory, ids)
        arrays = {name: np.load(directory / f"bm25.{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}
        vocab = json.loads((directory / _VOCAB_FILE).read_text(encoding="utf-8"))
        if len(arrays["indptr"]) != len(vocab) + 1 or len(arrays["data"]) != len(arrays["indices"]):
            raise ValueError(f"{directory}: BM25 arrays do not match the vocabulary")
        if not (directory / _DICT_FILE).is_file():
            raise ValueError(f"{directory}: {_DICT_FILE} is missing")
        return cls(ids, arrays, vocab, dictionary=directory / _DICT_FILE)

    @classmethod
    def _load_bm25s(cls, directory: Path, ids: np.ndarray) -> LexicalIndex:
        """An index saved by bm25s itself (before the query dictionary): cut questions with full jieba."""
        arrays = {name: np.load(directory / f"{name}.csc.index.npy", allow_pickle=False) for name in _ARRAYS}
        columns = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        return cls(ids, arrays, _vocab_list(columns, len(arrays["indptr"]) - 1))

    # ----------------------------------------------------------------- questions
    def _query_tokenizer(self) -> Any:
        """The tokenizer questions are cut with; made once, under a lock (threads share the index)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    if self._entries is not None:
                        self._tokenizer = _query_tokenizer(self._entries, None)
                    elif self._dictionary is not None:
                        self._tokenizer = _query_tokenizer(self._read_dictionary(), self._dictionary)
                    else:
                        self._tokenizer = jieba_module().dt
        return self._tokenizer

    def _read_dictionary(self) -> dict[str, int]:
        """The saved query dictionary; read on first use, so damage shows as a user-facing error."""
        assert self._dictionary is not None
        try:
            return _read_dictionary(self._dictionary)
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"the index is damaged ({exc})") from None

    def query_tokens(self, text: str) -> list[str]:
        """Search tokens of a question, as :func:`tokenize` would give, cut with the small dictionary."""
        return _keep_tokens(self._query_tokenizer().lcut_for_search(normalize(text)))

    def cut(self, text: str) -> list[str]:
        """jieba's precise-mode words of the normalized ``text`` (punctuation included), small dictionary."""
        return list(self._query_tokenizer().lcut(normalize(text)))

    def document_frequency(self, tokens: Sequence[str]) -> dict[str, int]:
        """How many rows hold each of ``tokens`` (0 for a token the index does not know)."""
        if self._arrays is None:
            return {t: 0 for t in tokens}
        indptr = self._arrays["indptr"]
        return {t: int(indptr[c + 1] - indptr[c]) if (c := self._columns.get(t)) is not None else 0 for t in tokens}

    # ----------------------------------------------------------------- scoring
    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for ``tokens`` (each distinct known token counted once)."""
        scores = np.zeros(len(self), dtype=np.float32)
        if self._arrays is None:
            return scores
        data, indices, indptr = (self._arrays[name] for name in _ARRAYS)
        for column in dict.fromkeys(self._columns[t] for t in tokens if t and t in self._columns):
            start, end = int(indptr[column]), int(indptr[column + 1])
            scores[indices[start:end]] += data[start:end]  # a column lists each row at most once
        return scores

    def search(self, query: str, k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best chunks for ``query`` as ``(chunk_id, score)``, best first, scores > 0.

        ``allowed_ids`` restricts the candidates (filters); ``None`` means all. A query with
        no token known to the index, or an empty index, returns ``[]``.
        """
        if self._arrays is None or k <= 0:
            return []
        return self.search_tokens(self.query_tokens(query), k, allowed_ids)

    def search_tokens(self, tokens: Sequence[str], k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """Like :meth:`search` for already tokenized queries (the engine may tokenize once)."""
        if self._arrays is None or k <= 0:
            return []
        scores = self.scores(tokens)
        if allowed_ids is not None:
            scores = np.where(np.isin(self.ids, np.fromiter(allowed_ids, dtype=np.int64)), scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in order]
