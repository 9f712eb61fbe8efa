"""English questions: reading CC-CEDICT backwards and translating a question's content words."""

from __future__ import annotations

from collections.abc import Sequence

from qa.crosslingual import ReverseDictionary, content_words, translate

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
