"""The memory-mapped vocabulary of a BM25 segment: tokens found by binary search over UTF-8 bytes,
which sort as code points do, for every script and across a save and a memory-mapped load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.bm25 import Vocabulary

TOKENS = sorted({"a", "ab", "b", "z", "é", "中", "中国", "中國", "国", "發展", "发展", "𠀀", "💡", "1949", "ｂ"})


@pytest.fixture(params=["built", "loaded"])
def vocab(request: pytest.FixtureRequest, tmp_path: Path) -> Vocabulary:
    built = Vocabulary.of(TOKENS)
    if request.param == "built":
        return built
    built.save(tmp_path)
    loaded = Vocabulary.load(tmp_path)
    assert isinstance(loaded._blob, np.memmap)  # noqa: SLF001 - the mapped case is the one that matters
    return loaded


def test_every_token_is_found_at_its_column(vocab: Vocabulary) -> None:
    assert len(vocab) == len(TOKENS)
    assert [vocab.find(t) for t in TOKENS] == list(range(len(TOKENS)))
    assert [vocab[i] for i in range(len(vocab))] == TOKENS


@pytest.mark.parametrize("missing", ["", "aa", "c", "中华", "国家", "發", "😀", "zz", "\U0010ffff"])
def test_a_missing_token_is_minus_one(vocab: Vocabulary, missing: str) -> None:
    assert vocab.find(missing) == -1


def test_an_empty_vocabulary_finds_nothing() -> None:
    assert Vocabulary.of([]).find("中") == -1
