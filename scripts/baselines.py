"""Two baselines for the product: BM25-only and dense-only over naive windows of the same files.

Both use the product's encoder and tokenizer, over 300-character windows (50 overlap) of the
cleaned speeches. Their "answer" is the best sentence (the product's sentence scorer) of their
top passage, so answer accuracy compares retrieval plus selection, not retrieval alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.engine import QAEngine
from qa.sentences import SentenceScorer, split_sentences


def windows(text: str, size: int = 300, overlap: int = 50) -> list[str]:
    step = size - overlap
    return [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]


def best_sentence(question: str, passage: str) -> list[str]:
    spans = split_sentences(passage)
    if not spans:
        return []
    sents = [passage[a:b] for a, b in spans]
    scorer = SentenceScorer(question, sents)
    return [sents[max(range(len(sents)), key=scorer.score)]]


class Baselines:
    """BM25 and dense retrieval over naive windows of the cleaned documents."""

    def __init__(self, texts: list[str], engine: QAEngine, cache: Path) -> None:
        import bm25s

        from index.embed import load_passage_encoder, load_query_encoder
        from index.lexical import tokenize

        self.tokenize = tokenize
        self.windows = [w for t in texts for w in windows(t)]
        self.bm25 = bm25s.BM25()
        self.bm25.index([tokenize(w) for w in self.windows], show_progress=False)
        if cache.is_file() and len(np.load(cache)) == len(self.windows):
            self.vectors = np.load(cache)
        else:
            self.vectors = load_passage_encoder(engine.config).encode_passages(
                self.windows, batch_size=engine.settings.batch_size)
            np.save(cache, self.vectors)
        self.query_encoder = load_query_encoder(engine.config)

    def bm25_search(self, q: str, k: int = 10) -> list[str]:
        tokens = self.tokenize(q)
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        order = np.argsort(-scores)[:k]
        return [self.windows[i] for i in order if scores[i] > 0]

    def dense_search(self, q: str, k: int = 10) -> list[str]:
        sims = self.vectors @ self.query_encoder.encode_query(q)
        return [self.windows[i] for i in np.argsort(-sims)[:k]]
