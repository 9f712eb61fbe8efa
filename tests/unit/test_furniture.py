"""Rights notices, navigation and share bars are dropped as classes, and listed by `inspect`."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.clean import clean_text
from index.furniture import is_navigation, is_notice
from index.inspect import document_to_json
from index.reader import parse_document

SPEECH = ("各位代表：\n\n现在，我代表国务院，向大会报告政府工作，请予审议。\n\n"
          + "过去一年，我国经济社会发展取得新的重大成就，人民生活水平持续提高。" * 8 + "\n\n"
          + "我们要深化行政审批制度改革，修订著作权法，加强知识产权保护，推进依法行政。\n\n"
          + "各位代表！让我们紧密团结起来，为实现全年目标任务而努力奋斗！\n")
# As the wiki appends it: link texts on lines of their own (from corpus_reports).
WIKI_TAIL = ("\n\n\n本作品是中华人民共和国的\n法律\n、\n法规\n，国家机关的决议、决定、命令和其他具有立法、行政、司法性质的"
             "文件，及其官方正式译文。根据《\n中华人民共和国著作权法\n》第五条第一项，本作品不适用于该法，在\n中国大陆\n"
             "，也可能在其他管辖区，属于\n公有领域\n。\n\n注：中文维基文库社群认为，中华人民共和国公务演讲，\n不总是\n"
             "具有立法、行政、司法性质的文件。\n\n\nPublic domain\nPublic domain\nfalse\nfalse\n")
CPC_TAIL = ("\n本作品来自1949年10月1日（含）之后的中国共产党文件。根据《刑事审判参考》指导案例第680号[CPC 1 ]，中国共产党的"
            "中央组织制定的公文，可视为《中华人民共和国著作权法》第五条规定之文件，所以属于公有领域。\n↑\n"
            "《刑事审判参考》2011年第1集，法律出版社出版。\n↑\n据\n2024年社群共识，中央国家机关党组制定的公文，视同“直属机构”制定。\n")


@pytest.mark.parametrize("tail", [WIKI_TAIL, CPC_TAIL])
def test_wiki_licence_tails_are_dropped_and_listed(tmp_path: Path, tail: str) -> None:
    path = tmp_path / "2025年政府工作报告.txt"
    path.write_text("2025年政府工作报告\n\n" + SPEECH + tail, encoding="utf-8")
    doc = parse_document(path)
    text = doc.speeches[0].text
    assert text.endswith("为实现全年目标任务而努力奋斗！")
    assert "修订著作权法" in text  # a speech talking about copyright law is speech
    dropped = document_to_json(doc)["dropped"]
    assert any("公有领域" in d for d in dropped) and len(dropped) >= 3


def test_notice_at_the_top_is_dropped_alone() -> None:
    raw = ("本文转载自某某日报，版权归原作者所有，如有侵权请联系删除。\n\n" + SPEECH)
    cleaned = clean_text(raw)
    assert cleaned.paragraphs[0].text == "各位代表："
    assert cleaned.dropped == ["本文转载自某某日报，版权归原作者所有，如有侵权请联系删除。"]


def test_a_compilation_keeps_the_speeches_after_a_notice() -> None:
    raw = ("第一篇：在甲会议上的讲话\n" + SPEECH + "本文来源于网络，版权归原作者所有。\n"
           + "第二篇：在乙会议上的讲话\n" + SPEECH)
    texts = [p.text for p in clean_text(raw).paragraphs]
    assert "第二篇：在乙会议上的讲话" in texts and "本文来源于网络，版权归原作者所有。" not in texts


@pytest.mark.parametrize(
    "text",
    ["本作品在全世界都属于公有领域，因为作者逝世已经超过100年。", "This work is in the public domain in the United States.",
     "版权所有 © 2021 某某网 保留一切权利", "本站文章均为原创，未经授权禁止转载。", "CC BY-SA 4.0", "Public domain",
     "本页面最后修订于2024年5月1日，文字依据知识共享 署名-相同方式共享 4.0协议授权。"],
)
def test_notices_are_recognised_by_class(text: str) -> None:
    assert is_notice(text)


@pytest.mark.parametrize(
    "text",
    ["加快推进行政许可制度改革，减少审批事项。", "修订著作权法，加强知识产权保护。", "本文件自印发之日起施行，由区委办公室负责解释。",
     "本届政府把依法行政作为基本准则，严格执行行政许可法。"],
)
def test_speech_about_rights_is_not_a_notice(text: str) -> None:
    assert not is_notice(text)


@pytest.mark.parametrize(
    "line",
    ["当前位置：首页 > 领导讲话 > 正文", "首页 > 新闻中心 > 讲话", "首页 | 机构概况 | 新闻动态 | 政务公开",
     "首页  新闻  专题  互动", "分享到：微信 微博 QQ空间", "【打印本页】【关闭窗口】", "【字体：大 中 小】", "↑", "↑ 返回顶部"],
)
def test_navigation_and_share_bars(line: str) -> None:
    assert is_navigation(line)


@pytest.mark.parametrize(
    "line",
    ["卡尔·海因里希·马克思", "单位\t人数\t备注", "胸怀“两个大局” 心系“国之大者”", "一、坚持以人民为中心", "大中小学", "中小",
     "同志们：", "2021年5月21日"],
)
def test_text_is_not_navigation(line: str) -> None:
    assert not is_navigation(line)
