"""Data for ``scripts/bench_scale.py``: real speech folders up to 10k passages, synthetic beyond.

* **Real** (≤ 10k passages): files of ``shared/corpus_reports`` (88 reports, 4,965 passages),
  then *variants* of them until the target is reached: the title line gets a suffix and every
  paragraph's sentences are rotated by one, so each variant passage has a new embed text (the
  indexer would otherwise reuse the original's vector) while keeping real wording and length.
* **Synthetic** (> 10k): documents of 10 passages built from a *seed* (the passages and vectors
  of the real 10k index). Each passage takes a real passage's sentences, replaces about a third
  of them with random real sentences and shuffles them; its vector is the real passage's
  vector moved by ``NOISE`` × the difference of two other real vectors, renormalized, so it
  stays inside the span and clusters of real e5 vectors (isotropic noise would not). Titles,
  sections and dates are the base passage's, titles numbered. So text length, vocabulary,
  sentence statistics and vector geometry are those of real passages; nothing needs the model.
* :func:`memo_tokenize` cuts text with the real tokenizer one sentence at a time and remembers
  each sentence: jieba cuts at punctuation anyway, so the tokens are the same as for the whole
  text, and a 1M-passage synthetic build does not spend 20 minutes re-cutting the same sentences.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.document import embed_text
from index.types import ChunkRecord, DocumentRecord, SpeechRecord

CHUNKS_PER_DOC = 10
#: Vector perturbation scale, chosen on the reports corpus's e5 vectors: a synthetic vector keeps
#: cosine ≈ 0.98 with its base passage's, and its nearest synthetic neighbour (among 2,000) is at
#: 0.94 on average, against 0.97 for a real passage's nearest real neighbour.
NOISE = 0.5
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def _rotate(paragraph: str) -> str:
    parts = _sentences(paragraph)
    return "".join(parts[1:] + parts[:1]) if len(parts) > 1 else paragraph


def variant_text(raw: str, copy: int) -> str:
    """A real file's text as copy ``copy``: title line suffixed, each paragraph's sentences rotated."""
    first, _, rest = raw.partition("\n")
    body = "\n".join(_rotate(line) for line in rest.split("\n"))
    return f"{first.rstrip()}（汇编本{copy}）\n{body}"


def passage_count(file: Path) -> int:
    from index.chunker import chunk_document
    from index.reader import parse_document

    return sum(len(s.chunks) for s in chunk_document(parse_document(file)).speeches)


def real_corpus(source: Path, target: int, folder: Path) -> int:
    """Fill ``folder`` with real files (then variants) until it holds ≥ ``target`` passages."""
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in source.iterdir() if p.suffix == ".txt")
    counts = {f: passage_count(f) for f in files}
    total, copy = 0, 0
    while total < target:
        for file in files:
            if total >= target:
                break
            raw = file.read_text(encoding="utf-8")
            name = file.name if copy == 0 else f"{file.stem}.v{copy}{file.suffix}"
            (folder / name).write_text(raw if copy == 0 else variant_text(raw, copy), encoding="utf-8")
            total += counts[file]
        copy += 1
    return total


def extra_speech(source: Path, folder: Path, passages: int = 10, seed: int = 7, run: str = "") -> Path:
    """A new speech file of exactly ``passages`` passages of real sentences (for ``qa index add``).

    ``run`` goes into the title, which every passage's embedded text starts with: an index
    keeps the vectors of recently removed passages and reuses them, so without a new title an
    add measured again on the same index would embed nothing."""
    rng = np.random.default_rng(seed)
    pool = [s for f in sorted(source.glob("*.txt")) for s in _sentences(f.read_text(encoding="utf-8"))
            if 20 <= len(s.strip()) <= 120]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "基准增补讲话.txt"
    paragraphs: list[str] = []
    while True:
        paragraphs.append("".join(pool[i].strip() for i in rng.choice(len(pool), 4, replace=False)))
        path.write_text(f"在基准测试增补会议{run}上的讲话\n（2025年1月1日）\n\n" + "\n\n".join(paragraphs) + "\n",
                        encoding="utf-8")
        if passage_count(path) >= passages:
            return path


@dataclass(frozen=True)
class Seed:
    """Real passages and their vectors, the material synthetic documents are made of."""

    texts: list[str]
    sections: list[tuple[str, ...]]
    titles: list[str]
    dates: list[str | None]
    vectors: np.ndarray

    def save(self, folder: Path) -> None:
        np.save(folder / "seed.vectors.npy", self.vectors)
        rows = {"texts": self.texts, "sections": self.sections, "titles": self.titles, "dates": self.dates}
        (folder / "seed.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Seed:
        rows = json.loads((folder / "seed.json").read_text(encoding="utf-8"))
        return cls(rows["texts"], [tuple(s) for s in rows["sections"]], rows["titles"], rows["dates"],
                   np.load(folder / "seed.vectors.npy"))


def seed_from_index(index_dir: Path, models_dir: Path) -> Seed:
    """Every passage and vector of a real index, read through the Store interface."""
    from index.config import IndexConfig
    from index.stores import open_store

    store = open_store(IndexConfig(index_path=index_dir, models_dir=models_dir))
    try:
        rows = store.chunks_by_ids(range(1, 4 * store.chunk_count() + 10))  # ids are 1.. with gaps
        vectors = store.vectors([r.chunk_id for r in rows])
    finally:
        store.close()
    return Seed([r.text for r in rows], [r.section for r in rows], [r.title for r in rows],
                [r.date for r in rows], vectors.astype(np.float32))


def synthetic_documents(seed: Seed, total: int, batch: int, rng_seed: int = 12) -> Iterator[list[DocumentRecord]]:
    """``total`` synthetic passages as documents of :data:`CHUNKS_PER_DOC`, in lists of ≈ ``batch`` passages."""
    rng = np.random.default_rng(rng_seed)
    pool = [s for t in seed.texts for s in _sentences(t)]
    n = len(seed.texts)
    out: list[DocumentRecord] = []
    in_batch = 0
    for start in range(0, total, CHUNKS_PER_DOC):
        count = min(CHUNKS_PER_DOC, total - start)
        base = int(rng.integers(n))
        texts, chunks, vecs = [], [], []
        pos = 0
        title = f"{seed.titles[base]}（合成{start // CHUNKS_PER_DOC}）"
        for j in range(count):
            b = (base + j) % n
            parts = _sentences(seed.texts[b]) or [seed.texts[b]]
            for i in range(len(parts)):
                if rng.random() < 0.33:
                    parts[i] = pool[int(rng.integers(len(pool)))]
            rng.shuffle(parts)  # type: ignore[arg-type]
            text = "".join(parts).strip() or "。"
            chunks.append(ChunkRecord(seed.sections[b], text, pos, pos + len(text),
                                      embed_text(title, seed.sections[b], text)))
            texts.append(text)
            pos += len(text) + 1
            c, d = rng.integers(n, size=2)
            v = seed.vectors[b] + NOISE * (seed.vectors[c] - seed.vectors[d])
            vecs.append(v / np.linalg.norm(v))
        body = "\n".join(texts)
        speech = SpeechRecord(title, seed.dates[base], body, tuple(chunks), source_name=f"synthetic-{start}.txt")
        path = f"/synthetic/{start // 100000:04d}/doc-{start:08d}.txt"
        out.append(DocumentRecord(path, hashlib.sha256(body.encode()).hexdigest(), 0.0, "utf-8", (speech,),
                                  np.asarray(vecs, dtype=np.float32)))
        in_batch += count
        if in_batch >= batch:
            yield out
            out, in_batch = [], 0
    if out:
        yield out


_memo: dict[str, list[str]] = {}


def memo_tokenize(text: str) -> list[str]:
    """Tokens of ``text`` as :func:`index.lexical.tokenize` gives, one remembered sentence at a time."""
    from index.lexical import tokenize

    out: list[str] = []
    for part in _SENTENCE_END.split(text):
        if part:
            tokens = _memo.get(part)
            if tokens is None:
                tokens = _memo[part] = tokenize(part)
            out += tokens
    return out
