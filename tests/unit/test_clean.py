"""Boilerplate removal and line rejoining: general rules, checked on synthetic and real pages."""

from __future__ import annotations

import re

import pytest
from _corpus import FILES, parsed

from index.clean import clean_text

FURNITURE = [
    "http://www.example.com/images/logo.png",
    "www.example.com/a/b.html",
    "![图片](https://img.example.com/1.jpg)",
    "[1][2][3]下一页",
    "上一页 1 2 3 下一页",
    "第 2 页 共 5 页",
    "- 3 -",
    "如若转载,请注明出处:https://www.example.com/1.html",
    "本文链接：https://example.com/x",
    "上一篇：关于加强作风建设的意见",
    "分享到：微信 微博 QQ",
    "↑ TOP",
    "返回顶部",
    "Copyright © 2008-2024 某某网 All Rights Reserved",
    "京ICP备12345678号-1",
    "京公网安备 11010802020000号",
    "阅读量：1234",
    "加载中...",
    "下载某某讲话稿[精选3篇]word格式文档",
    "将本文档下载到自己电脑,方便修改和收藏。",
    "文档为docx格式",
    "时间:2021-02-05 15:20:15下载本文作者:会员上传",
    "简介:某某文库小编为你整理了多篇相关的《讲话》。",
    "声明:本文内容由互联网用户自发贡献自行上传,本网站不拥有所有权。",
    "来源：某某日报",
    "扫一扫关注公众号",
]
BODY = "同志们：\n今天召开会议，主要任务是总结去年工作、部署今年任务，动员全区上下提振精神。\n一、抓好组织建设。要选好干部，建强班子。"
CORPUS_FURNITURE = re.compile(
    r"https?://|下载|版权所有|ICP|相关范文推荐|预览阅读已结束|\[\d\]|下一页|分享到|点击量|如若转载|等待处理"
    r"|上篇|下篇|TOP|©|公网安备|mooonya|格式|声明:|简介:|写写帮|大全5篇"
)


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_line_is_dropped(line: str) -> None:
    result = clean_text(f"{BODY}\n{line}\n二、抓好作风建设。要真抓实干。")
    assert [p.text for p in result.paragraphs][-1] == "二、抓好作风建设。要真抓实干。"
    assert line.strip() in result.dropped
    assert all(line not in p.text for p in result.paragraphs)


@pytest.mark.parametrize(
    "marker", ["相关范文推荐", "相关文章", "猜你喜欢", "预览阅读已结束,若您需要全文请联系。"]
)
def test_tail_after_marker_is_dropped(marker: str) -> None:
    result = clean_text(f"{BODY}\n{marker}\n在全区工作会议上的讲话\n同志们:春节刚过,我们就召开大会。")
    assert result.paragraphs[-1].text == "一、抓好组织建设。要选好干部，建强班子。"
    assert result.dropped[-3:] == [marker, "在全区工作会议上的讲话", "同志们:春节刚过,我们就召开大会。"]


def test_tail_marker_at_the_top_does_not_cut_everything() -> None:
    result = clean_text(f"相关文章\n{BODY}")
    assert len(result.paragraphs) == 3


def test_trailing_fragments_are_cut_but_sentence_kept() -> None:
    result = clean_text("努力形成党建工作的强大合力。公务员之家版权所有\n2021/5/21   点击量:276413")
    assert [p.text for p in result.paragraphs] == ["努力形成党建工作的强大合力。", "2021/5/21"]
    assert result.dropped == ["公务员之家版权所有", "点击量:276413"]


def test_teaser_repeating_a_later_paragraph_is_dropped() -> None:
    body = "5月18日,全区组织工作会议召开。会议深入学习贯彻有关精神,研究部署重点工作任务。"
    result = clean_text(f"{body[:25]}\n标题行\n\n{body}")
    assert [p.text for p in result.paragraphs] == ["标题行", body]
    assert result.dropped == [body[:25]]


@pytest.mark.parametrize(
    ("raw", "joined"),
    [
        ("要结合我县\n\n(区)实际,研究制定实施意见。", "要结合我县(区)实际,研究制定实施意见。"),
        ("要把配备情况,作为年度考\n\n核的重要内容。", "要把配备情况,作为年度考核的重要内容。"),
        ("也要对照通报\n\n主动举一反三,认真查摆整改问题。", None),
        (
            "没有被巡察的单位,也要对照通报\n\n主动举一反三,认真查摆整改问题。",
            "没有被巡察的单位,也要对照通报主动举一反三,认真查摆整改问题。",
        ),
        ("In short, we use the\nword here.", "In short, we use the word here."),
    ],
)
def test_broken_lines_are_rejoined(raw: str, joined: str | None) -> None:
    texts = [p.text for p in clean_text(raw).paragraphs]
    assert texts == ([joined] if joined else raw.replace("\n\n", "\n").split("\n"))


@pytest.mark.parametrize(
    "nxt",
    [
        "一、抓好组织建设",
        "(一)要抓好政治建设。",
        "第二篇:在全区工作会议上的讲话",
        "同志们:",
        "2012年3月9日",
        "1、配强班子。",
    ],
)
def test_no_join_before_a_boundary(nxt: str) -> None:
    texts = [p.text for p in clean_text(f"要结合实际,认真抓好\n{nxt}").paragraphs]
    assert texts == ["要结合实际,认真抓好", nxt]


def test_headings_and_titles_are_not_joined() -> None:
    raw = "在全区党建工作会议上的讲话\n\n同志们:\n\n一、坚持更高标准提高质量\n\n党的建设历来与党的历史任务紧密相连。"
    assert len(clean_text(raw).paragraphs) == 4


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
def test_corpus_chunks_hold_no_furniture(path) -> None:
    for speech in parsed(path.name[:3]).speeches:
        for chunk in speech.chunks:
            assert not CORPUS_FURNITURE.search(chunk.text), chunk.text[:80]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name[:3])
def test_corpus_text_is_kept_verbatim(path) -> None:
    """Every cleaned paragraph is a run of the file's own lines, punctuation untouched."""
    raw = "".join(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    for speech in parsed(path.name[:3]).speeches:
        for para in speech.text.split("\n"):
            assert para in raw, para[:60]


def test_corpus_broken_lines_rejoined_and_furniture_reported() -> None:
    doc = parsed("001")
    first = doc.speeches[0].text
    assert (
        "要结合我县(区)实际" in first
        and "年度考核的重要内容" in first
        and "县(区)×××局、县(区)×××院" in first
    )
    assert "大家要特别注意克服厌烦情绪。" in doc.speeches[4].text
    assert doc.speeches[2].text.endswith("突出以诚信为")  # truncated page: kept, not glued to part four
    for line in ["[1][2]下一页", "公务员之家版权所有", "相关范文推荐", "文档为doc格式"]:
        assert line in doc.dropped
    assert parsed("004").dropped == ["预览阅读已结束,若您需要全文或代笔。", "请点击👉 mooonya 👈联系老师"]
    assert "如若转载,请注明出处:https://www.haowenren.com/50664.html" in parsed("000").dropped
    assert len(parsed("003").dropped) == 12
