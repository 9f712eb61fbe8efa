"""QAEngine: the single API the CLI and the TUI call, and the Protocol front ends are typed against.

It opens the store lazily, embeds the question with the query encoder, retrieves with BM25
and dense search, fuses and reranks (qa.ranking), composes an extractive answer (qa.compose)
and returns typed results (qa.types). Writes go through index.indexer. It never knows which
store answers (index.stores).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from index.embed import Encoder, check_index_model
from index.errors import IndexEmptyError
from index.normalize import to_simplified
from index.plan import Approval, ChangePlan
from index.stores import Store, check_index, open_store, repair_index, store_status
from index.types import Checkup, RepairReport
from qa.errors import DAMAGE_ADVICE, EmptyQuestionError, FilterError
from qa.limits import cut_question
from qa.params import DEFAULTS, RankingParams
from qa.settings import Settings
from qa.types import Answer, Filters, Hit, IndexReport, IndexStatus, SpeechText

if TYPE_CHECKING:
    from index.indexer import EncoderFactory, Indexer
    from qa.trace import GroupBy, Trace

#: Retrievals redone when a write commits during one; a third commit within one question is
#: beyond any real use (a write takes seconds, a retrieval tens of milliseconds).
_READ_ATTEMPTS = 3
#: progress(done, total, what) — called from the worker thread doing the work.
Progress = Callable[[int, int, str], None]


class Engine(Protocol):
    """What a front end needs of the engine (the chat is typed against this, and so is its fake)."""

    def warm_up(self) -> None: ...

    def status(self) -> IndexStatus: ...

    def ask(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
            previous: str | None = None) -> Answer: ...

    def speech_text(self, chunk_id: int) -> SpeechText: ...

    def trace(self, phrases: Sequence[str], *, filters: Filters | None = None, by: GroupBy = "year",
              context: int = 0, similar: bool = False) -> Trace: ...

    def build(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IndexReport: ...

    def sync(self, folder: Path, *, progress: Progress | None = None,
             approval: Approval | None = None) -> IndexReport: ...


class QAEngine:
    """Retrieval + answer composition over one index. Safe to share between threads."""

    def __init__(self, settings: Settings, params: RankingParams = DEFAULTS, *,
                 encoder_factory: EncoderFactory | None = None) -> None:
        """``encoder_factory`` embeds passages for the indexer (default: index.embed's choice per job);
        another one can reuse vectors made elsewhere or call a batch embedding service."""
        self.settings = settings
        self.config = settings.index_config
        self.params = params
        self.encoder_factory = encoder_factory
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._encoder: Encoder | None = None

    # ----------------------------------------------------------------- loading
    def _open_store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.config)
            else:
                self._store.refresh()
            return self._store

    def _query_encoder(self, store: Store) -> Encoder:
        """The query encoder, checked against the model the index was built with."""
        check_index_model(store.manifest, self.config, store.location)
        with self._lock:
            if self._encoder is None:
                from index.embed import load_query_encoder

                self._encoder = load_query_encoder(self.config)
            return self._encoder

    @property
    def store(self) -> Store:
        """The open index (opened on first use); raises IndexMissingError when there is none."""
        return self._open_store()

    @property
    def query_encoder(self) -> Encoder:
        """The query encoder, checked against the index's model."""
        return self._query_encoder(self._open_store())

    def warm_up(self) -> None:
        """Load the index and the query encoder now (the TUI calls this in a worker)."""
        store = self._open_store()
        self._query_encoder(store).encode_query("预热")
        from index.normalize import normalize_same_length

        normalize_same_length("預熱")  # loads the OpenCC tables
        store.lexical_search("预热", 1)  # loads jieba

    # ----------------------------------------------------------------- asking
    def _retrieve(self, question: str, top_k: int | None, filters: Filters | None) -> tuple[Any, list[Any]]:
        """The question's plan (qa.query) and its ranked passages."""
        from qa.crosslingual import use_cache_dir
        from qa.query import plan_query
        from qa.ranking import rank_passages

        if not question or not question.strip():
            raise EmptyQuestionError("the question is empty: type a question, e.g. qa ask \"统一战线工作的主题是什么？\"")
        question = question.strip()
        store = self._open_store()
        encoder = self._query_encoder(store)
        if store.chunk_count() == 0:
            raise IndexEmptyError(f"the index at {store.location} is empty: every document was removed from it")
        if filters is not None and not filters.is_empty() and store.matching_count(filters) == 0:
            raise FilterError(f"no passage matches the filters ({filters.describe()}); "
                              "`qa index status` lists the speeches")
        use_cache_dir(self.settings.data_dir / "cache")
        plan = plan_query(question, store, self.params, encoder)
        for _attempt in range(_READ_ATTEMPTS):
            ranked = rank_passages(store, encoder, plan, top_k or self.settings.top_k, filters, self.params)
            with self._lock:
                if not store.refresh():  # no write committed while we read: one consistent state
                    break
            # another process committed meanwhile: the vectors were the old generation's but some
            # rows came from the new one (a sync's removed chunks were missing): read again, anew
        return plan, ranked

    def search(self, question: str, *, top_k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        """Ranked passages, best first, near-duplicates folded (a too long question is cut, see qa.limits)."""
        _plan, ranked = self._retrieve(question, top_k, filters)
        return [r.hit for r in ranked]

    def ask(self, question: str, *, top_k: int | None = None, filters: Filters | None = None,
            previous: str | None = None) -> Answer:
        """Answer ``question``; ``previous`` (the last question) resolves elliptical follow-ups."""
        from qa.compose import compose_answer
        from qa.followup import resolve_followup
        from qa.lists import with_list
        from qa.refusal import decide, gather, rule_for

        started = time.perf_counter()
        question, notice = cut_question(question)
        traced = self._trace_answer(question, filters)
        if traced is not None:
            return replace(traced, notice=_joined(notice, self.index_warning()), seconds=time.perf_counter() - started)
        # folded to simplified first: jieba's part-of-speech tags (which find the topic) know
        # simplified words, so a traditional-script follow-up resolves like a simplified one
        resolved = resolve_followup(to_simplified(question), to_simplified(previous)) if previous else None
        plan, ranked = self._retrieve(resolved or question, top_k, filters)
        rule = rule_for(self._open_store().manifest.model, self.params)
        supported = bool(ranked) and decide(gather(ranked, plan, self.params), rule, self.params)
        # the question as asked (a cut is told by the notice, a resolved follow-up below)
        answer = compose_answer(question.strip(), question.strip(), ranked, self.params, supported, plan.intent.kind,
                                plan.intent.asks)
        if plan.intent.kind == "list":
            answer = with_list(answer, plan.lexical, ranked, self._open_store(), self.params)
        answer = replace(answer, refusal_rule=rule)
        if resolved:
            answer = replace(answer, resolved_question=resolved)
        # the plan cuts only what the cut above did not (a resolved follow-up longer than the limit)
        return replace(answer, notice=_joined(notice, plan.notice, self.index_warning()),
                       seconds=time.perf_counter() - started)

    def _trace_answer(self, question: str, filters: Filters | None) -> Answer | None:
        """A first-use or change-of-wording question answered from the trace (None: not one, or
        the phrase is never used)."""
        from qa.trace_question import parse_trace_question, trace_answer

        asked = parse_trace_question(question)
        if asked is None:
            return None
        trace = self.trace([asked.phrase], filters=filters, similar=asked.kind == "change")
        return trace_answer(question.strip(), asked, trace, self._open_store().speech_text)

    # ----------------------------------------------------------------- tracing
    def trace(self, phrases: Sequence[str], *, filters: Filters | None = None, by: GroupBy = "year",
              context: int = 0, similar: bool = False) -> Trace:
        """Every use of each phrase over time; ``similar`` adds each phrase's variants (qa.variants)."""
        from qa.tracing import run_trace

        store = self._open_store()
        if filters is not None and not filters.is_empty() and store.matching_count(filters) == 0:
            raise FilterError(f"no passage matches the filters ({filters.describe()}); "
                              "`qa index status` lists the speeches")
        encoder = (lambda: self._query_encoder(store)) if similar else None
        return run_trace(store, phrases, filters=filters, by=by, context=context, encoder=encoder)

    def index_warning(self) -> str | None:
        """One line while the index is served with damaged parts left out (None: served whole)."""
        damage = self._open_store().damage
        return f"{damage}: {DAMAGE_ADVICE}" if damage else None

    # ----------------------------------------------------------------- index
    def status(self, *, check: bool = False) -> IndexStatus:
        """What the index holds, also when damaged (``problems``); ``check`` reads every file first."""
        return store_status(self.config, check=check)

    def doctor(self, *, repair: bool = False) -> Checkup | RepairReport:
        """Every problem of the index's files; ``repair`` fixes what the database alone allows."""
        if not repair:
            return check_index(self.config)
        report = repair_index(self.config, self.encoder_factory)
        with self._lock:
            if self._store is not None:
                self._store.refresh()
        return report

    def speech_text(self, chunk_id: int) -> SpeechText:
        """The whole cleaned speech holding ``chunk_id`` (for reading a hit in context)."""
        return self._open_store().speech_text(chunk_id)

    def _indexer(self) -> Indexer:
        from index.indexer import Indexer

        return Indexer(self.config, self.encoder_factory)

    def _after_write(self, report: IndexReport) -> IndexReport:
        with self._lock:
            if self._store is not None:
                self._store.refresh()
        return report

    def build(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IndexReport:
        return self._after_write(self._indexer().build(paths, progress))

    def add(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IndexReport:
        return self._after_write(self._indexer().add(paths, progress))

    def remove(self, paths: Sequence[Path], *, progress: Progress | None = None,
               approval: Approval | None = None) -> IndexReport:
        """Remove documents; most of the index only with ``approval`` (index.plan)."""
        return self._after_write(self._indexer().remove(paths, progress, approval=approval))

    def sync(self, folder: Path, *, progress: Progress | None = None, approval: Approval | None = None) -> IndexReport:
        """Mirror ``folder``; a missing folder is an error, most of the index goes only with ``approval``."""
        return self._after_write(self._indexer().sync(folder, progress, approval=approval))

    def plan(self, action: str, paths: Sequence[Path]) -> ChangePlan:
        """What build/add/sync/remove would change (``--dry-run``): nothing written, no model loaded."""
        return self._indexer().plan(action, paths)


def _joined(*notices: str | None) -> str | None:
    """Notices said with one answer, in one line (None when there is none)."""
    said = [n for n in notices if n]
    return "; ".join(said) if said else None
