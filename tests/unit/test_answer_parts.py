"""Sentence splitting, matching, fusion and duplicate folding on real speech text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.normalize import normalize_same_length
from qa.fusion import fold_duplicates, rrf, score_fusion
from qa.sentences import SentenceScorer, match_spans, query_terms, split_sentences

DATA = Path(__file__).resolve().parents[1] / "data"


def test_sentences_of_real_speech_cover_the_text() -> None:
    text = (DATA / "002_34cb7f9ba8abacee.txt").read_text(encoding="utf-8")
    spans = split_sentences(text)
    assert len(spans) > 50
    # every non-space character is in exactly one sentence
    joined = "".join(text[a:b] for a, b in spans)
    assert "".join(joined.split()) == "".join(text.split())
    for a, b in spans:
        piece = text[a:b]
        assert piece.strip() == piece and piece
    # a closing quote stays with its sentence
    quoted = "他说：“要做好工作。”然后散会。"
    assert [quoted[a:b] for a, b in split_sentences(quoted)] == ["他说：“要做好工作。”", "然后散会。"]


@given(st.text())
def test_split_sentences_spans_are_ordered_and_inside(text: str) -> None:
    last = 0
    for a, b in split_sentences(text):
        assert last <= a < b <= len(text)
        last = b


@given(st.text())
def test_normalize_same_length_keeps_length(text: str) -> None:
    assert len(normalize_same_length(text)) == len(text)


def test_traditional_question_terms_match_simplified_text() -> None:
    terms = query_terms("社區黨建為什麼要更加注重服務？")
    assert {"社区", "党建", "服务"} <= set(terms)
    assert "为什么" not in terms
    text = "服务是社区党建工作的生命线"
    spans = match_spans(text, terms)
    assert [text[a:b] for a, b in spans] == ["服务", "社区党建"]


def test_scorer_prefers_the_sentence_with_rare_question_words() -> None:
    sents = ["今年是我们党统一战线政策提出100周年，全区统一战线工作要深入学习。",
             "要始终坚持统一战线大团结、大联合的主题。",
             "统一战线工作要服务大局。"]
    scorer = SentenceScorer("统一战线工作的主题是什么？", sents)
    scores = [scorer.score(i) for i in range(len(sents))]
    assert max(range(3), key=scores.__getitem__) == 1


def test_heading_context_counts_half() -> None:
    sents = ["要大力弘扬“事不过夜、马上就办”的作风。", "其他工作也要推进。"]
    plain = SentenceScorer("抓落实的作风要求", sents)
    with_ctx = SentenceScorer("抓落实的作风要求", sents, ["四要转变作风促落实", "五要加强学习"])
    assert with_ctx.score(0) > plain.score(0)
    assert with_ctx.score(1) == plain.score(1)


def test_rrf_rewards_agreement() -> None:
    fused = rrf([[(1, 0.9), (2, 0.8), (3, 0.7)], [(3, 9.0), (2, 5.0), (4, 1.0)]])
    assert [cid for cid, _ in fused] == [3, 2, 1, 4]  # 1/63+1/61 > 2/62


def test_fold_duplicates_keeps_first_and_lists_absorbed() -> None:
    para = "要始终坚持统一战线大团结、大联合的主题,有效整合各类社会资源,把一切可以团结的力量凝聚起来。"
    texts = {1: para, 2: "另一段完全不同的文字，讲的是宣传思想工作。", 3: "前言。" + para}
    assert fold_duplicates([1, 2, 3], texts) == [(1, [3]), (2, [])]


def test_score_fusion_keeps_dense_margin_and_adds_bm25() -> None:
    dense = {1: 0.90, 2: 0.80, 3: 0.85}
    fused = dict(score_fusion(dense, {2: 10.0, 3: 5.0}, alpha=0.7))
    assert fused[1] == pytest.approx(0.7)
    assert fused[2] == pytest.approx(0.3)
    assert fused[3] == pytest.approx(0.7 * 0.5 + 0.3 * 0.5)
    assert score_fusion({}, {1: 3.0}, 0.7) == []
