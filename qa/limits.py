"""The longest question the engine answers in full, and how a longer one is cut.

A 5,000-character question (a pasted paragraph) took 10 s with no word of why: the query
encoder's time grows with the question's tokens. Cutting it keeps answers within a second
and says so.
"""

from __future__ import annotations

import re

#: Characters of a question that are searched. Almost all the time of a long question is the query
#: encoder (cProfile: 2.4 of 2.7 s for 1,000 characters), and it grows with the tokens:
#: ``python -m scripts.bench_long_question`` on the sample index, load ~11 on this 2-core machine,
#: timed a 500-character question at 8-10x a 50-character one (1.2-1.8 s vs 0.15-0.17 s), 1,000 at
#: ~20x, 5,000 at ~95x (16 s). A short question takes 23-35 ms on the machine unloaded (README),
#: so 500 characters answer in ~0.3 s there; with the cut, 1,000-5,000 characters took 8-10x too.
#: 500 characters are 291-362 e5 tokens, inside the 512 the model was trained on; 1,000 are
#: 606-694, beyond it (timed with --no-limit for the uncut figures). No question of the eval sets
#: (/work/shared/eval: seeds, reports, CMRC, DRCD; 4,540 questions) is longer than 88 characters.
MAX_QUESTION_CHARS = 500
#: A cut goes back to the last sentence end when one lies in the last half of the allowed text.
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")


def cut_question(question: str) -> tuple[str, str | None]:
    """``(question searched, notice)``: the question itself and None, or its first part and why."""
    text = question.strip()
    if len(text) <= MAX_QUESTION_CHARS:
        return question, None
    head = text[:MAX_QUESTION_CHARS]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= MAX_QUESTION_CHARS // 2:
        head = head[: ends[-1]]
    notice = (f"问题太长（{len(text):,} 字），只按前 {len(head):,} 字检索。The question is {len(text):,} characters "
              f"long; only its first {len(head):,} were searched (the limit is {MAX_QUESTION_CHARS:,}).")
    return head, notice


__all__ = ["MAX_QUESTION_CHARS", "cut_question"]
