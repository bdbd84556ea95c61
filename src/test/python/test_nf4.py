"""NF4 in the worker: the shared vectors (the JVM's Nf4VectorsTest checks the same file), the
frozen layer against a dense one, and its compiled form against its eager form."""

import json

import pytest
import torch
from conftest import REPO

from tunecard_worker import nf4

VECTORS = REPO / "src" / "test" / "resources" / "fixtures" / "nf4"


def _cases():
    return json.loads((VECTORS / "cases.json").read_text())["cases"]


@pytest.fixture(scope="module")
def vectors():
    from safetensors.torch import load_file

    return load_file(str(VECTORS / "vectors.safetensors"))


def bits(t: torch.Tensor) -> list:
    """fp32 bit patterns (so -0.0 differs from 0.0)."""
    return t.contiguous().view(torch.int32).tolist()


def test_the_dynamic_map_is_bitsandbytes(vectors):
    assert bits(nf4.dynamic_map()) == bits(vectors["dynamic_map"])
    table = nf4.dynamic_map()
    assert table[127] == 0 and table[255] == 1 and bool((table[1:] >= table[:-1]).all())


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_codes_absmax_and_dequantized_values_equal_the_vectors(vectors, case):
    name = case["name"]
    q = nf4.quantize(vectors[f"{name}.input"], case["double_quant"])
    assert q.packed.tolist() == vectors[f"{name}.packed"].tolist()
    if case["double_quant"]:
        dq = q.absmax
        assert dq.codes.tolist() == vectors[f"{name}.absmax_codes"].tolist()
        assert bits(dq.scales) == bits(vectors[f"{name}.absmax_scales"])
        assert bits(dq.offset.view(1)) == bits(vectors[f"{name}.absmax_offset"])
        assert bits(nf4.absmax_values(dq)) == bits(vectors[f"{name}.absmax_decoded"])
        # the 4-bit codes were taken with the exact absmax values, kept here before compression
        exact = nf4.quantize(vectors[f"{name}.input"], False).absmax
        assert bits(exact) == bits(vectors[f"{name}.absmax"])
    else:
        assert bits(q.absmax) == bits(vectors[f"{name}.absmax"])
    assert bits(nf4.dequantize(q)) == bits(vectors[f"{name}.dequantized"])


def test_the_absmax_mean_is_a_float64_sum_in_index_order():
    values = torch.rand(100_003) * torch.logspace(-6, 2, 100_003)
    total = 0.0
    for v in values.tolist():
        total += v
    assert nf4.sequential_mean(values).item() == torch.tensor(total / values.numel()).float().item()


BNB_THRESHOLDS = (  # the literals of bitsandbytes' dQuantizeNF4 (csrc/kernels.cu), in order
    "-0.8480964004993439", "-0.6106329262256622", "-0.4599952697753906", "-0.33967943489551544",
    "-0.23460740596055984", "-0.13791173323988914", "-0.045525018125772476", "0.03979014977812767",
    "0.1202552504837513", "0.2035212516784668", "0.2920137718319893", "0.3893125355243683",
    "0.5016634166240692", "0.6427869200706482", "0.8614784181118011")


def nearest_fp32(text: str) -> float:
    """The fp32 a compiler makes of the literal ``text`` + ``f`` (one rounding, from the decimal)."""
    from decimal import Decimal

    exact = Decimal(text)
    near = torch.tensor(float(text), dtype=torch.float32)
    steps = (torch.nextafter(near, torch.tensor(-2.0)), near, torch.nextafter(near, torch.tensor(2.0)))
    return min((s.item() for s in steps), key=lambda v: abs(Decimal(v) - exact))


def test_the_thresholds_are_the_fp32_values_of_bitsandbytes_literals():
    table = torch.tensor(nf4.THRESHOLDS, dtype=torch.float32).tolist()
    assert table == [nearest_fp32(t) for t in BNB_THRESHOLDS]
    # rounding through a Python float would have moved four of them
    assert sum(torch.tensor(float(t)).item() != v for t, v in zip(BNB_THRESHOLDS, table)) == 4


def test_every_threshold_goes_to_the_lower_code():
    t = torch.tensor(nf4.THRESHOLDS)
    assert nf4.encode(t).tolist() == list(range(15))
    assert nf4.encode(torch.nextafter(t, torch.tensor(2.0))).tolist() == list(range(1, 16))
    assert nf4.encode(torch.tensor([float("nan"), 0.0, -0.0])).tolist() == [0, 7, 7]


def _layer(out_f, in_f, double_quant, seed=0):
    torch.manual_seed(seed)
    dense = torch.nn.Linear(in_f, out_f, bias=False)
    return nf4.Nf4Linear.of(dense, double_quant)


@pytest.mark.parametrize("double_quant", [False, True])
def test_the_layer_and_its_gradient_are_those_of_the_dequantized_weight(double_quant):
    layer = _layer(48, 100, double_quant)  # 4800 values: a partial last block
    w = nf4.dequantize(layer.quantized())
    x = torch.randn(3, 5, 100, requires_grad=True)
    y = layer(x)
    g = torch.randn_like(y)
    y.backward(g)
    x2 = x.detach().clone().requires_grad_(True)
    y2 = x2 @ w.t()
    y2.backward(g)
    assert torch.equal(y, y2)
    assert torch.allclose(x.grad, x2.grad, atol=1e-6)
    assert not any(p.requires_grad for p in layer.parameters())
    assert layer.weight.dtype == torch.uint8 and layer.weight.numel() == 2400


def test_the_layer_dequantizes_to_the_autocast_dtype():
    layer = _layer(32, 64, True)
    x = torch.randn(2, 64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = layer(x)
    assert y.dtype == torch.bfloat16
    expected = x.bfloat16() @ nf4.dequantize(layer.quantized(), torch.bfloat16).t()
    assert torch.equal(y, expected)


def test_quantize_linears_replaces_only_bias_free_linears_and_dense_copy_undoes_it():
    model = torch.nn.Sequential(torch.nn.Linear(64, 64, bias=False), torch.nn.ReLU(),
                                torch.nn.Linear(64, 8))
    assert nf4.quantize_linears(model) == 1
    assert isinstance(model[0], nf4.Nf4Linear) and type(model[2]) is torch.nn.Linear
    x = torch.randn(4, 64)
    y = model(x)
    nf4.dense_copy(model, torch.float32)
    assert type(model[0]) is torch.nn.Linear and torch.equal(model(x), y)


def test_non_finite_weights_are_refused():
    with pytest.raises(ValueError, match="finite"):
        nf4.quantize(torch.tensor([1.0, float("inf")]))


def _compiled_matches_eager(device, dtype, tol):
    """A small block of NF4 layers with a trainable input: the compiled forward and input
    gradients against eager ones."""
    torch.manual_seed(1)
    l1 = _layer(256, 128, True, seed=2).to(device)
    l2 = _layer(128, 256, True, seed=3).to(device)
    a = torch.nn.Parameter(torch.randn(128, 128, device=device) * 0.1)

    def f(l1, l2, x):
        return l2(torch.nn.functional.silu(l1(x @ a))).float().pow(2).mean()

    x = torch.randn(16, 128, device=device)
    losses, grads = [], []
    for fn in (f, torch.compile(f)):
        with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            loss = fn(l1, l2, x)
        loss.backward()
        losses.append(loss.item())
        grads.append(a.grad.clone())
        a.grad = None
    assert losses[1] == pytest.approx(losses[0], rel=tol)
    assert (grads[1] - grads[0]).abs().max().item() <= tol * grads[0].abs().max().item()


def test_the_compiled_layer_equals_the_eager_one_on_the_cpu():
    _compiled_matches_eager(torch.device("cpu"), torch.float32, 1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_the_compiled_layer_equals_the_eager_one_on_cuda():
    _compiled_matches_eager(torch.device("cuda"), torch.bfloat16, 2e-2)
    _compiled_matches_eager(torch.device("cuda"), torch.float32, 1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_quantizing_on_cuda_equals_the_vectors(vectors):
    for case in _cases():
        name = case["name"]
        q = nf4.quantize(vectors[f"{name}.input"].cuda(), case["double_quant"])
        assert q.packed.cpu().tolist() == vectors[f"{name}.packed"].tolist(), name
        assert bits(nf4.dequantize(q).cpu()) == bits(vectors[f"{name}.dequantized"]), name
