"""A deterministic stand-in for QAEngine, built from the speeches in tests/data.

It ranks paragraphs by the question's character bigrams, so answers are real, verbatim
text with correct offsets (the reader test checks them) but need no model or index.
``delay`` makes warm-up/ask slow on purpose; ``missing_index`` makes them raise like a
fresh install, ``damaged`` makes sync raise like a damaged index. Sync applies the real
removal rule (index.plan) to the documents it holds.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from index.plan import check_removals
from index.stores.phrases import fold_phrase, occurrences_in, segments
from qa.engine import Engine
from qa.errors import IndexCorruptError, IndexEmptyError, IndexMissingError
from qa.followup import resolve_followup
from qa.limits import cut_question
from qa.trace import GroupBy, Occurrence, PhraseTrace, Trace, chronological, periods
from qa.trace_question import parse_trace_question, trace_answer
from qa.types import (
    Answer,
    AnswerSentence,
    Approval,
    ChangePlan,
    Filters,
    Hit,
    IndexReport,
    IndexStatus,
    SpeechText,
)

DATA = Path(__file__).resolve().parents[1] / "data"
#: Fixed titles/dates: the files' own first lines are too messy for snapshots.
SPEECHES = {
    "000_c0f0e0639e4e2127.txt": ("在全区组织宣传统战政法工作会议上的讲话", "2022-02-18"),
    "002_34cb7f9ba8abacee.txt": ("在全区组织宣传统战工作会议上的讲话", "2022-02-15"),
    "004_2ba4dd9e714a80db.txt": ("在上半年工作分析评议会上的讲话", "2021-07-10"),
}
_HEADING0 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING1 = re.compile(r"^[(（][一二三四五六七八九十]+[)）]")
_SENTENCE = re.compile(r"[^。！？；!?]+[。！？；!?]?")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class _Chunk:
    chunk_id: int
    doc: str
    section: tuple[str, ...]
    start: int
    end: int


def _heading(line: str) -> str:
    return re.split(r"[。,，;；]", line, maxsplit=1)[0][:24]


def _chunks(doc: str, text: str, first_id: int) -> list[_Chunk]:
    """One chunk per paragraph (long ones cut at 300 chars), with its section path."""
    chunks: list[_Chunk] = []
    section: list[str] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if _HEADING0.match(body):
            section = [_heading(body)]
        elif _HEADING1.match(body):
            section = section[:1] + [_heading(body)]
        if body:
            for s in range(pos, pos + len(line.rstrip("\n")), 300):
                e = min(s + 300, pos + len(line.rstrip("\n")))
                chunks.append(_Chunk(first_id + len(chunks), doc, tuple(section), s, e))
        pos += len(line)
    return chunks


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1) if _CJK.match(text[i]) and _CJK.match(text[i + 1])}


_CONTENT_CHAR = re.compile(r"[\w\u4e00-\u9fff]")


def matched_spans(text: str, question: str, min_len: int = 2) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``text`` that also occur in ``question`` (greedy, longest first)."""
    q = "".join(question.split())
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        best = 0
        if _CONTENT_CHAR.match(text[i]):
            length = min_len
            while i + length <= len(text) and text[i:i + length] in q:
                best = length
                length += 1
        if best:
            spans.append((i, i + best))
            i += best
        else:
            i += 1
    return spans


class FakeEngine:
    """Same methods as QAEngine; counts calls so tests can check what the app asked."""

    def __init__(self, *, delay: float = 0.0, index_delay: float = 0.0, missing_index: bool = False,
                 top_k: int = 3, damaged: bool = False) -> None:
        self.damaged = damaged
        self.indexed = {str(DATA / d) for d in SPEECHES}
        self.delay = delay
        self.index_delay = index_delay
        self.missing_index = missing_index
        self.top_k = top_k
        self.asked: list[tuple[str, str | None]] = []
        self.traced: list[tuple[tuple[str, ...], bool]] = []
        self.returned_at: float | None = None
        self.release = threading.Event()
        self.release.set()  # tests may clear() it to hold ask() until they set() it
        self.warm_gate = threading.Event()
        self.warm_gate.set()  # likewise for warm_up()
        self.index_gate = threading.Event()
        self.index_gate.set()  # and for indexing after its first file
        self.texts = {doc: (DATA / doc).read_text(encoding="utf-8") for doc in SPEECHES}
        self.chunks: list[_Chunk] = []
        for doc, text in self.texts.items():
            self.chunks.extend(_chunks(doc, text, len(self.chunks)))

    def _check(self) -> None:
        if self.missing_index:
            raise IndexMissingError("no index at /tmp/qa-test/index")
        if not self.indexed:
            raise IndexEmptyError("the index at /tmp/qa-test/index is empty: every document was removed from it")

    def warm_up(self) -> None:
        time.sleep(self.delay)
        self.warm_gate.wait(10)
        if self.missing_index:  # an empty index loads fine; only asking it says it is empty
            raise IndexMissingError("no index at /tmp/qa-test/index")

    def status(self) -> IndexStatus:
        if not self.indexed:
            return IndexStatus(path="/tmp/qa-test/index", exists=True, model="intfloat/multilingual-e5-small")
        return IndexStatus(path="/tmp/qa-test/index", exists=not self.missing_index, documents=len(SPEECHES),
                           speeches=len(SPEECHES), chunks=len(self.chunks), model="intfloat/multilingual-e5-small",
                           dimension=384, updated="2024-05-01T09:30:00",
                           doc_paths=[str(DATA / d) for d in SPEECHES])

    def _hit(self, rank: int, chunk: _Chunk, score: float, sentences: list[AnswerSentence], question: str) -> Hit:
        title, date = SPEECHES[chunk.doc]
        spans = tuple((s.start - chunk.start, s.end - chunk.start) for s in sentences if s.chunk_id == chunk.chunk_id)
        return Hit(rank=rank, score=score, chunk_id=chunk.chunk_id, doc_path=str(DATA / chunk.doc), title=title,
                   date=date, section=chunk.section, text=self.texts[chunk.doc][chunk.start:chunk.end],
                   start=chunk.start, end=chunk.end, highlights=spans,
                   matches=tuple(matched_spans(self.texts[chunk.doc][chunk.start:chunk.end], question)))

    def _best_sentence(self, rank: int, chunk: _Chunk, grams: set[str]) -> AnswerSentence:
        text = self.texts[chunk.doc]
        best = max(_SENTENCE.finditer(text, chunk.start, chunk.end), key=lambda m: len(_bigrams(m.group()) & grams))
        return AnswerSentence(best.group().strip(), rank, chunk.chunk_id, best.start(), best.start() + len(best.group().strip()))

    def ask(self, question: str, *, top_k: int | None = None, filters: object = None,
            previous: str | None = None) -> Answer:
        self.asked.append((question, previous))
        time.sleep(self.delay)
        self.release.wait(10)
        self._check()
        question, notice = cut_question(question)  # the real limit, as QAEngine applies it
        history = parse_trace_question(question)  # as QAEngine does: a first-use question, from the trace
        if history is not None:
            traced = trace_answer(question, history, self.trace([history.phrase], similar=history.kind == "change"),
                                  self.speech_text)
            if traced is not None:
                return traced
        resolved = resolve_followup(question, previous) if previous else None
        grams = _bigrams(resolved or question)
        scored = sorted(((len(_bigrams(self.texts[c.doc][c.start:c.end]) & grams), -c.chunk_id, c) for c in self.chunks),
                        key=lambda t: (t[0], t[1]), reverse=True)[: top_k or self.top_k]
        supported = bool(scored) and scored[0][0] >= 3
        sentences = [self._best_sentence(i, c, grams) for i, (_, _, c) in enumerate(scored[:2], 1)] if supported else []
        hits = tuple(self._hit(i, c, float(s), sentences, resolved or question) for i, (s, _, c) in enumerate(scored, 1))
        answer = Answer(question=question, sentences=tuple(sentences), hits=hits, supported=supported,
                        resolved_question=resolved, seconds=0.0, notice=notice)
        self.returned_at = time.perf_counter()
        return answer

    def trace(self, phrases: Sequence[str], *, filters: Filters | None = None, by: GroupBy = "year",
              context: int = 0, similar: bool = False) -> Trace:
        """Every use in the three texts (found with the store's own folding and segments); with
        ``similar``, each phrase's first two characters traced as its "variant"."""
        self.traced.append((tuple(phrases), similar))
        self._check()
        out = []
        for phrase in dict.fromkeys(p.strip() for p in phrases if p.strip()):
            out.append(self._trace_one(phrase, by, context))
            if similar:
                out.append(self._trace_one(phrase[:2], by, context, variant_of=phrase))
        return Trace(tuple(out), by, filters or Filters())

    def _trace_one(self, phrase: str, by: GroupBy, context: int, variant_of: str | None = None) -> PhraseTrace:
        found: list[Occurrence] = []
        for sid, (doc, (title, date)) in enumerate(SPEECHES.items()):
            text = self.texts[doc]
            rows = segments(sid, text, [(c.chunk_id, c.start) for c in self.chunks if c.doc == doc])
            for occ in occurrences_in(rows, fold_phrase(phrase), None):
                found.append(Occurrence(phrase, occ.chunk_id, sid, str(DATA / doc), title, date,
                                        self.chunks[occ.chunk_id].section, occ.start, occ.end,
                                        text[occ.start:occ.end], text[max(0, occ.start - context):occ.start],
                                        text[occ.end:occ.end + context]))
        ordered = chronological(found)
        return PhraseTrace(phrase, ordered, periods(ordered, [date for _t, date in SPEECHES.values()], by),
                           variant_of, 0.95 if variant_of else None)

    def speech_text(self, chunk_id: int) -> SpeechText:
        chunk = self.chunks[chunk_id]
        title, date = SPEECHES[chunk.doc]
        return SpeechText(doc_path=str(DATA / chunk.doc), title=title, date=date, text=self.texts[chunk.doc])

    def _report(self, paths: Sequence[str], progress: Callable[[int, int, str], None] | None) -> IndexReport:
        for i, path in enumerate(paths, 1):
            time.sleep(self.index_delay)
            if progress:
                progress(i, len(paths), Path(path).name)
            self.index_gate.wait(10)
        self.missing_index = False
        return IndexReport(added=list(paths), chunks_embedded=len(self.chunks))

    def sync(self, folder: Path, *, progress: Callable[[int, int, str], None] | None = None,
             approval: Approval | None = None) -> IndexReport:
        if self.damaged:
            raise IndexCorruptError("the index at /tmp/qa-test/index is damaged: cannot read index.sqlite")
        files = sorted(str(p) for p in Path(folder).glob("*.txt"))
        gone = sorted(self.indexed - set(files))
        check_removals(ChangePlan("sync", (str(folder),), "/tmp/qa-test/index", len(self.indexed), removed=tuple(gone),
                                  removed_in_bulk=len(gone), empty_source=not files), approval)
        report = self._report(files, progress)
        self.indexed = set(files)
        return replace(report, removed=gone)

    def build(self, paths: Sequence[Path], *, progress: Callable[[int, int, str], None] | None = None) -> IndexReport:
        files = [f for p in paths for f in (sorted(Path(p).glob("*.txt")) if Path(p).is_dir() else [Path(p)])]
        self.damaged = False
        self.indexed = {str(f) for f in files}
        return self._report([str(f) for f in files], progress)


def as_engine(engine: FakeEngine) -> Engine:
    """The fake satisfies the engine Protocol the chat is typed against (mypy checks this module)."""
    return engine
