"""4-bit NormalFloat (NF4) base weights in PyTorch, equal to the JVM's io.tunecard.model.nf4.Nf4.

The format is bitsandbytes' ``nf4``: values in blocks of 64 (row-major), each block scaled by its
absolute maximum into [-1, 1], each value replaced by the index of its code (the QLoRA code book)
as bitsandbytes' decision tree picks it (``x > threshold``: a value on a threshold takes the lower
code), two indices to a byte, the first in the high nibble; a last partial block is padded with
zeros. Double quantization (QLoRA's, as bitsandbytes' ``compress_statistics``) stores the absmax
values as 8-bit codes of bitsandbytes' signed dynamic map in blocks of 256 after subtracting their
mean, plus one fp32 scale per block and the mean.

Arithmetic is IEEE fp32 as the JVM does it (bitsandbytes' CUDA kernels use fast-math reciprocals),
with three definitions of our own: an all-zero block gets code 7 (0.0; bitsandbytes' 0 * inf gives
NaN, code 0, which dequantizes to -0.0: the same value); the mean of the absmax values is a
sequential float64 sum divided by their count, rounded to fp32 (bitsandbytes: a fp32 mean on the
GPU); a double-quantized absmax is ``code * scale + mean`` in float64 rounded to fp32, which no
compiler can contract differently (the product of two fp32 values is exact in float64).

``Nf4Linear`` is the frozen layer: it dequantizes to the compute dtype for each product and again
for the input gradient, never keeping the dense weight (docs/nf4.md).
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

BLOCK = 64
ABSMAX_BLOCK = 256

CODE = (
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0)
# bitsandbytes' dQuantizeNF4 decision tree, flattened: a value's code is how many it exceeds. These
# are the fp32 values its literals (-0.8480964004993439f, ...) compile to: a C or Java compiler
# rounds the decimal to fp32 directly, which for four of them differs from rounding the decimal to
# a Python float first (test_nf4.py checks every one).
THRESHOLDS = (
    -0.84809643, -0.6106329, -0.45999527, -0.33967942, -0.2346074, -0.13791174, -0.045525018,
    0.03979015, 0.120255254, 0.20352125, 0.29201376, 0.38931254, 0.5016634, 0.6427869, 0.8614784)


def dynamic_map() -> torch.Tensor:
    """bitsandbytes' ``create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)``: the
    256 sorted fp32 values of its signed 8-bit dynamic type (computed the same way, in fp32)."""
    data = []
    for i in range(7):
        boundaries = torch.linspace(0.1, 1, 2 ** i + 1, dtype=torch.float32)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-6 + i)) * means).tolist()
        data += (-(10 ** (-6 + i)) * means).tolist()
    data += [0, 1.0]
    data.sort()
    return torch.tensor(data, dtype=torch.float32)


@dataclass(frozen=True)
class DoubleQuant:
    """Absmax values as 8-bit codes: ``codes`` uint8 (blocks,), ``scales`` fp32 (ceil(blocks /
    256),), ``offset`` fp32 () (their mean)."""

    codes: torch.Tensor
    scales: torch.Tensor
    offset: torch.Tensor


@dataclass(frozen=True)
class Quantized:
    """``packed`` uint8 (ceil(numel / 2),); ``absmax`` fp32 (ceil(numel / 64),) or DoubleQuant."""

    packed: torch.Tensor
    absmax: object
    shape: tuple

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n


def _table(values, device) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32, device=device)


def encode(x: torch.Tensor) -> torch.Tensor:
    """Code indices (uint8) of normalized fp32 values: the number of thresholds each exceeds (a
    NaN, 0 * inf where a block's reciprocal overflows, exceeds none)."""
    codes = torch.bucketize(x, _table(THRESHOLDS, x.device), out_int32=True)
    return torch.where(torch.isnan(x), 0, codes).to(torch.uint8)


def _blockwise(flat: torch.Tensor, block: int) -> tuple:
    """(values padded with zeros to whole blocks (blocks, block), absmax (blocks,), reciprocal)."""
    blocks = -(-flat.numel() // block)
    padded = F.pad(flat, (0, blocks * block - flat.numel())).view(blocks, block)
    absmax = padded.abs().amax(1)
    inv = torch.where(absmax > 0, 1.0 / absmax, torch.zeros_like(absmax))
    return padded, absmax, inv


def quantize(w: torch.Tensor, double_quant: bool = True) -> Quantized:
    """NF4 of a float tensor (any shape, on any device; converted to fp32 first)."""
    flat = w.detach().reshape(-1).float()
    if not bool(torch.isfinite(flat).all()):
        raise ValueError("NF4 needs finite values; the tensor holds inf or NaN")
    padded, absmax, inv = _blockwise(flat, BLOCK)
    codes = encode(padded * inv[:, None]).view(-1, 2)
    packed = ((codes[:, 0] << 4) | codes[:, 1])[: (flat.numel() + 1) // 2]
    return Quantized(packed.contiguous(), double_quantize(absmax) if double_quant else absmax,
                     tuple(w.shape))


def sequential_mean(values: torch.Tensor) -> torch.Tensor:
    """The fp32 mean as the JVM computes it: a float64 sum in index order, divided, rounded."""
    total = torch.cumsum(values.detach().double().cpu(), 0)[-1]  # the CPU scan is in index order
    return (total / values.numel()).float().to(values.device)


def encode_dynamic(x: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """bitsandbytes' ``dQuantize<0>`` over its 256-value map: a 7-step binary search from index
    127, then the nearer neighbour by midpoints (ties as its comparisons send them); uint8."""
    pivot = torch.full_like(x, 127, dtype=torch.long)
    upper_pivot = torch.full_like(pivot, 255)
    lower_pivot = torch.zeros_like(pivot)
    lower = torch.full_like(x, -1.0)
    upper = torch.full_like(x, 1.0)
    val = table[pivot]
    step = 64
    while step > 0:
        up = x > val
        lower_pivot = torch.where(up, pivot, lower_pivot)
        lower = torch.where(up, val, lower)
        upper_pivot = torch.where(up, upper_pivot, pivot)
        upper = torch.where(up, upper, val)
        pivot = torch.where(up, pivot + step, pivot - step)
        val = table[pivot]
        step //= 2
    upper = torch.where(upper_pivot == 255, table[255], upper)
    lower = torch.where(lower_pivot == 0, table[0], lower)
    up = x > val
    above = torch.where(x > (upper + val) * 0.5, upper_pivot, pivot)
    below = torch.where(x < (lower + val) * 0.5, lower_pivot, pivot)
    return torch.where(up, above, below).to(torch.uint8)


def double_quantize(absmax: torch.Tensor) -> DoubleQuant:
    offset = sequential_mean(absmax)
    centered = absmax - offset
    padded, scales, inv = _blockwise(centered, ABSMAX_BLOCK)
    codes = encode_dynamic((padded * inv[:, None]).reshape(-1), dynamic_map().to(absmax.device))
    return DoubleQuant(codes[: absmax.numel()].contiguous(), scales, offset)


def absmax_values(absmax, table: torch.Tensor | None = None) -> torch.Tensor:
    """The fp32 absmax per block (decoding DoubleQuant: float64 ``code * scale + offset``)."""
    if isinstance(absmax, torch.Tensor):
        return absmax
    n = absmax.codes.numel()
    table = dynamic_map().to(absmax.codes.device) if table is None else table
    scales = absmax.scales.view(-1, 1).expand(-1, ABSMAX_BLOCK).reshape(-1)[:n]
    return (table[absmax.codes.long()].double() * scales.double()
            + absmax.offset.double()).float()


def dequantize(q: Quantized, dtype: torch.dtype = torch.float32, code: torch.Tensor | None = None,
               table: torch.Tensor | None = None) -> torch.Tensor:
    """``code[index] * absmax`` in fp32, then ``dtype``; element-wise only (Inductor fuses it)."""
    code = _table(CODE, q.packed.device) if code is None else code
    absmax = absmax_values(q.absmax, table)
    # high nibble first; shifts from arange, so a compiled graph indexes instead of loading them
    shifts = 4 - 4 * torch.arange(2, dtype=torch.uint8, device=q.packed.device)  # (4, 0)
    idx = ((q.packed.unsqueeze(-1) >> shifts) & 15).reshape(-1)  # (2 * ceil(numel / 2),)
    blocks = absmax.numel()
    if idx.numel() != blocks * BLOCK:
        idx = F.pad(idx, (0, blocks * BLOCK - idx.numel()))
    w = code[idx.int()].view(blocks, BLOCK) * absmax[:, None]
    return w.reshape(-1)[: q.numel].view(q.shape).to(dtype)


class _Product(torch.autograd.Function):
    """Eager ``x @ W^T`` that dequantizes again for the input gradient instead of keeping W."""

    @staticmethod
    def forward(ctx, x, layer):
        ctx.layer = layer
        return F.linear(x, layer.dequantized(x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad @ ctx.layer.dequantized(grad.dtype), None


class Nf4Linear(nn.Linear):
    """A frozen ``nn.Linear`` (no bias) held in NF4. Its packed codes are the ``weight`` buffer
    (uint8, as bitsandbytes' Linear4bit), so PEFT wraps it as a Linear and leaves the adapter's
    dtype alone; the dense weight exists only while a product needs it."""

    def __init__(self, q: Quantized):
        nn.Module.__init__(self)
        if len(q.shape) != 2:
            raise ValueError(f"Nf4Linear needs a 2-d weight, found shape {q.shape}")
        self.out_features, self.in_features = q.shape
        self.bias = None
        self.register_buffer("weight", q.packed)
        device = q.packed.device
        self.register_buffer("code", _table(CODE, device), persistent=False)
        self.double_quant = isinstance(q.absmax, DoubleQuant)
        if self.double_quant:
            self.register_buffer("absmax_codes", q.absmax.codes)
            self.register_buffer("absmax_scales", q.absmax.scales)
            self.register_buffer("absmax_offset", q.absmax.offset)
            self.register_buffer("table", dynamic_map().to(device), persistent=False)
        else:
            self.register_buffer("absmax", q.absmax)

    def reset_parameters(self) -> None:
        """Frozen codes: nothing to initialise (nn.Linear's would write into the uint8 codes)."""

    @classmethod
    def of(cls, linear: nn.Linear, double_quant: bool = True) -> "Nf4Linear":
        if linear.bias is not None:
            raise ValueError("Nf4Linear holds projections without bias")
        return cls(quantize(linear.weight, double_quant))

    def quantized(self) -> Quantized:
        absmax = (DoubleQuant(self.absmax_codes, self.absmax_scales, self.absmax_offset)
                  if self.double_quant else self.absmax)
        return Quantized(self.weight, absmax, (self.out_features, self.in_features))

    def dequantized(self, dtype: torch.dtype) -> torch.Tensor:
        """The dense (out, in) weight in ``dtype``."""
        table = self.table if self.double_quant else None
        return dequantize(self.quantized(), dtype, self.code, table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        if torch.is_autocast_enabled(x.device.type):
            dtype = torch.get_autocast_dtype(x.device.type)
        x = x.to(dtype)
        if torch.compiler.is_compiling():
            # Inside a compiled layer: the dequantization is traced (one fused kernel) and marked
            # for recomputation, so the partitioner keeps the packed codes for backward, not W.
            w = torch.utils.checkpoint.checkpoint(self.dequantized, dtype, use_reentrant=False)
            return F.linear(x, w)
        return _Product.apply(x, self)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, nf4, "
                f"double_quant={self.double_quant}")


def quantize_linears(module: nn.Module, double_quant: bool = True) -> int:
    """Replaces every bias-free ``nn.Linear`` below ``module`` by an Nf4Linear; returns how many."""
    count = 0
    for name, child in list(module.named_children()):
        if type(child) is nn.Linear and child.bias is None:
            setattr(module, name, Nf4Linear.of(child, double_quant))
            count += 1
        else:
            count += quantize_linears(child, double_quant)
    return count


def dense_copy(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """``model`` with every Nf4Linear replaced by an ``nn.Linear`` holding its dequantized weight
    in ``dtype`` (in place; returned for chaining). An adapter merged into that scores base +
    adapter, where a merge into the 4-bit codes would re-quantize (and change) the sum."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, Nf4Linear):
                dense = nn.Linear(child.in_features, child.out_features, bias=False,
                                  device="meta", dtype=dtype)
                dense.weight = nn.Parameter(child.dequantized(dtype), requires_grad=False)
                setattr(parent, name, dense)
    return model
