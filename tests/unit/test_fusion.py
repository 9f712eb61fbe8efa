"""Near-duplicate folding: the cheap probe check never changes what the exact n-gram rule decides."""

from __future__ import annotations

from pathlib import Path

from qa.fusion import fold_duplicates, near_duplicate, shingles

SAMPLE = sorted((Path(__file__).parents[2] / "tests" / "data").rglob("*.txt"))


def _exact(order: list[int], texts: dict[int, str], keep: int) -> list[tuple[int, list[int]]]:
    """The rule without the probe check: every pair's whole n-gram sets compared."""
    kept: list[tuple[int, list[int]]] = []
    for cid in order:
        for head, absorbed in kept:
            if near_duplicate(shingles(texts[cid]), shingles(texts[head])):
                absorbed.append(cid)
                break
        else:
            if len(kept) < keep:
                kept.append((cid, []))
    return kept


def _passages() -> dict[int, str]:
    text = "".join(p.read_text(encoding="utf-8") for p in SAMPLE[:3])
    pieces = {i: text[i * 300 : i * 300 + 400] for i in range(40)}  # overlapping windows: partial overlaps
    pieces[100] = pieces[2][35:] + "这一句是另加的。"  # a reprint cut at other bounds, with an addition
    pieces[101] = pieces[5][:150]  # a short excerpt of a longer passage
    pieces[102] = "在" + pieces[9].replace("，", "。")  # other punctuation
    return pieces


def test_reprints_fold_into_the_first_of_them_in_either_direction() -> None:
    texts = _passages()
    groups = dict(fold_duplicates([2, 5, 9, 100, 101, 102, 20], texts, keep=10))
    assert groups[2] == [100] and groups[5] == [101] and groups[9] == [102] and groups[20] == []
    long_after_short = dict(fold_duplicates([101, 5], texts, keep=10))
    assert long_after_short == {101: [5]}  # the longer passage holds the shorter head: still a reprint


def test_the_probe_check_gives_the_exact_rules_groups() -> None:
    texts = _passages()
    order = sorted(texts, key=lambda c: (c * 7919) % 103)  # a fixed shuffle
    for keep in (3, 5, 40):
        assert fold_duplicates(order, texts, keep=keep) == _exact(order, texts, keep)
