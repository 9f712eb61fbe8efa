"""Whether a sentence states a reason: what a why-question asks for.

A why-question is answered by the sentence giving the cause or the purpose, not by the one that
best repeats the question's words (which in a speech is often the claim itself, or a measure).
Chinese marks a reason overtly, with a small closed set of connectives. The set here follows the
grammars' account of complex sentences (复句): causal (因果复句: 因为, 由于, 之所以…是因为, 既然,
因此/所以/因而), purposive (目的复句: 为了, 以便, 以免, 为的是) and necessary-condition (条件复句:
只有…才) — Huang Borong & Liao Xudong, 《现代汉语》 (增订六版), ch. 6 复句; Liu Yuehua et al.,
《实用现代汉语语法》 (3rd ed.), 复句 chapter — plus the copular ways a speech states a ground:
"X在于Y", "原因是", "目的是", "X是Y的前提/基础/保证/关键/根本" ("理论上的清醒是政治上的坚定的前提"),
and the causative verbs (致使动词: 导致, 致使, 造成, 迫使, 使得; 出于) that put the cause in the
subject ("汉朝军事压力迫使高句丽迁都"). The list is kept small and general: every marker is a
grammatical word, none a topic word. Lookbehinds keep out the homographs 成为了 / 作为了 (为了
inside 成为/作为) and 存在于 (在于 inside 存在); "是…的基础" must close its clause, so "他是北京大学的
基础医学教授" is no ground.

A sentence that *opens* with a resultative connective (因此, 所以, 因而, 故而) draws its
consequence from the sentence before it: that earlier sentence is the reason. :func:`reason_flags`
marks both.

Matching runs on the normalized text (NFKC, traditional folded to simplified), so 因為/由於 count
too, and full-width punctuation reads as ASCII (，→,).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.normalize import normalize_same_length

#: Markers that make a sentence state a cause, a purpose or a ground (see the module docstring).
_REASON = re.compile(
    r"因为|由于|之所以|既然|缘故|原因|理由|(?<![成作称变化认])为了|为的是|以便|以免|目的(?:是|在于)|旨在"
    r"|(?<![存])在于|只有[^。!?;]{1,40}才|因此|所以|因而|故而|从而|导致|致使|造成|迫使|使得|出于"
    r"|是[^。!?;,]{1,40}的(?:前提|基础|保证|保障|关键|根本|根基|条件)(?=[和与、,。!?;]|$)")
#: A sentence opening with a resultative connective: the reason is the sentence before.
_RESULT_OPENING = re.compile(r"^[\s“”\"'（(]*(?:因此|所以|因而|故而|正因为如此|正因如此|为此)")


def states_reason(sentence: str) -> bool:
    """Whether ``sentence`` states a cause, a purpose or a ground (any script)."""
    return bool(_REASON.search(normalize_same_length(sentence)))


def draws_result(sentence: str) -> bool:
    """Whether ``sentence`` opens with a resultative connective (因此, 所以 …): its reason is the
    sentence before it."""
    return bool(_RESULT_OPENING.search(normalize_same_length(sentence)))


def reason_flags(sentences: Sequence[str]) -> list[bool]:
    """For consecutive sentences of one passage: which state a reason, the sentence before one
    that opens with 因此/所以 included (it is the reason that sentence draws its result from)."""
    norm = [normalize_same_length(s) for s in sentences]
    flags = [bool(_REASON.search(s)) for s in norm]
    for i in range(1, len(norm)):
        if _RESULT_OPENING.search(norm[i]):
            flags[i - 1] = True
    return flags
