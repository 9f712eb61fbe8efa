"""ChatStore: conversations survive a reopen of the SQLite file; answers round-trip exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.chats import ChatStore, ChatStoreError, title_for
from qa.errors import QAError
from qa.types import Answer, AnswerSentence, Hit

TEXT = (Path(__file__).resolve().parents[1] / "data" / "002_34cb7f9ba8abacee.txt").read_text(encoding="utf-8")


def _answer(question: str, resolved: str | None = None) -> Answer:
    start = TEXT.index("严格落实意识形态工作责任制")
    chunk_start, chunk_end = start - 20, start + 60
    hit = Hit(rank=1, score=0.8, chunk_id=7, doc_path="tests/data/002.txt", title="在全区组织宣传统战工作会议上的讲话",
              date="2022-02-15", section=("第二", "二要把牢意识形态"), text=TEXT[chunk_start:chunk_end],
              start=chunk_start, end=chunk_end, also_in=("另一篇讲话",), highlights=((20, 33),))
    sentence = AnswerSentence(text=TEXT[start:start + 13], cite=1, chunk_id=7, start=start, end=start + 13)
    return Answer(question=question, sentences=(sentence,), hits=(hit,), resolved_question=resolved, seconds=0.25)


def test_turns_round_trip_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "chats.sqlite"
    store = ChatStore(path)
    cid = store.create("怎样把意识形态工作责任制落到实处？")
    first, second = _answer("怎样把意识形态工作责任制落到实处？"), _answer("那宣传部门呢？", "宣传部门有什么职责")
    store.add_turn(cid, first.question, first)
    store.add_turn(cid, second.question, second)
    store.close()

    again = ChatStore(path)
    [summary] = again.list()
    assert (summary.id, summary.turns, summary.title) == (cid, 2, "怎样把意识形态工作责任制落到实处？")
    conversation = again.open(cid)
    assert [t.answer for t in conversation.turns] == [first, second]  # frozen dataclasses: tuples restored
    assert conversation.turns[1].answer.hits[0].citation() == "在全区组织宣传统战工作会议上的讲话 (2022-02-15) › 第二 › 二要把牢意识形态"


def test_list_is_most_recent_first_and_delete_cascades(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "c.sqlite")
    old = store.create("old")
    new = store.create("new")
    store.add_turn(old, "q", _answer("q"))  # touching "old" makes it the most recent
    assert [c.id for c in store.list()] == [old, new]
    assert store.delete(old) is True
    assert store.delete(old) is False
    assert [c.id for c in store.list()] == [new]
    assert store._db.execute("SELECT COUNT(*) FROM turns").fetchone() == (0,)
    with pytest.raises(ChatStoreError, match=f"no conversation #{old}"):
        store.open(old)


def test_unusable_path_is_a_qa_error_naming_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(QAError, match=str(blocker)):
        ChatStore(blocker / "chats.sqlite")


def test_damaged_turn_is_reported(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "c.sqlite")
    cid = store.create("q")
    store.add_turn(cid, "q", _answer("q"))
    store._db.execute("UPDATE turns SET answer_json = '{\"bad\": 1}'")
    with pytest.raises(ChatStoreError, match="damaged"):
        store.open(cid)


def test_answer_from_dict_is_the_inverse_of_to_dict() -> None:
    answer = _answer("q", "resolved")
    assert Answer.from_dict(answer.to_dict()) == answer


def test_titles_are_shortened_for_lists() -> None:
    assert title_for("短问题") == "短问题"
    long = title_for("长" * 60)
    assert len(long) == 40 and long.endswith("…")
