"""index.jieba_cache: jieba's dictionary read from jieba's own cache in one go, cutting exactly as jieba does.

The BM25 index stores tokens cut at write time, so a loader that changed one cut would make
existing indexes disagree with new writes: every test compares against jieba's own
``initialize()`` on the same dictionary.
"""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

import jieba
import pytest

from index import jieba_cache
from index.normalize import normalize

REPORTS = Path(__file__).resolve().parents[1] / "data_reports"
WORDS = {"中华人民共和国": 30, "中华": 20, "人民": 40, "共和国": 25, "国务院": 30, "政府": 50, "工作": 60,
         "报告": 45, "政府工作报告": 12, "经济": 50, "增长": 30, "目标": 35}


def _dictionary(folder: Path, words: dict[str, int]) -> Path:
    path = folder / "dict.txt"
    path.write_text("".join(f"{w} {f}\n" for w, f in words.items()), encoding="utf-8")
    return path


def _tokenizer(dictionary: Path | None, tmp_dir: Path | None) -> Any:
    tok = jieba.Tokenizer(str(dictionary)) if dictionary else jieba.Tokenizer()
    tok.tmp_dir = str(tmp_dir) if tmp_dir else None
    return tok


def _cuts(tok: Any, text: str) -> tuple[list[str], list[str]]:
    text = normalize(text)
    return tok.lcut_for_search(text), tok.lcut(text)


@pytest.fixture(autouse=True)
def _quiet() -> None:
    jieba.setLogLevel(60)


def test_default_dictionary_cuts_real_reports_exactly_as_jieba() -> None:
    """The full dictionary through the fast path equals jieba's: same FREQ, same total, same cuts of real reports."""
    ours, theirs = jieba.Tokenizer(), jieba.Tokenizer()
    theirs.initialize()  # builds the cache in the temp dir first if there is none
    assert jieba_cache.cache_path(theirs).is_file()
    jieba_cache.initialize(ours)
    assert ours.initialized and ours.total == theirs.total and ours.FREQ == theirs.FREQ
    reports = sorted(REPORTS.glob("*.txt"))
    assert reports
    for path in reports:
        text = path.read_text(encoding="utf-8")[:20000]
        assert _cuts(ours, text) == _cuts(theirs, text), path.name


def test_cache_is_written_once_then_read_without_rebuilding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dictionary = _dictionary(tmp_path, WORDS)
    first = _tokenizer(dictionary, tmp_path)
    jieba_cache.initialize(first)  # no cache yet: jieba builds the dictionary and writes the cache
    cache = jieba_cache.cache_path(first)
    assert cache.is_file()
    written = cache.stat().st_mtime_ns

    def no_rebuild(*_a: Any) -> None:
        raise AssertionError("the dictionary was rebuilt although the cache is valid")

    monkeypatch.setattr(jieba.Tokenizer, "gen_pfdict", no_rebuild)
    monkeypatch.setattr(jieba.Tokenizer, "initialize", no_rebuild)
    second = _tokenizer(dictionary, tmp_path)
    jieba_cache.initialize(second)
    assert second.initialized and second.FREQ == first.FREQ and second.total == sum(WORDS.values())
    assert cache.stat().st_mtime_ns == written
    assert second.lcut("政府工作报告提出经济增长目标") == first.lcut("政府工作报告提出经济增长目标")


def test_changed_dictionary_is_rebuilt_not_read_from_the_stale_cache(tmp_path: Path) -> None:
    dictionary = _dictionary(tmp_path, WORDS)
    jieba_cache.initialize(_tokenizer(dictionary, tmp_path))
    cache = jieba_cache.cache_path(_tokenizer(dictionary, tmp_path))
    _dictionary(tmp_path, WORDS | {"经济增长目标": 500})
    later = cache.stat().st_mtime + 5
    os.utime(dictionary, (later, later))  # the edit is newer than the cache, as an edit after a load is
    ours, theirs = _tokenizer(dictionary, tmp_path), _tokenizer(dictionary, tmp_path)
    jieba_cache.initialize(ours)
    assert "经济增长目标" in ours.lcut("提出经济增长目标")
    theirs.initialize()
    assert ours.FREQ == theirs.FREQ and ours.total == theirs.total


@pytest.mark.parametrize("damage", ["truncated", "empty", "wrong_type", "garbage"])
def test_damaged_cache_falls_back_to_jieba_and_cuts_the_same(tmp_path: Path, damage: str) -> None:
    dictionary = _dictionary(tmp_path, WORDS)
    good = _tokenizer(dictionary, tmp_path)
    jieba_cache.initialize(good)
    cache = jieba_cache.cache_path(good)
    data = cache.read_bytes()
    cache.write_bytes({"truncated": data[: len(data) // 2], "empty": b"",
                       "wrong_type": marshal.dumps(["not", "a", "dictionary"]),
                       "garbage": b"\xff\x00 not marshal"}[damage])
    later = os.path.getmtime(dictionary) + 5
    os.utime(cache, (later, later))  # still newer than the dictionary: only its content is wrong
    again = _tokenizer(dictionary, tmp_path)
    jieba_cache.initialize(again)
    assert again.initialized and again.FREQ == good.FREQ and again.total == good.total
    assert again.lcut_for_search("中华人民共和国国务院政府工作报告") == good.lcut_for_search("中华人民共和国国务院政府工作报告")
    assert marshal.loads(cache.read_bytes()) == (good.FREQ, good.total)  # jieba rewrote a sound cache


def test_initialized_tokenizer_is_left_alone(tmp_path: Path) -> None:
    tok = _tokenizer(_dictionary(tmp_path, WORDS), tmp_path)
    tok.FREQ, tok.total, tok.initialized = {"政府": 1}, 1, True
    jieba_cache.initialize(tok)
    assert tok.FREQ == {"政府": 1} and not jieba_cache.cache_path(tok).exists()
