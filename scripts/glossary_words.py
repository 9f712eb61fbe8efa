"""The Chinese words that qa/data/glossary_en.tsv renders in English, chosen from the corpora alone.

CC-CEDICT, which translates English questions (qa/crosslingual.py), is a general dictionary: it
lacks the renderings these texts are read with in English ("party building" 党建, "grain" 粮食,
"urban" 城镇). The glossary fills that for the words that matter most here: the 2,400 most frequent
words of the corpora (jieba's words of two characters or more, all Chinese characters, in at
least 4 files and 8 times in all), then the 600 most frequent of the other words of the five
sample speeches (twice or more). No question chose a word. This script lists them; the English
renderings were then written line by line for each (up to four, best first, in the wording of the
official English versions of such reports), by a session that saw no evaluation question.

    python -m scripts.glossary_words --out words.txt
    python -m scripts.glossary_words --check qa/data/glossary_en.tsv   # the glossary's words are these
"""

from __future__ import annotations

import argparse
import collections
import re
from pathlib import Path

from index.normalize import to_simplified
from scripts.evalkit import DEFAULT_SHARED

_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")


def _words(path: Path) -> list[str]:
    import jieba

    jieba.setLogLevel(60)
    text = to_simplified(path.read_text(encoding="utf-8", errors="replace"))
    return [w for w in jieba.lcut(text) if _HAN.fullmatch(w)]


def choose(shared: Path, common: int = 2400, local: int = 600) -> tuple[list[str], list[str]]:
    """The glossary's words, most frequent first (see the module docstring): the common ones, and
    the sample speeches' other words with at least the frequency of the last one taken (ties at
    that frequency are taken in any order: the shipped glossary broke them arbitrarily)."""
    samples = sorted((shared / "corpus").glob("*.txt"))
    files = sorted((shared / "corpus_reports").glob("*.txt")) + samples
    freq: collections.Counter[str] = collections.Counter()
    docs: collections.Counter[str] = collections.Counter()
    for path in files:
        words = _words(path)
        freq.update(words)
        docs.update(set(words))
    chosen = [w for w, n in freq.most_common() if docs[w] >= 4 and n >= 8][:common]
    taken = set(chosen)
    in_samples = {w for path in samples for w in _words(path)}
    rest = [w for w in sorted(in_samples, key=lambda w: (-freq[w], w)) if w not in taken and freq[w] >= 2]
    floor = freq[rest[local - 1]] if len(rest) >= local else 2
    return chosen + rest[:local], [w for w in rest if freq[w] >= floor]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--check", type=Path, help="a glossary whose words must be exactly these, in order")
    args = ap.parse_args()
    words, eligible = choose(args.shared)
    if args.out:
        args.out.write_text("\n".join(words) + "\n", encoding="utf-8")
    if args.check:
        lines = [ln for ln in args.check.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
        listed = [ln.split("\t", 1)[0] for ln in lines]
        common = len(words) - 600
        ok = listed[:common] == words[:common] and len(listed) == len(words) and set(listed[common:]) <= set(eligible)
        print("the glossary's words follow the rule" if ok else "the glossary's words differ from the rule")
        raise SystemExit(0 if ok else 1)
    print(f"{len(words)} words")


if __name__ == "__main__":
    main()
