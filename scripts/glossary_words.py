"""The Chinese words that the glossaries in qa/data render in English, chosen from the corpora alone.

CC-CEDICT, which translates English questions (qa/crosslingual.py), is a general dictionary: it
lacks the renderings these texts are read with in English ("party building" 党建, "grain" 粮食,
"urban" 城镇). The glossaries fill that for the words of the bundled corpora (jieba's words of two
characters or more, all Chinese characters), chosen by frequency alone — no question chose a word:

* ``glossary_en.tsv``: the 2,400 most frequent words in at least 4 files and 8 times in all, then
  the 600 most frequent of the other words of the five sample speeches (twice or more; ties at the
  last frequency taken were broken arbitrarily; ties among the 2,400 in the order words first occur);
* ``glossary_en_rare.tsv``: the next 6,000 words in at least 2 files and 3 times in all, most
  frequent first (ties in character order).

This script lists them; the English renderings were then written line by line for each (up to
four, best first, in the wording of the official English versions of such reports) by sessions that
saw no evaluation question.

    python -m scripts.glossary_words --out words.txt          # the common words
    python -m scripts.glossary_words --check qa/data          # both glossaries hold exactly these words
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


class Frequencies:
    """Word frequencies of the corpora: in all, in how many files, and which the samples use."""

    def __init__(self, shared: Path) -> None:
        samples = sorted((shared / "corpus").glob("*.txt"))
        self.freq: collections.Counter[str] = collections.Counter()
        self.docs: collections.Counter[str] = collections.Counter()
        for path in sorted((shared / "corpus_reports").glob("*.txt")) + samples:
            words = _words(path)
            self.freq.update(words)
            self.docs.update(set(words))
        self.in_samples = {w for path in samples for w in _words(path)}

    def ordered(self, words: set[str] | list[str]) -> list[str]:
        return sorted(words, key=lambda w: (-self.freq[w], w))

    def common(self, n: int = 2400, local: int = 600) -> tuple[list[str], list[str]]:
        """The common glossary's words, and the sample words eligible for its last ``local`` places
        (all that reach the frequency of the last one taken)."""
        # most_common: ties in the order the words first occur, files in name order
        chosen = [w for w, f in self.freq.most_common() if self.docs[w] >= 4 and f >= 8][:n]
        rest = [w for w in self.ordered(self.in_samples - set(chosen)) if self.freq[w] >= 2]
        floor = self.freq[rest[local - 1]] if len(rest) >= local else 2
        return chosen + rest[:local], [w for w in rest if self.freq[w] >= floor]

    def rare(self, taken: set[str], n: int = 6000) -> list[str]:
        """The rare glossary's words, after those ``taken`` by the common one."""
        return [w for w in self.ordered(list(self.freq))
                if w not in taken and self.docs[w] >= 2 and self.freq[w] >= 3][:n]


def _listed(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.split("\t", 1)[0] for ln in lines if ln and not ln.startswith("#")]


def check(folder: Path, freqs: Frequencies) -> bool:
    """Whether the glossaries in ``folder`` hold the words the rules choose, in their order."""
    common, rare = _listed(folder / "glossary_en.tsv"), _listed(folder / "glossary_en_rare.tsv")
    words, eligible = freqs.common()
    head = len(words) - 600
    return (common[:head] == words[:head] and len(common) == len(words) and set(common[head:]) <= set(eligible)
            and rare == freqs.rare(set(common)))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--check", type=Path, help="a folder whose two glossaries must hold exactly these words")
    args = ap.parse_args()
    freqs = Frequencies(args.shared)
    words, _ = freqs.common()
    if args.out:
        args.out.write_text("\n".join(words) + "\n", encoding="utf-8")
    if args.check:
        ok = check(args.check, freqs)
        print("the glossaries' words follow the rules" if ok else "the glossaries' words differ from the rules")
        raise SystemExit(0 if ok else 1)
    print(f"{len(words)} words")


if __name__ == "__main__":
    main()
