"""ChatState: the queue, turn numbers and follow-up context of the chat, without Textual."""

from __future__ import annotations

from qa.chats import Conversation, Turn
from qa.types import Answer
from tui.conversation import ChatState, Pending


def _answer(question: str, resolved: str | None = None) -> Answer:
    return Answer(question=question, sentences=(), hits=(), resolved_question=resolved)


def test_questions_wait_until_ready_then_run_one_at_a_time_in_order() -> None:
    state = ChatState()
    assert state.submit("甲？") == 1 and state.submit("乙？") == 2
    assert state.next_question() is None and state.busy  # engine still loading
    state.ready = True
    assert state.next_question() == Pending(1, "甲？", None)
    assert state.next_question() is None  # one at a time
    state.answered(_answer("甲？"))
    assert state.next_question() == Pending(2, "乙？", "甲？")  # the previous question for follow-ups
    state.failed()
    assert not state.busy and state.next_question() is None


def test_follow_ups_refer_to_the_question_as_it_was_answered() -> None:
    state = ChatState(ready=True)
    state.answered(_answer("那宣传部门呢？", resolved="宣传部门有什么职责"))
    state.submit("还有呢？")
    pending = state.next_question()
    assert pending is not None and pending.previous == "宣传部门有什么职责"


def test_reset_and_reopen_keep_turn_numbers_unique() -> None:
    state = ChatState(ready=True)
    state.submit("甲？")
    state.conversation_id = 7
    state.answered(_answer("甲？"))
    assert state.title() == "甲？"
    state.reset()
    assert state.conversation_id is None and state.answers == [] and state.title() == "conversation"
    saved = Conversation(3, "乙", "2026-01-01", (Turn("乙？", _answer("乙？")), Turn("丙？", _answer("丙？"))))
    assert state.reopen(saved) == [2, 3]
    assert state.conversation_id == 3 and [a.question for a in state.answers] == ["乙？", "丙？"]
    assert state.submit("丁？") == 4
