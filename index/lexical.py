"""BM25 over jieba tokens of normalized chunk text, one immutable segment at a time.

Dense retrieval misses the exact wording (提法) users type verbatim; BM25 catches it. Tokens
are cut once per chunk when it is stored (jieba runs at ~300k chars/s): a write makes a segment
of its new chunks only (:mod:`index.bm25` holds the arrays and the scoring), and
:func:`search_segments` scores several segments as one collection, so a write costs time in
proportion to what it adds, not to the index.

Query time is kept cheap, because every cold ``qa ask`` pays it:

* The arrays are memory-mapped and scored with numpy (no bm25s, no scipy: ~0.45 s of imports).
* Questions are not cut with jieba's full dictionary (loading its 350k words takes 0.6-2 s)
  but with a small one saved with the index: the index's vocabulary plus jieba's most common
  words, with their frequencies in the full dictionary and a filler entry that keeps the
  total frequency the same. jieba picks a segmentation by comparing ``log(freq / total)``
  sums, so with the same frequencies and the same total the small dictionary cuts a question
  into the same index tokens as the full one (see ``dictionary_entries``).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.bm25 import Postings, idf
from index.errors import IndexCorruptError
from index.normalize import normalize

_IDS_FILE = "ids.npy"
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
    """jieba with its full dictionary, initialised once (quickly: :mod:`index.jieba_cache`) and silenced."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                from index.jieba_cache import initialize

                jieba.setLogLevel(logging.WARNING)
                initialize(jieba.dt)
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


def dictionary_entries(vocab: Iterable[str], base: Mapping[str, int] | None = None) -> dict[str, int]:
    """The query dictionary for an index whose tokens are ``vocab``: word → frequency.

    ``base`` is an existing query dictionary to extend (a write adds its new words to the
    index's dictionary instead of rebuilding it from every segment's vocabulary).

    Words of the vocabulary that jieba's HMM made up (not in its dictionary) are left out on
    purpose: the HMM makes them up from a question the same way; giving them a frequency
    would make the small dictionary cut differently from the full one (measured: top-10
    agreement on CMRC questions drops from 0.98 to 0.93).
    """
    global _common
    jieba = jieba_module()
    freq: dict[str, int] = jieba.dt.FREQ
    if base is None:
        if _common is None:
            import heapq

            _common = dict(heapq.nlargest(COMMON_WORDS, ((w, f) for w, f in freq.items() if f), key=lambda wf: wf[1]))
        entries = dict(_common)
    else:
        entries = {w: f for w, f in base.items() if w != _FILLER}
    for word in vocab:
        f = freq.get(word)
        if f:
            entries[word] = f
    entries[_FILLER] = max(int(jieba.dt.total) - sum(entries.values()), 1)
    return entries


def _with_prefixes(entries: Mapping[str, int]) -> dict[str, int]:
    """``entries`` plus every prefix of their words at frequency 0: jieba's prefix dictionary
    (what ``Tokenizer.gen_pfdict`` makes). Saved this way, a dictionary loads ready to cut."""
    prefixes: dict[str, int] = {}
    for word in entries:
        for end in range(1, len(word)):
            prefixes.setdefault(word[:end], 0)
    prefixes.update(entries)
    return prefixes


def _query_tokenizer(entries: Mapping[str, int], dictionary: Path | None, *, complete: bool = False) -> Any:
    """A jieba Tokenizer over ``entries``, ready to cut (no dictionary loading, no cache, no log).

    jieba would parse ``dictionary`` itself and cache the result in the temp dir under a name
    derived from the path — one stale file per index generation. The saved dictionary already
    holds every prefix (``complete``), so reading it is all there is to do (~30 ms for the 46k
    entries of a 1M-passage index, against ~110 ms more to rebuild the prefixes each cold start).
    """
    import jieba

    entries = entries or {_FILLER: 1}  # jieba takes log(total): an empty index still needs one
    prefixes = dict(entries) if complete else _with_prefixes(entries)
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


class LexicalIndex:
    """One immutable BM25 segment whose row ``i`` is chunk ``ids[i]``, plus (optionally) the query cutter.

    ``postings`` holds the segment's BM25 matrix (:class:`index.bm25.Postings`). The query
    tokenizer comes from ``entries`` (just built) or ``dictionary`` (a saved jieba dictionary),
    made on first use; with neither, questions are cut with full jieba. The store keeps one
    dictionary for the whole index, in one segment's folder; other segments load without it.
    """

    def __init__(self, ids: np.ndarray, postings: Postings | None = None, *, entries: Mapping[str, int] | None = None,
                 dictionary: Path | None = None, extra: Mapping[str, np.ndarray] | None = None) -> None:
        self.ids = np.asarray(ids, dtype=np.int64) if not isinstance(ids, np.memmap) else ids
        self.postings = postings if postings is not None else Postings.empty(len(self.ids))
        self.extra = dict(extra or {})
        # an empty index has no vocabulary to match: its questions need no dictionary either
        self._entries = {} if entries is None and dictionary is None and postings is None else entries
        self._dictionary = dictionary
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def build(cls, ids: Sequence[int], token_lists: Sequence[Sequence[str]], *, avgdl: float | None = None,
              dictionary: bool = True) -> LexicalIndex:
        """Index ``token_lists[i]`` as chunk ``ids[i]``, normalized with ``avgdl`` (default: their own).

        ``dictionary``: make the query dictionary from this segment's vocabulary (a lone index
        needs it; the store makes one for the whole index instead).
        """
        if len(ids) != len(token_lists):
            raise ValueError("ids and token_lists differ in length")
        postings = Postings.build(token_lists, avgdl)
        entries = dictionary_entries(postings.vocab) if dictionary and len(postings.vocab) else ({} if dictionary else None)
        return cls(np.asarray(list(ids), dtype=np.int64), postings, entries=entries)

    def with_entries(self, entries: Mapping[str, int]) -> LexicalIndex:
        """This segment carrying ``entries`` as the query dictionary (saved with it)."""
        return LexicalIndex(self.ids, self.postings, entries=entries, extra=self.extra)

    def dictionary(self) -> dict[str, int]:
        """The query dictionary this segment carries (word → frequency; empty when it carries none)."""
        if self._entries is not None:
            return dict(self._entries)
        return self._read_dictionary() if self._dictionary is not None else {}

    def save(self, directory: Path) -> None:
        """Write to ``directory`` via a temporary sibling and one rename (never half-written)."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self.postings.save(tmp)
        np.save(tmp / _IDS_FILE, np.asarray(self.ids))
        for name, values in self.extra.items():
            np.save(tmp / f"{name}.npy", np.asarray(values))
        entries = self._entries if self._entries is not None or self._dictionary is None else self._read_dictionary()
        if entries:
            lines = "".join(f"{w} {f}\n" for w, f in _with_prefixes(entries).items())
            (tmp / _DICT_FILE).write_text(lines, encoding="utf-8")
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path, *, dictionary: bool = True, extra: Sequence[str] = ()) -> LexicalIndex:
        """Load what :meth:`save` wrote (arrays memory-mapped); OSError/ValueError if missing or broken.

        ``dictionary``: this folder must carry the query dictionary.
        """
        ids = np.load(directory / _IDS_FILE, mmap_mode="r", allow_pickle=False)
        postings = Postings.load(directory)
        if postings.row_count != len(ids):
            raise ValueError(f"{directory}: {len(ids)} ids for {postings.row_count} BM25 rows")
        arrays = {name: np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in extra}
        has_dict = (directory / _DICT_FILE).is_file()
        if dictionary and len(postings.vocab) and not has_dict:
            raise ValueError(f"{directory}: {_DICT_FILE} is missing")
        return cls(ids, postings, dictionary=directory / _DICT_FILE if dictionary and has_dict else None,
                   entries=None if dictionary and has_dict else {}, extra=arrays)

    # ----------------------------------------------------------------- questions
    def _query_tokenizer(self) -> Any:
        """The tokenizer questions are cut with; made once, under a lock (threads share the index)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    if self._entries is not None:
                        self._tokenizer = _query_tokenizer(self._entries, None)
                    elif self._dictionary is not None:
                        self._tokenizer = _query_tokenizer(self._read_dictionary(), self._dictionary, complete=True)
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

    # ----------------------------------------------------------------- scoring
    def columns(self, tokens: Iterable[str]) -> dict[str, int]:
        """Column of each distinct token this segment knows."""
        found = {t: self.postings.vocab.find(t) for t in dict.fromkeys(tokens) if t}
        return {t: c for t, c in found.items() if c >= 0}

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for ``tokens`` (each distinct known token counted once)."""
        scores = np.zeros(len(self), dtype=np.float32)
        columns = self.columns(tokens)
        lengths = self.postings.column_lengths()
        self.postings.add_scores(scores, {c: float(idf(np.asarray(lengths[c]), len(self))) for c in columns.values()})
        return scores

    def search(self, query: str, k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """The ``k`` best chunks for ``query`` as ``(chunk_id, score)``, best first, scores > 0.

        ``allowed_ids`` restricts the candidates (filters); ``None`` means all. A query with
        no token known to the index, or an empty index, returns ``[]``.
        """
        if not len(self.postings.vocab) or k <= 0:
            return []
        return self.search_tokens(self.query_tokens(query), k, allowed_ids)

    def search_tokens(self, tokens: Sequence[str], k: int, allowed_ids: set[int] | None = None) -> list[tuple[int, float]]:
        """Like :meth:`search` for already tokenized queries (the engine may tokenize once)."""
        mask = None if allowed_ids is None else np.isin(self.ids, np.fromiter(allowed_ids, dtype=np.int64))
        return search_segments([(self, mask)], tokens, k)


#: Tokens found in more than this share of the rows (的, 是, 工作, the titles' words…) are scored
#: only where they can change the top k (MaxScore, as search engines do): see :func:`search_segments`.
#: At 1M passages they are most of the postings a question touches. Chosen on the 1M synthetic
#: index of scripts/bench_scale.py, 45 dev questions, BM25 time p50/p95: all tokens in full
#: 29.6/77.6 ms; share 0.05 35.6/624; 0.2 7.3/43.6; 0.35 7.4/17.5; 0.5 7.7/17.3 (a lower share
#: defers mid-frequency words whose IDF sum lets too many rows through).
COMMON_SHARE = 0.35


def summed_frequency(segments: Sequence[LexicalIndex], columns: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """Rows holding each token (``columns``: each segment's :meth:`LexicalIndex.columns`), summed over
    the segments, removed rows included: the document frequency BM25's IDF uses for the whole index."""
    df: dict[str, int] = {}
    for segment, cols in zip(segments, columns, strict=True):
        indptr = segment.postings.indptr
        for token, c in cols.items():
            df[token] = df.get(token, 0) + int(indptr[c + 1] - indptr[c])
    return df


def search_segments(parts: Sequence[tuple[LexicalIndex, np.ndarray | None]], tokens: Sequence[str],
                    k: int) -> list[tuple[int, float]]:
    """The ``k`` best rows over several segments scored as one collection, ``(chunk id, score)``.

    Each part is a segment and the mask of rows that may be returned (None: all). N and the
    document frequencies are summed over every segment, masked rows included, so a filter or
    a removal does not change the other rows' scores.

    Exact, and fast on big indexes: rows are first scored on the rarer tokens; a common token
    adds less than its IDF to any row (Lucene's tf part is < 1), so only rows whose rare-token
    score plus the common tokens' IDF sum reaches the k-th best rare-token score can make the
    top k, and only those get the common tokens' scores (a binary search per row and token).
    If the k-th best final score does not beat that IDF sum, a row matched by common tokens
    alone could rank, and every row is scored in full.
    """
    if k <= 0:
        return []
    columns = [segment.columns(tokens) for segment, _mask in parts]
    total = sum(len(segment) for segment, _mask in parts)
    df = summed_frequency([segment for segment, _mask in parts], columns)
    weights = {token: float(idf(np.asarray(count), total)) for token, count in df.items()}
    common = {t for t, count in df.items() if count > COMMON_SHARE * total}
    found = _pruned(parts, columns, weights, k, common) if common and len(common) < len(df) else None
    if found is None:
        found = [(-float(sc[r]), p, int(r)) for p, sc in enumerate(_score_parts(parts, columns, weights, set()))
                 if sc is not None for r in _best(sc, k)]
    found.sort()
    return [(int(parts[p][0].ids[r]), -neg) for neg, p, r in found[:k]]


def _score_parts(parts: Sequence[tuple[LexicalIndex, np.ndarray | None]], columns: Sequence[dict[str, int]],
                 weights: Mapping[str, float], skip: set[str]) -> list[np.ndarray | None]:
    """Each part's row scores on every token but those in ``skip`` (masked rows 0; None: no token)."""
    out: list[np.ndarray | None] = []
    for (segment, mask), cols in zip(parts, columns, strict=True):
        wanted = {c: weights[t] for t, c in cols.items() if t not in skip}
        if not wanted:
            out.append(None)
            continue
        scores = np.zeros(len(segment), dtype=np.float32)
        segment.postings.add_scores(scores, wanted)
        if mask is not None:
            scores[~mask] = 0.0
        out.append(scores)
    return out


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` best positive scores (any order)."""
    rows = np.flatnonzero(scores > 0)
    return rows[np.argpartition(-scores[rows], k - 1)[:k]] if len(rows) > k else rows


def _pruned(parts: Sequence[tuple[LexicalIndex, np.ndarray | None]], columns: Sequence[dict[str, int]],
            weights: Mapping[str, float], k: int, common: set[str]) -> list[tuple[float, int, int]] | None:
    """The top ``k`` scored as :func:`search_segments` explains, or None when it cannot be sure."""
    bound = sum(weights[t] for t in common)
    rare = _score_parts(parts, columns, weights, common)
    tops = [sc[_best(sc, k)] for sc in rare if sc is not None]
    best = np.concatenate(tops) if tops else np.zeros(0, np.float32)
    if len(best) < k:
        return None
    kth = float(np.partition(best, len(best) - k)[len(best) - k])
    final: list[tuple[float, int, int]] = []
    for p, scores in enumerate(rare):
        if scores is None:
            continue
        rows = np.flatnonzero((scores > 0) & (scores + np.float32(bound) >= np.float32(kth)))
        segment, cols = parts[p][0], columns[p]
        extra = segment.postings.scores_of(rows, {c: weights[t] for t, c in cols.items() if t in common})
        final += [(-float(v), p, int(r)) for v, r in zip(scores[rows] + extra, rows, strict=True)]
    final.sort()
    return final if len(final) >= k and -final[k - 1][0] > bound else None
