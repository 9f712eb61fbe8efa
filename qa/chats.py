"""Conversation persistence: one SQLite file (``settings.chats_path``) of questions and answers.

Each turn stores the question and ``Answer.to_dict()`` as JSON, so a reopened conversation
shows exactly what was answered then (with its citations), even after the index changed.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from qa.errors import QAError
from qa.types import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    answer_json TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns(conversation_id, id);
"""


class ChatStoreError(QAError):
    """The conversations file cannot be opened or written (the message names it)."""


@dataclass(frozen=True)
class ConversationSummary:
    """One row of the conversation list."""

    id: int
    title: str
    created: str
    updated: str
    turns: int


@dataclass(frozen=True)
class Turn:
    """A question and the answer it got."""

    question: str
    answer: Answer


@dataclass(frozen=True)
class Conversation:
    """A reopened conversation, oldest turn first."""

    id: int
    title: str
    created: str
    turns: tuple[Turn, ...]


def _now() -> str:
    return datetime.now().isoformat(timespec="microseconds")


def title_for(question: str, limit: int = 40) -> str:
    """A conversation is named after its first question, shortened for lists."""
    text = " ".join(question.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ChatStore:
    """Conversations in SQLite. Use from one thread (the TUI's event loop)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ChatStoreError(f"{path}: cannot open the conversations file ({exc})") from None

    def close(self) -> None:
        self._db.close()

    def _write(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            with self._db:
                return self._db.execute(sql, args)
        except sqlite3.Error as exc:
            raise ChatStoreError(f"{self.path}: cannot save the conversation ({exc})") from None

    def create(self, title: str) -> int:
        """A new, empty conversation; returns its id."""
        now = _now()
        cur = self._write("INSERT INTO conversations(title, created, updated) VALUES (?, ?, ?)",
                          (title_for(title), now, now))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def add_turn(self, conversation_id: int, question: str, answer: Answer) -> None:
        """Append a turn and touch the conversation's ``updated`` time."""
        now = _now()
        payload = json.dumps(answer.to_dict(), ensure_ascii=False)
        self._write("INSERT INTO turns(conversation_id, question, answer_json, created) VALUES (?, ?, ?, ?)",
                    (conversation_id, question, payload, now))
        self._write("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))

    def list(self) -> list[ConversationSummary]:
        """All conversations, most recently updated first."""
        rows = self._db.execute(
            "SELECT c.id, c.title, c.created, c.updated, COUNT(t.id) FROM conversations c "
            "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id ORDER BY c.updated DESC, c.id DESC"
        ).fetchall()
        return [ConversationSummary(*row) for row in rows]

    def open(self, conversation_id: int) -> Conversation:
        """The conversation with all its turns; ChatStoreError if it does not exist."""
        head = self._db.execute("SELECT id, title, created FROM conversations WHERE id = ?",
                                (conversation_id,)).fetchone()
        if head is None:
            raise ChatStoreError(f"{self.path}: no conversation #{conversation_id}")
        rows = self._db.execute("SELECT question, answer_json FROM turns WHERE conversation_id = ? ORDER BY id",
                                (conversation_id,)).fetchall()
        try:
            turns = tuple(Turn(q, Answer.from_dict(json.loads(a))) for q, a in rows)
        except (ValueError, KeyError, TypeError) as exc:
            raise ChatStoreError(f"{self.path}: conversation #{conversation_id} is damaged ({exc})") from None
        return Conversation(head[0], head[1], head[2], turns)

    def delete(self, conversation_id: int) -> bool:
        """Delete a conversation and its turns; False if there was none."""
        cur = self._write("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cur.rowcount > 0
