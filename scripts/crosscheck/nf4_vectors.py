#!/usr/bin/env python3
"""Writes the NF4 test vectors both engines are checked against (Nf4VectorsTest on the JVM,
test_nf4.py in the worker): src/test/resources/fixtures/nf4/vectors.safetensors + cases.json.

    python3 scripts/crosscheck/nf4_vectors.py [OUT_DIR]

The expected codes, absmax values and dequantized tensors come from the scalar reference below:
bitsandbytes' CUDA kernels (dQuantizeNF4's decision tree, dQuantize<0>'s search over the dynamic
map, kQuantizeBlockwise's blocks, reciprocal and nibble order) transcribed line by line in numpy
fp32 scalars, with tunecard's definitions (docs/nf4.md): an all-zero block takes
code 7, the absmax mean is a float64 sum in index order, a double-quantized absmax decodes in
float64. Neither engine's code is used to make them.
"""
import json
import math
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

REPO = Path(__file__).resolve().parents[2]
f32 = np.float32


def lit(text: str):
    """A C float literal (``text`` + ``f``): the decimal rounded to the nearest fp32 directly, as a
    compiler does (rounding to a Python float first can land one fp32 step away)."""
    exact = Decimal(text)
    near = f32(float(text))
    candidates = (np.nextafter(near, f32(-np.inf)), near, np.nextafter(near, f32(np.inf)))
    return min(candidates, key=lambda c: abs(Decimal(float(c)) - exact))


CODE = [lit(v) for v in (
    "-1.0", "-0.6961928009986877", "-0.5250730514526367", "-0.39491748809814453",
    "-0.28444138169288635", "-0.18477343022823334", "-0.09105003625154495", "0.0",
    "0.07958029955625534", "0.16093020141124725", "0.24611230194568634", "0.33791524171829224",
    "0.44070982933044434", "0.5626170039176941", "0.7229568362236023", "1.0")]


def d_quantize_nf4(x):
    """bitsandbytes csrc/kernels.cu dQuantizeNF4, as written (a NaN falls through to 0b0000)."""
    if x > lit("0.03979014977812767"):
        if x > lit("0.3893125355243683"):
            if x > lit("0.6427869200706482"):
                return 0b1111 if x > lit("0.8614784181118011") else 0b1110
            return 0b1101 if x > lit("0.5016634166240692") else 0b1100
        if x > lit("0.2035212516784668"):
            return 0b1011 if x > lit("0.2920137718319893") else 0b1010
        return 0b1001 if x > lit("0.1202552504837513") else 0b1000
    if x > lit("-0.33967943489551544"):
        if x > lit("-0.13791173323988914"):
            return 0b0111 if x > lit("-0.045525018125772476") else 0b0110
        return 0b0101 if x > lit("-0.23460740596055984") else 0b0100
    if x > lit("-0.6106329262256622"):
        return 0b0011 if x > lit("-0.4599952697753906") else 0b0010
    return 0b0001 if x > lit("-0.8480964004993439") else 0b0000


def create_dynamic_map():
    """bitsandbytes functional.create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)."""
    data = []
    non_sign_bits, max_exponent_bits = 7, 7
    for i in range(max_exponent_bits):
        fraction_items = int(2 ** (i + non_sign_bits - max_exponent_bits) + 1)
        boundaries = torch.linspace(0.1, 1, fraction_items, dtype=torch.float32)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
        data += (-(10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
    data.append(0)
    data.append(1.0)
    assert len(data) == 256
    data.sort()
    return [f32(v) for v in data]


DYNAMIC = create_dynamic_map()


def d_quantize(code, x):
    """bitsandbytes csrc/kernels.cu dQuantize<0> (not stochastic), as written."""
    pivot, upper_pivot, lower_pivot = 127, 255, 0
    lower, upper = f32(-1.0), f32(1.0)
    val = code[pivot]
    i = 64
    while i > 0:
        if x > val:
            lower_pivot, lower = pivot, val
            pivot += i
        else:
            upper_pivot, upper = pivot, val
            pivot -= i
        val = code[pivot]
        i >>= 1
    if upper_pivot == 255:
        upper = code[upper_pivot]
    if lower_pivot == 0:
        lower = code[lower_pivot]
    if x > val:
        return upper_pivot if x > (upper + val) * f32(0.5) else pivot
    return lower_pivot if x < (lower + val) * f32(0.5) else pivot


def blockwise(values, block, encode):
    """kQuantizeBlockwise: zero padding, absmax, multiply by its fp32 reciprocal, encode."""
    codes, absmax = [], []
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for start in range(0, len(values), block):
            chunk = list(values[start:start + block]) + [f32(0)] * (block - len(values[start:start + block]))
            m = f32(0)
            for v in chunk:
                m = max(m, abs(v))
            absmax.append(m)
            inv = f32(0) if m == 0 else f32(1) / m  # tunecard: an all-zero block takes code 7
            codes += [encode(f32(v * inv)) for v in chunk]
    return codes, absmax


def reference(values, double_quant):
    codes, absmax = blockwise(values, 64, d_quantize_nf4)
    packed = [(codes[i] << 4) | codes[i + 1] for i in range(0, len(codes), 2)][:(len(values) + 1) // 2]
    out = {"packed": np.array(packed, dtype=np.uint8), "absmax": np.array(absmax, dtype=np.float32)}
    scale = absmax
    if double_quant:
        total = 0.0
        for a in absmax:  # float64, in index order
            total += float(a)
        offset = f32(total / len(absmax))
        centered = [f32(a - offset) for a in absmax]
        q, scales = blockwise(centered, 256, lambda x: d_quantize(DYNAMIC, x))
        q = q[:len(absmax)]
        scale = [f32(float(DYNAMIC[c]) * float(scales[i // 256]) + float(offset))
                 for i, c in enumerate(q)]
        out.update(absmax_codes=np.array(q, dtype=np.uint8),
                   absmax_scales=np.array(scales, dtype=np.float32),
                   absmax_offset=np.array([offset], dtype=np.float32),
                   absmax_decoded=np.array(scale, dtype=np.float32))
    deq = [f32(CODE[(packed[i // 2] >> 4) if i % 2 == 0 else (packed[i // 2] & 15)] * scale[i // 64])
           for i in range(len(values))]
    out["dequantized"] = np.array(deq, dtype=np.float32)
    return out


def cases():
    thresholds = [lit(t) for t in (
        "-0.8480964004993439", "-0.6106329262256622", "-0.4599952697753906",
        "-0.33967943489551544", "-0.23460740596055984", "-0.13791173323988914",
        "-0.045525018125772476", "0.03979014977812767", "0.1202552504837513", "0.2035212516784668",
        "0.2920137718319893", "0.3893125355243683", "0.5016634166240692", "0.6427869200706482",
        "0.8614784181118011")]
    ties = (thresholds + [np.nextafter(t, f32(2)) for t in thresholds]
            + [np.nextafter(t, f32(-2)) for t in thresholds] + CODE[:16] + [f32(1), f32(-1), f32(0)])
    rng = np.random.default_rng(19)
    tiny = np.finfo(np.float32).tiny  # the smallest normal fp32
    sub = [f32(tiny * k / 8) for k in range(-32, 32)]  # subnormals and their neighbours
    deep = [f32(tiny * k / 64) for k in range(-15, 16)] * 2 + [f32(0), f32(-0.0)]
    yield "ties", "values on and beside every threshold, every code, absmax 1 (then 2: exact)", \
        ties + [f32(2) * v for v in ties], False
    yield "zeros", "an all-zero block, then zeros and -0.0 among values", \
        [f32(0)] * 64 + [f32(0), f32(-0.0), f32(0.5), f32(-0.25)] * 16, False
    yield "all_equal", "blocks of one repeated value (positive, negative, tiny)", \
        [f32(0.3)] * 64 + [f32(-0.7)] * 64 + [f32(1e-30)] * 64, False
    yield "subnormal", "subnormal values; a block whose absmax is subnormal (its reciprocal " \
        "overflows to inf: 0 * inf is NaN, code 0)", \
        sub + deep + [f32(1e-3)] + sub[1:], False
    yield "partial", "101 values: a partial last block and an odd count (last low nibble padded)", \
        [f32(v) for v in rng.normal(0, 0.05, 101)], False
    yield "gaussian", "N(0, 0.02) weights, 40 blocks", \
        [f32(v) for v in rng.normal(0, 0.02, 64 * 40)], False
    yield "gaussian_dq", "the same with double quantization: 270 absmax in 2 blocks of 256", \
        [f32(v) for v in rng.normal(0, 0.02, 64 * 270)], True
    yield "equal_absmax_dq", "double quantization of equal absmax values (scale 0: decodes to " \
        "the mean exactly)", [f32(0.125) * (1 if i % 3 else -1) for i in range(64 * 5)], True
    yield "partial_dq", "double quantization with a partial last block", \
        [f32(v) for v in rng.normal(0, 1.0, 64 * 260 + 37)], True


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tensors = {"dynamic_map": np.array(DYNAMIC, dtype=np.float32)}
    index = []
    for name, why, values, dq in cases():
        values = [f32(v) for v in values]
        assert all(math.isfinite(v) for v in values)
        tensors[f"{name}.input"] = np.array(values, dtype=np.float32)
        for key, value in reference(values, dq).items():
            tensors[f"{name}.{key}"] = value
        index.append({"name": name, "numel": len(values), "double_quant": dq, "what": why})
    save_file(tensors, str(out / "vectors.safetensors"), metadata={"generator": "nf4_vectors.py"})
    (out / "vectors.safetensors").chmod(0o644)
    (out / "cases.json").write_text(json.dumps({"cases": index}, indent=1) + "\n")
    print(f"{len(index)} cases -> {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else
         REPO / "src" / "test" / "resources" / "fixtures" / "nf4")
