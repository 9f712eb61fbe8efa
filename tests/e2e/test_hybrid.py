"""Hybrid retrieval beats each retriever alone on real cases from the sample speeches."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from index.normalize import to_simplified
from qa.engine import QAEngine

pytestmark = pytest.mark.e2e


def _rank(engine: QAEngine, ids: list[int], needle: str) -> int | None:
    rows = engine.store.chunks_by_ids(ids)
    return next((i + 1 for i, r in enumerate(rows) if needle in r.text), None)


def _dense_rank(engine: QAEngine, question: str, needle: str) -> int | None:
    vec = engine.query_encoder.encode_query(to_simplified(question))
    return _rank(engine, [cid for cid, _ in engine.store.dense_search(vec, 5)], needle)


def _bm25_rank(engine: QAEngine, question: str, needle: str) -> int | None:
    return _rank(engine, [cid for cid, _ in engine.store.lexical_search(question, 5)], needle)


def _hybrid_rank(engine: QAEngine, question: str, needle: str) -> int | None:
    return next((h.rank for h in engine.search(question, top_k=5) if needle in h.text), None)


@pytest.mark.parametrize("phrase", ["应配尽配", "小办公大服务"])
def test_verbatim_phrase_that_dense_misranks(real_engine: QAEngine, phrase: str) -> None:
    """A 提法 typed verbatim: the dense model does not place it first, BM25 does, and so does hybrid."""
    assert _dense_rank(real_engine, phrase, phrase) != 1
    assert _bm25_rank(real_engine, phrase, phrase) == 1
    assert _hybrid_rank(real_engine, phrase, phrase) == 1


def test_paraphrase_that_bm25_misses(real_engine: QAEngine) -> None:
    """The question's wording is not the text's: BM25 ranks the passage low, dense and hybrid first."""
    question, needle = "统一战线工作的主题是什么？", "大团结、大联合的主题"
    assert (_bm25_rank(real_engine, question, needle) or 99) > 1
    assert _dense_rank(real_engine, question, needle) == 1
    assert _hybrid_rank(real_engine, question, needle) == 1


def test_duplicate_paragraph_shows_once_with_other_sources(real_settings, sample_files, tmp_path: Path) -> None:
    """A paragraph reprinted in another speech is one hit, listing the reprint under "also in"."""
    source = sample_files[2]  # 002: 第一… with 一要…
    text = source.read_text(encoding="utf-8")
    paragraph = next(line for line in text.splitlines() if line.startswith("二要筑牢战斗堡垒"))
    reprint = tmp_path / "speeches" / "reprint.txt"
    reprint.parent.mkdir()
    shutil.copy(source, reprint.parent / source.name)
    reprint.write_text("在基层党建工作推进会上的讲话\n同志们：\n今天讲一个问题。\n" + paragraph + "\n谢谢大家。\n", encoding="utf-8")
    engine = QAEngine(replace(real_settings, index_dir=tmp_path / "index"))
    engine.build([reprint.parent])
    hits = engine.search(paragraph[:40], top_k=5)
    holding = [h for h in hits if paragraph[10:30] in h.text]
    assert len(holding) == 1
    assert holding[0].also_in, holding[0]
