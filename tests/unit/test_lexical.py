"""BM25 over jieba tokens: exact wording, traditional characters, filters, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.lexical import LexicalIndex, lexical_text, tokenize
from index.normalize import normalize

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    """Every non-empty line of a real speech: many passages on overlapping party-building topics."""
    text = (DATA / "001_2db0e6606ab9e04e.txt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line.strip()]


@pytest.fixture(scope="module")
def lexical(paragraphs: list[str]) -> LexicalIndex:
    return LexicalIndex.build([100 + i for i in range(len(paragraphs))], [tokenize(p) for p in paragraphs])


def _id_of(paragraphs: list[str], phrase: str) -> int:
    (index,) = [i for i, p in enumerate(paragraphs) if phrase in p]
    return 100 + index


def test_normalize_folds_width_case_and_traditional() -> None:
    assert normalize("機關黨建ＡＢＣ１２３") == "机关党建abc123"
    assert normalize("") == ""


def test_tokenize_drops_punctuation_and_splits_compounds() -> None:
    tokens = tokenize("机关专职党务工作人员，按“比例”配备！")
    assert "，" not in tokens and "“" not in tokens and "！" not in tokens
    assert {"党务", "工作", "人员", "比例", "配备"} <= set(tokens)


def test_exact_phrase_ranks_its_passage_first(lexical: LexicalIndex, paragraphs: list[str]) -> None:
    expected = _id_of(paragraphs, "百分之一至百分之二的比例")
    hits = lexical.search("机关专职党务工作人员按什么比例配备", 5)
    assert hits[0][0] == expected
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert len(hits) == 5 and all(s > 0 for _, s in hits)


def test_traditional_query_matches_simplified_text(lexical: LexicalIndex, paragraphs: list[str]) -> None:
    expected = _id_of(paragraphs, "百分之一至百分之二的比例")
    assert lexical.search("機關專職黨務工作人員按什麼比例配備？", 3)[0][0] == expected


def test_allowed_ids_restrict_results(lexical: LexicalIndex, paragraphs: list[str]) -> None:
    best = _id_of(paragraphs, "百分之一至百分之二的比例")
    hits = lexical.search("机关专职党务工作人员", 10, allowed_ids={best + 1, best + 2})
    assert {cid for cid, _ in hits} <= {best + 1, best + 2}
    assert lexical.search("机关专职党务工作人员", 10, allowed_ids=set()) == []


@pytest.mark.parametrize("query", ["", "   ", "？！。", "qwzx zzyq"])
def test_query_without_known_tokens_returns_nothing(lexical: LexicalIndex, query: str) -> None:
    assert lexical.search(query, 5) == []


def test_empty_index_searches_and_round_trips(tmp_path: Path) -> None:
    empty = LexicalIndex.build([], [])
    assert len(empty) == 0 and empty.search("党建", 5) == []
    empty.save(tmp_path / "lex")
    assert LexicalIndex.load(tmp_path / "lex").search("党建", 5) == []


def test_save_and_load_give_the_same_results(tmp_path: Path, lexical: LexicalIndex) -> None:
    target = tmp_path / "lex"
    LexicalIndex.build([1], [["旧"]]).save(target)  # saving over an existing folder replaces it
    lexical.save(target)
    loaded = LexicalIndex.load(target)
    query = "严格落实意识形态工作责任制"
    assert loaded.search(query, 5) == lexical.search(query, 5)
    assert not (tmp_path / "lex.tmp").exists()


def test_chunk_without_tokens_is_indexed_but_never_found() -> None:
    index = LexicalIndex.build([1, 2], [[], ["党建"]])
    assert index.search("党建", 5) == [(2, pytest.approx(index.search("党建", 5)[0][1]))]


def test_lexical_text_header_is_optional() -> None:
    assert lexical_text("标题", ("一、总体要求",), "正文", header=False) == "正文"
    with_header = lexical_text("标题", ("一、总体要求",), "正文", header=True)
    assert "标题" in with_header and "一、总体要求" in with_header and with_header.endswith("正文")
