"""English questions: reading CC-CEDICT backwards and translating a question's content words."""

from __future__ import annotations

from collections.abc import Sequence

from qa.crosslingual import ReverseDictionary, Translation, choose_senses, content_words, translate
from qa.intent import classify

CEDICT = """# CC-CEDICT sample
統一戰線 统一战线 [tong3 yi1 zhan4 xian4] /united front/
統戰 统战 [tong3 zhan4] /united front (abbr. for 統一戰線|统一战线)/
前 前 [qian2] /front/forward/
責任 责任 [ze2 ren4] /responsibility/blame/duty/CL:個|个[ge4]/
職責 职责 [zhi2 ze2] /duty/responsibility/obligation/
現代 现代 [xian4 dai4] /modern times/modern age/
摩登 摩登 [mo2 deng1] /modern (loanword)/fashionable/
麵包 面包 [mian4 bao1] /bread/CL:片[pian4]/
法國 法国 [fa3 guo2] /France/French/
"""
COLLECTION = {"gdp": 7, "统一战线": 3, "统战": 9, "责任": 5, "职责": 2, "现代": 4, "前": 40}


def counts(words: Sequence[str]) -> dict[str, int]:
    return {w: COLLECTION.get(w, 0) for w in words}


def test_reverse_dictionary_reads_glosses_and_skips_references() -> None:
    d = ReverseDictionary.from_cedict(CEDICT)
    assert d.lookup("united front") == ["统一战线", "统战"]
    assert "前" not in d.lookup("front")  # single characters are left out
    assert d.lookup("responsibilities") == ["责任", "职责"]  # by the stem; first senses first
    assert d.lookup("modern") == ["摩登"]
    assert d.lookup_within("modern") == ["现代"]


def test_translation_keeps_words_the_collection_uses_longest_phrase_first() -> None:
    d = ReverseDictionary.from_cedict(CEDICT)
    tr = translate("What responsibilities does the united front carry in modern times?", counts, d)
    words = [w for _, kept in tr.phrases for w in kept]
    assert "统一战线" in words and "统战" in words and "前" not in words
    assert "现代" in words and "摩登" not in words  # 摩登 is never used in the collection
    assert 0 < tr.share < 1  # "carry" found nothing


def test_latin_words_the_collection_uses_stay() -> None:
    d = ReverseDictionary.from_cedict(CEDICT)
    tr = translate("GDP of the united front", counts, d)
    assert tr.text.split() == ["gdp", "统一战线", "统战"] and tr.share == 1.0


def test_off_topic_english_finds_nothing() -> None:
    d = ReverseDictionary.from_cedict(CEDICT)
    tr = translate("How do I bake bread in France?", counts, d)
    assert tr.text == "" and tr.share == 0.0


def test_content_words() -> None:
    assert content_words("The deficit-to-GDP ratio's target") == ["the", "deficit", "to", "gdp", "ratio", "target"]


def test_the_passages_all_senses_find_together_choose_among_them() -> None:
    tr = Translation("中央 中心 中部 任务 统战", (("central", ("中央", "中心", "中部")), ("tasks", ("任务",)),
                                                ("united front", ("统战",))), 1.0, 3, 3)
    passages = ["统战工作要围绕中心任务", "服务中心大局是统战的任务", "党中央的部署"]
    chosen = choose_senses(tr, passages, per_phrase=1)
    assert dict(chosen.phrases) == {"central": ("中心",), "tasks": ("任务",), "united front": ("统战",)}
    assert chosen.text == "中心 任务 统战" and chosen.share == tr.share
    two = choose_senses(tr, passages, per_phrase=2)
    assert dict(two.phrases)["central"] == ("中央", "中心")  # kept in the dictionary's order
    alone = choose_senses(tr, [], per_phrase=1)  # nothing retrieved: the dictionary's order stands
    assert dict(alone.phrases)["central"] == ("中央",) and alone.text == "中央 任务 统战"


def test_an_english_question_naming_a_party_congress_points_to_its_year() -> None:
    assert classify("What does the 19th Party Congress report say about the principal contradiction?").years == (
        "2017",)
    assert classify("What did the 12th National Congress of the CPC set as its goal?").sessions == ("1982-09-01",)
    assert classify("What did the 40th Party Congress say?").years == ()  # no such congress
