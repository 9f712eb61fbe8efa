"""BM25 over jieba tokens: exact wording, traditional characters, filters, persistence, the fast query path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index.lexical import LexicalIndex, tokenize
from index.normalize import normalize
from qa.errors import IndexCorruptError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


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


# ------------------------------------------------------------- fast query path
SEEDS = [json.loads(line)["q"] for line in (DATA / "seeds_dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
QUERIES = [*SEEDS, "机关专职党务工作人员按什么比例配备", "機關專職黨務工作人員", "严格落实意识形态工作责任制", "党建 ２０２１年"]


def _known(index: LexicalIndex, tokens: list[str]) -> list[str]:
    return list(index.columns(tokens))


def test_scores_equal_bm25s(tmp_path: Path, paragraphs: list[str], lexical: LexicalIndex) -> None:
    """The numpy scoring of the saved matrix gives bm25s's own scores."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([tokenize(p) for p in paragraphs], show_progress=False)
    lexical.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    checked = 0
    for query in QUERIES:
        known = _known(lexical, tokenize(query))
        if known:  # bm25s cannot score a query without a known token; ours gives zeros
            expected = retriever.get_scores(known)
            np.testing.assert_allclose(lexical.scores(known), expected, rtol=0, atol=1e-5)
            np.testing.assert_allclose(loaded.scores(known), expected, rtol=0, atol=1e-5)
            checked += 1
        else:
            assert not lexical.scores(tokenize(query)).any()
    assert checked >= len(QUERIES) - 2


def test_small_dictionary_cuts_questions_like_full_jieba(tmp_path: Path, lexical: LexicalIndex) -> None:
    """Same index tokens and results as with jieba's full dictionary; precise-mode words agree too.

    A precise-mode word of the full dictionary that no passage uses (安全感 in this speech)
    may come out in parts: only the words the index knows must be the same.
    """
    import jieba

    lexical.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    identical = 0
    for query in QUERIES:
        assert _known(loaded, loaded.query_tokens(query)) == _known(lexical, tokenize(query)), query
        assert loaded.search(query, 10) == lexical.search_tokens(tokenize(query), 10), query
        full, small = jieba.lcut(normalize(query)), loaded.cut(query)
        assert "".join(small) == normalize(query) and set(_known(loaded, full)) <= set(small), query
        identical += full == small
    assert identical >= len(QUERIES) - 3


def test_cut_is_precise_mode(lexical: LexicalIndex) -> None:
    words = lexical.cut("機關專職黨務工作人員按什麼比例配備？")
    assert "".join(words) == "机关专职党务工作人员按什么比例配备?"
    assert len(words) == len(set(words)) and "比例" in words  # search mode would repeat sub-words


def test_saved_dictionary_is_a_jieba_dictionary(tmp_path: Path, lexical: LexicalIndex) -> None:
    """jieba itself can load the file, with the full dictionary's total frequency."""
    import jieba

    from index.lexical import jieba_module

    lexical.save(tmp_path / "lex")
    own = jieba.Tokenizer(str(tmp_path / "lex" / "jieba.dict"))
    own.tmp_dir = str(tmp_path)  # keep jieba's cache out of the shared temp dir
    own.initialize()
    assert own.total == jieba_module().dt.total
    loaded = LexicalIndex.load(tmp_path / "lex")
    for query in QUERIES:
        assert own.lcut_for_search(normalize(query)) == loaded._query_tokenizer().lcut_for_search(normalize(query))


def test_query_side_loads_neither_bm25s_nor_the_full_dictionary(tmp_path: Path, lexical: LexicalIndex) -> None:
    """A fresh process answers from the saved index fast and silently (what a cold `qa ask` pays)."""
    lexical.save(tmp_path / "lex")
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from index.lexical import LexicalIndex
        index = LexicalIndex.load(Path({str(tmp_path / "lex")!r}))
        start = time.perf_counter()
        hits = index.search("机关专职党务工作人员按什么比例配备", 3)
        first = time.perf_counter() - start
        assert hits and index.cut("党务工作")
        import jieba
        print(sorted(m for m in ("bm25s", "scipy") if m in sys.modules), jieba.dt.initialized, first < 2.0)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "False", "True"] and done.stderr == ""


def test_first_use_from_many_threads(tmp_path: Path, lexical: LexicalIndex) -> None:
    lexical.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    barrier = threading.Barrier(6)

    def ask(query: str) -> tuple[list[tuple[int, float]], int]:
        barrier.wait()
        return loaded.search(query, 5), id(loaded._query_tokenizer())

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(ask, QUERIES[:6]))
    assert len({tokenizer for _, tokenizer in results}) == 1
    assert [hits for hits, _ in results] == [lexical.search(q, 5) for q in QUERIES[:6]]


def test_damaged_dictionary_is_a_user_error(tmp_path: Path, lexical: LexicalIndex) -> None:
    lexical.save(tmp_path / "lex")
    (tmp_path / "lex" / "jieba.dict").write_text("党建 多\n", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="jieba.dict"):
        LexicalIndex.load(tmp_path / "lex").search("党建", 5)
    (tmp_path / "lex" / "jieba.dict").unlink()
    with pytest.raises(ValueError, match="jieba.dict"):
        LexicalIndex.load(tmp_path / "lex")


def test_collection_without_any_token_round_trips(tmp_path: Path) -> None:
    index = LexicalIndex.build([1, 2], [[], []])
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert len(loaded) == 2 and loaded.search("党建", 5) == [] and loaded.cut("党建") == index.cut("党建")
