"""Where a speech's date comes from, and the user's speeches.toml that overrides it."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from _corpus import corpus_file
from hypothesis import given
from hypothesis import strategies as st

from index.dating import Dating, date_from_file_name, date_in_lines, date_in_title, date_of_speech
from index.reader import document_fingerprint, parse_document
from qa.errors import ReadError


@pytest.mark.parametrize(("lines", "iso"), [
    (["政府工作报告", "——2024年3月5日在第十四届全国人民代表大会第二次会议上"], "2024-03-05"),
    (["（2017年10月18日）"], "2017-10-18"),
    (["（2020年5月28日第十三届全国人民代表大会第三次会议通过）"], "2020-05-28"),
    (["2021年是党的百年华诞。"], None),  # a sentence naming a year is no date line
])
def test_date_in_lines(lines: list[str], iso: str | None) -> None:
    assert date_in_lines(lines) == iso


@pytest.mark.parametrize(("title", "iso"), [
    ("2024年中华人民共和国国务院政府工作报告", "2024"),
    ("２０２４年政府工作报告", "2024"),
    ("在2012年3月9日全区党建工作会议上的讲话", "2012-03-09"),
    ("政府工作报告", None),
])
def test_date_in_title(title: str, iso: str | None) -> None:
    assert date_in_title(title) == iso


def test_sources_in_order_of_reliability() -> None:
    venue = "——2024年3月5日在第十四届全国人民代表大会第二次会议上"
    assert date_of_speech("2023年政府工作报告", [venue], [venue]) == Dating("2024-03-05", "text")
    assert date_of_speech("2023年政府工作报告", ["第十四届全国人民代表大会第二次会议"], []) == Dating("2023", "title")
    assert date_of_speech("关于政府工作报告的决议", ["第十四届全国人民代表大会第二次会议"], []) == Dating("2024", "session")
    # a session named in the body is not the speech's own
    assert date_of_speech("政府工作报告", [], ["从去年第五届全国人民代表大会第三次会议到现在"]) == Dating()


@pytest.mark.parametrize(("name", "dating"), [
    ("1954_政府工作报告.txt", Dating("1954", "filename")),
    ("report-2019.txt", Dating("2019", "filename")),
    ("cpc07_論聯合政府_(七大).txt", Dating("1945-04-23", "session")),
    ("000_c0f0e0639e4e2127.txt", Dating()),
    ("20191231.txt", Dating()),
])
def test_date_from_file_name(name: str, dating: Dating) -> None:
    assert date_from_file_name(name) == dating


@given(st.text("abcdef", min_size=1, max_size=6), st.integers(1900, 2099), st.text("abcdef0123456789", max_size=6))
def test_hash_like_names_give_no_year(prefix: str, year: int, suffix: str) -> None:
    """A year glued to letters or digits is part of a hash or a number, not a date."""
    assert date_from_file_name(f"{prefix}{year}{suffix}.txt").date is None


# ------------------------------------------------------------------ speeches.toml
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for prefix in ("001", "002"):
        shutil.copy(corpus_file(prefix), tmp_path)
    return tmp_path


def _toml(folder: Path, text: str) -> None:
    (folder / "speeches.toml").write_text(text, encoding="utf-8")


def test_user_title_and_date_win(folder: Path) -> None:
    _toml(folder, '["002_34cb7f9ba8abacee.txt"]\ntitle = "在全区组织宣传统战工作会议上的讲话"\ndate = 2022-02-15\n')
    (speech,) = parse_document(folder / "002_34cb7f9ba8abacee.txt").speeches
    assert (speech.title, speech.title_derived, speech.date, speech.date_source) == (
        "在全区组织宣传统战工作会议上的讲话", False, "2022-02-15", "user")


def test_compilation_speeches_are_set_by_number(folder: Path) -> None:
    _toml(folder, '["001_2db0e6606ab9e04e.txt"]\ndate = "2020"\n["001_2db0e6606ab9e04e.txt".3]\n'
                  'title = "第三篇"\ndate = "2005-03"\n')
    speeches = parse_document(folder / "001_2db0e6606ab9e04e.txt").speeches
    assert [s.date for s in speeches] == ["2020", "2020", "2005-03", "2020", "2020"]
    assert speeches[2].title == "第三篇" and {s.date_source for s in speeches} == {"user"}
    assert speeches[1].title == "在全区党建工作会议上的讲话"


@pytest.mark.parametrize(("text", "message"), [
    ('["002_34cb7f9ba8abacee.txt"\ntitle = "x"\n', "not valid TOML"),
    ('["002_34cb7f9ba8abacee.txt"]\ndate = "2022-13-01"\n', "is not a date"),
    ('["002_34cb7f9ba8abacee.txt"]\nspeaker = "x"\n', "unknown key 'speaker'"),
    ('["002_34cb7f9ba8abacee.txt"]\ntitle = ""\n', "title must be non-empty"),
    ('["001_2db0e6606ab9e04e.txt"]\ntitle = "x"\n', "set it per speech"),
    ('["001_2db0e6606ab9e04e.txt".9]\ndate = "2020"\n', "holds 5 speech"),
])
def test_bad_metadata_is_a_clear_error_naming_the_file(folder: Path, text: str, message: str) -> None:
    _toml(folder, text)
    target = folder / ("001_2db0e6606ab9e04e.txt" if "001_" in text else "002_34cb7f9ba8abacee.txt")
    with pytest.raises(ReadError, match=message) as caught:
        parse_document(target)
    assert "speeches.toml" in str(caught.value)


def test_fingerprint_follows_the_entry(folder: Path) -> None:
    path = folder / "002_34cb7f9ba8abacee.txt"
    plain = hashlib.sha256(path.read_bytes()).hexdigest()
    assert document_fingerprint(path) == plain  # no speeches.toml: old indexes stay valid
    _toml(folder, '["001_2db0e6606ab9e04e.txt"]\ndate = "2020"\n')
    assert document_fingerprint(path) == plain  # another file's entry
    _toml(folder, '["002_34cb7f9ba8abacee.txt"]\ndate = "2020"\n')
    first = document_fingerprint(path)
    _toml(folder, '["002_34cb7f9ba8abacee.txt"]\ndate = "2021"\n')
    assert len({plain, first, document_fingerprint(path)}) == 3
