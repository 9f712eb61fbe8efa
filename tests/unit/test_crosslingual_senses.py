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


GLOSSARY = """# a sample of qa/data/glossary_en.tsv
就业\temployment; job
党建\tparty building
赤字率\tdeficit-to-GDP ratio; deficit ratio
三中全会\tthird plenary session; 11th central committee
"""
CEDICT_JOBS = CEDICT + "喬布斯 乔布斯 [Qiao2 bu4 si1] /Jobs (name)/\n本職 本职 [ben3 zhi2] /one's job/\n"


def test_the_domain_glossary_comes_before_the_dictionary_even_through_a_stem() -> None:
    d = ReverseDictionary.from_cedict(CEDICT_JOBS, GLOSSARY)
    # "jobs" is the dictionary's gloss for a name; the glossary's "job" is what a question means
    assert d.lookup("jobs")[0] == "就业"
    assert d.lookup("party building") == ["党建"]
    assert d.lookup("party members") == ["党员"]  # the dictionary still answers where the glossary is silent
    # renderings are read as questions are: hyphens split, case folded
    assert d.lookup("deficit to gdp ratio") == ["赤字率"]
    # a rendering with a number is left out: numbers are never translated
    assert d.lookup("th central committee") == [] and d.lookup("central committee") == []
    assert ReverseDictionary.from_json(d.to_json()).lookup("jobs") == d.lookup("jobs")


def test_derived_nouns_and_phrasal_verbs_find_their_gloss() -> None:
    d = ReverseDictionary.from_cedict(CEDICT + "堅定 坚定 [jian1 ding4] /firm/steadfast/\n"
                                       "改革開放 改革开放 [gai3 ge2 kai1 fang4] /to reform and open up/\n")
    assert d.lookup("firmness") == ["坚定"]  # -ness
    assert d.lookup("reform and opening up") == ["改革开放"]  # the verb of the phrase inflected


def test_numbers_and_ordinals_are_not_words_to_translate() -> None:
    assert crosslingual.content_words("What did the 19th Party Congress say in 2017?") == [
        "what", "did", "the", "party", "congress", "say", "in"]


@pytest.mark.parametrize(("name", "least"), [("glossary_en.tsv", 3000), ("glossary_en_rare.tsv", 6000)])
def test_the_shipped_glossaries_are_packaged_and_well_formed(name: str, least: int) -> None:
    text = crosslingual._glossary(name)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(lines) >= least
    for line in lines:
        word, sep, renderings = line.partition("\t")
        assert sep and len(word) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in word), line
        assert 1 <= len([r for r in renderings.split(";") if r.strip()]) <= 4, line


def test_the_shipped_glossaries_render_the_domain() -> None:
    d = ReverseDictionary.from_cedict("", crosslingual._glossary(), crosslingual._glossary("glossary_en_rare.tsv"))
    assert "党建" in d.lookup("party building") and "粮食" in d.lookup("grain")
    assert "外汇储备" in d.lookup_rare("foreign exchange reserves")


def test_the_rare_glossary_is_asked_only_where_nothing_else_translates() -> None:
    d = ReverseDictionary.from_cedict(CEDICT, "", "疫苗接种\tvaccination\n宣传画\tpublicity; poster\n")
    collection = {"疫苗接种": 2, "宣传": 9, "宣传画": 1}
    tr = crosslingual.translate("publicity and vaccination", lambda ws: {w: collection.get(w, 0) for w in ws}, d)
    assert dict(tr.phrases) == {"publicity": ("宣传",), "vaccination": ("疫苗接种",)}
