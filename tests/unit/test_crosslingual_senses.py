"""English questions: which Chinese words a gloss yields (head words, morphology, acronyms) and
which senses the passages nearest the English sentence choose. Fast: a sample dictionary, the
fake encoder and a small real store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from _answer_store import build_store
from _index_fakes import FakeEncoder

import qa.crosslingual as crosslingual
from qa.crosslingual import ReverseDictionary, Translation, choose_senses
from qa.params import DEFAULTS
from qa.query import plan_query

CEDICT = """# CC-CEDICT sample
宣傳 宣传 [xuan1 chuan2] /to disseminate/to give publicity to/propaganda/
公共 公共 [gong1 gong4] /public; common/
處理 处理 [chu3 li3] /to handle; to deal with/
危機 危机 [wei1 ji1] /crisis/
中央 中央 [zhong1 yang1] /central/middle/
中心 中心 [zhong1 xin1] /center; heart; core/
中亞 中亚 [Zhong1 Ya4] /Central Asia/
東北 东北 [dong1 bei3] /northeast/Northeast China/
國內生產總值 国内生产总值 [guo2 nei4 sheng1 chan3 zong3 zhi2] /gross domestic product (GDP)/
哈德遜河 哈德逊河 [Ha1 de2 xun4 He2] /Hudson River (USA)/
黨員 党员 [dang3 yuan2] /party member/
"""


def test_a_word_heading_a_short_gloss_comes_before_its_stem() -> None:
    d = ReverseDictionary.from_cedict(CEDICT)
    # "give publicity to": publicity is the object of the verb 宣传; its stem "public" is another word
    assert d.lookup("publicity") == ["宣传", "公共"]
    # a part of a noun gloss is not a sense of the word: "Central Asia" is about Asia,
    # "Northeast China" a part of it
    assert "中亚" not in d.lookup("central") and "东北" not in d.lookup("china")
    assert d.lookup_within("central") == ["中亚"]  # still there when nothing better is found


def test_english_morphology_finds_the_gloss() -> None:
    d = ReverseDictionary.from_cedict(CEDICT)
    assert d.lookup("handled") == ["处理"]  # -ed of a verb ending in e
    assert d.lookup("crises") == ["危机"]  # -es of a noun in -is
    assert d.lookup("central") == ["中央", "中心"]  # -ral adjective of a noun in -re/-er
    assert d.lookup("party members") == ["党员"]  # a phrase inflects its last word, its head
    assert d.lookup("members party") == []


def test_an_acronym_spelled_out_by_its_gloss_is_a_gloss() -> None:
    d = ReverseDictionary.from_cedict(CEDICT)
    assert d.lookup("gdp") == ["国内生产总值"]
    assert d.lookup("usa") == []  # "(USA)" says where the Hudson is; it does not spell it out


def test_senses_no_passage_uses_are_dropped_beside_one_they_use() -> None:
    tr = Translation("一方 党派 联欢会", (("party", ("一方", "党派", "联欢会")),), 1.0, 1, 1)
    chosen = choose_senses(tr, ["民主党派人士", "各党派团结"], per_phrase=3)
    assert dict(chosen.phrases)["party"] == ("党派",)
    assert dict(choose_senses(tr, [], per_phrase=3).phrases)["party"] == ("一方", "党派", "联欢会")


class _Pointing(FakeEncoder):
    """A fake encoder reading every query as ``meaning``: an English question the model maps
    next to the Chinese passages that say ``meaning``."""

    def __init__(self, meaning: str) -> None:
        super().__init__()
        self.meaning = meaning

    def encode_query(self, text: str) -> np.ndarray:
        return self._vector(self.meaning)


@pytest.fixture
def sample_dictionary() -> Iterator[None]:
    saved = crosslingual._dictionary
    crosslingual._dictionary = ReverseDictionary.from_cedict(CEDICT)
    yield
    crosslingual._dictionary = saved


def test_the_passages_nearest_the_english_sentence_choose_its_senses(tmp_path: Path,
                                                                      sample_dictionary: None) -> None:
    paragraphs = [((), "中央。"), ((), "中央部署。"),
                  ((), "统战工作要紧扣中心大局，围绕中心工作献计出力，服务中心任务。"),
                  ((), "宣传工作要服务中心工作，把握中心大局。"), ((), "组织工作要聚焦中心工作，服务发展大局。")]
    store = build_store(tmp_path / "idx", [("讲话", "2022-01-01", paragraphs)])
    try:
        params = replace(DEFAULTS, translation_words=1, translation_feedback=2, translation_dense_feedback=3)
        question = "What is central?"
        alone = plan_query(question, store, params)  # BM25 alone: the short 中央 passages
        assert alone.translation is not None and dict(alone.translation.phrases)["central"] == ("中央",)
        encoder = _Pointing("中心工作大局")
        plan = plan_query(question, store, params, encoder)
        assert plan.translation is not None and dict(plan.translation.phrases)["central"] == ("中心",)
        assert plan.first_vector is not None and encoder.texts == []  # encoded once, by encode_query
    finally:
        store.close()
