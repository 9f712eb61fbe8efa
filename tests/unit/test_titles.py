"""Title blocks (main title, subtitle, venue line) and titles derived from a speech's opening."""

from __future__ import annotations

import pytest
from _corpus import parsed
from hypothesis import given
from hypothesis import strategies as st

from index.clean import clean_text
from index.derive import derive_title
from index.split import split_speeches
from index.titleblock import DERIVED_MARK, VenueLine, display_title, parse_venue_line, pick_title


@pytest.mark.parametrize(("line", "expected"), [
    ("——2024年3月5日在第十四届全国人民代表大会第二次会议上", VenueLine("第十四届全国人民代表大会第二次会议", "2024-03-05")),
    ("——在中国共产党第十九次全国代表大会上的报告", VenueLine("中国共产党第十九次全国代表大会", None)),
    ("1957年6月26日在第一届全国人民代表大会第四次会議上", VenueLine("第一届全国人民代表大会第四次会議", "1957-06-26")),
    ("（2020年5月28日第十三届全国人民代表大会第三次会议通过）", VenueLine("第十三届全国人民代表大会第三次会议", "2020-05-28")),
    ("——在全市组织工作会议上的讲话（摘要）", VenueLine("全市组织工作会议", None)),
    ("—— 二〇一二年三月九日在全区党建工作会议上", VenueLine("全区党建工作会议", "2012-03-09")),
])
def test_venue_lines(line: str, expected: VenueLine) -> None:
    assert parse_venue_line(line) == expected


@pytest.mark.parametrize("line", [
    "在全区党建工作会议上的讲话",  # a speech title: no dash, no date
    "——改革开放迈出重大步伐。一些重点领域和关键环节的改革取得新突破",  # a dash-led list item
    "（2017年10月18日）",  # a date line, not a venue
    "——2024年13月5日在第十四届全国人民代表大会第二次会议上",  # no such month
    "2021年，我们在全国人民代表大会上",  # a sentence
])
def test_not_venue_lines(line: str) -> None:
    assert parse_venue_line(line) is None


@given(st.integers(1950, 2099), st.integers(1, 12), st.integers(1, 28),
       st.text(alphabet="全国人民代表大会第十四届二次会议市区县组织工作", min_size=2, max_size=20),
       st.sampled_from(["——", "—", ""]), st.sampled_from(["上", "上的讲话", "上的报告"]))
def test_venue_line_round_trip(year: int, month: int, day: int, meeting: str, dash: str, tail: str) -> None:
    """Any dated venue line gives back its meeting and its date, with or without the dash."""
    parsed_line = parse_venue_line(f"{dash}{year}年{month}月{day}日在{meeting}{tail}")
    assert parsed_line == VenueLine(meeting, f"{year:04d}-{month:02d}-{day:02d}")


def _title_of(lines: list[str], blanks: list[bool] | None = None) -> tuple[str | None, str | None, set[int]]:
    venue_at = next((i for i, x in enumerate(lines) if parse_venue_line(x)), None)
    candidates = [i for i, x in enumerate(lines) if parse_venue_line(x) is None and not x.startswith("（")]
    choice = pick_title(lines, blanks or [True] * len(lines), candidates, venue_at)
    return choice.title, choice.subtitle, set(choice.used)


def test_congress_block_title_is_main_plus_subtitle() -> None:
    lines = ["决胜全面建成小康社会", "为夺取新时代中国特色社会主义伟大胜利",
             "——在中国共产党第十九次全国代表大会上的报告", "（2017年10月18日）"]
    assert _title_of(lines) == ("决胜全面建成小康社会 为夺取新时代中国特色社会主义伟大胜利",
                                "为夺取新时代中国特色社会主义伟大胜利", {0, 1})


def test_repeated_title_broken_mid_word_is_consumed_not_added() -> None:
    lines = ["2017年中华人民共和国国务院政府工作报告", "政府工作报", "告",
             "——2017年3月5日在第十二届全国人民代表大会第五次会议上"]
    assert _title_of(lines) == ("2017年中华人民共和国国务院政府工作报告", None, {0, 1, 2})


def test_without_venue_a_speech_title_takes_no_subtitle() -> None:
    """A speaker's name under "在…上的讲话" is no subtitle; a two-line headline still joins."""
    assert _title_of(["在全区党建工作会议上的讲话", "张三"], [True, False]) == (
        "在全区党建工作会议上的讲话", None, {0})
    assert _title_of(["胸怀两个大局", "奋力书写新篇章"], [True, False]) == (
        "胸怀两个大局 奋力书写新篇章", "奋力书写新篇章", {0, 1})
    assert _title_of(["胸怀两个大局", "奋力书写新篇章"], [True, True])[0] == "胸怀两个大局"


def test_title_with_comma_is_not_glued_to_its_venue_line() -> None:
    """The cleaner keeps a venue line apart, so the title is not read as one long sentence."""
    raw = "全面建设小康社会，开创新局面\n——在中国共产党第十六次全国代表大会上的报告\n同志们：\n现在开会。"
    draft, = split_speeches(clean_text(raw).paragraphs, "f", [])
    assert (draft.title, draft.venue, draft.title_derived) == (
        "全面建设小康社会，开创新局面", "中国共产党第十六次全国代表大会", False)


@pytest.mark.parametrize(("opening", "title"), [
    (["同志们：", "今天下午，我们合并召开组织、宣传、统战工作会议，主要任务是部署工作。"],
     "在组织、宣传、统战工作会议上的讲话"),
    (["这次会议是区委反复酝酿的一次重要会议，既是一次学先进、找差距的阶段性总结交流会。"], "在阶段性总结交流会上的讲话"),
    (["今天，区委召开会议，按照省市委组织、政法工作会议的部署要求，总结工作。"], "在组织、政法工作会议上的讲话"),
    (["我们召开今天的这次全区社区党建工作会议，是对过去一年的回头看。"], "在全区社区党建工作会议上的讲话"),
    (["今天，我们在这里召开会议。", "下面我讲三点意见。"], None),  # no meeting named
    (["这次会议是一次重要会议。"], None),  # nothing says what it is about
    (["各位代表：", "现在，我代表国务院向大会作报告。"], None),
])
def test_derive_title(opening: list[str], title: str | None) -> None:
    assert derive_title(opening) == title


@given(st.lists(st.sampled_from(["组织", "宣传", "统战", "政法", "纪检", "机关党建", "乡村振兴"]),
                min_size=1, max_size=4, unique=True),
       st.sampled_from(["召开", "举行", "合并召开"]), st.sampled_from(["工作会议", "推进会", "大会"]))
def test_derived_title_names_the_convened_meeting(topics: list[str], verb: str, kind: str) -> None:
    name = "、".join(topics) + kind
    opening = ["同志们：", f"今天，我们{verb}{name}，按照省委宣传工作会议的部署，总结去年工作。"]
    assert derive_title(opening) == f"在{name}上的讲话"


@pytest.mark.parametrize(("prefix", "title"), [
    ("000", "在组织、宣传、统战、政法工作会议上的讲话"),
    ("002", "在组织、宣传、统战工作会议上的讲话"),
    ("004", "在阶段性总结交流会上的讲话"),
])
def test_untitled_samples_get_derived_titles(prefix: str, title: str) -> None:
    (speech,) = parsed(prefix).speeches
    assert (speech.title, speech.title_derived) == (title, True)
    assert speech.source_name.startswith(prefix) and speech.source_name.endswith(".txt")
    assert display_title(speech.title, speech.title_derived) == f"{DERIVED_MARK} {title}"


def test_title_lines_still_win() -> None:
    for prefix in ("001", "003"):
        assert not any(s.title_derived for s in parsed(prefix).speeches)


def test_no_meeting_named_falls_back_to_the_file_name_marked_derived() -> None:
    draft, = split_speeches(clean_text("同志们：\n下面，我讲三点意见。\n一、统一思想。").paragraphs, "abc_123", [])
    assert (draft.title, draft.title_derived) == ("abc_123", True)
