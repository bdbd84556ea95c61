"""A LoRA branch that keeps 1 bit per input element for backward instead of a dropped-out copy.

PEFT computes ``lora_B(lora_A(dropout(x))) * scaling`` per adapted module; autograd then keeps the
dropped-out input (bf16) and its mask for every one of the seven projections: with dropout > 0
that was about a third of the activation memory of a Mistral LoRA step. This branch keeps ``x``
(already kept for the frozen layer's own backward: no extra memory), the rank-r product and the
dropout mask packed 8 elements to a byte, and rebuilds ``dropout(x)`` in backward. The result and
gradients are those of PEFT's branch with the same mask (tested); masks come from torch's RNG, so
runs stay seeded and resumable. ``patch(peft_model)`` swaps the forward of every LoRA Linear.
"""

import types

import torch

def _shifts(device):
    return torch.arange(8, dtype=torch.uint8, device=device)  # compiled: an index, not a tensor


def pack(keep: torch.Tensor) -> torch.Tensor:
    """bool (..., n), n % 8 == 0 -> uint8 (..., n / 8)."""
    bits = keep.reshape(*keep.shape[:-1], -1, 8).to(torch.uint8) << _shifts(keep.device)
    return bits.sum(-1, dtype=torch.uint8)


def unpack(packed: torch.Tensor, shape) -> torch.Tensor:
    return ((packed.unsqueeze(-1) >> _shifts(packed.device)) & 1).bool().reshape(shape)


class LoraBranch(torch.autograd.Function):
    """out = ((x * keep / (1 - p)) @ A^T) @ B^T * scaling, A (r, in) and B (out, r) fp32 masters
    used in x's dtype; keep None means no dropout."""

    @staticmethod
    def forward(ctx, x, a, b, scaling: float, p: float, keep):
        ac, bc = a.to(x.dtype), b.to(x.dtype)
        xd = x if keep is None else x * keep * (1.0 / (1.0 - p))
        h = xd @ ac.t()  # (..., r)
        out = (h @ bc.t()) * scaling  # (..., out)
        packed = None if keep is None else (pack(keep) if keep.shape[-1] % 8 == 0 else keep)
        ctx.save_for_backward(x, h, a, b, packed)
        ctx.scaling, ctx.p, ctx.shape = scaling, p, x.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        x, h, a, b, packed = ctx.saved_tensors
        dtype = grad.dtype
        keep = None
        if packed is not None:
            keep = packed if packed.dtype == torch.bool else unpack(packed, ctx.shape)
        g = grad * ctx.scaling  # (..., out)
        g2, h2 = g.reshape(-1, g.shape[-1]), h.reshape(-1, h.shape[-1])
        grad_b = (g2.t() @ h2).to(b.dtype)  # (out, r)
        gh = g @ b.to(dtype)  # (..., r)
        xd = x if keep is None else x * keep * (1.0 / (1.0 - ctx.p))
        grad_a = (gh.reshape(-1, gh.shape[-1]).t() @ xd.reshape(-1, xd.shape[-1])).to(a.dtype)
        if not ctx.needs_input_grad[0]:  # the first layer's input: nothing upstream trains
            return None, grad_a, grad_b, None, None, None
        grad_x = gh @ a.to(dtype)  # (..., in)
        if keep is not None:
            grad_x = grad_x * keep * (1.0 / (1.0 - ctx.p))
        return grad_x, grad_a, grad_b, None, None, None


def _forward(self, x, *args, **kwargs):
    result = self.base_layer(x, *args, **kwargs)
    if self.disable_adapters or self.merged:
        return result
    for name in self.active_adapters:
        if name not in self.lora_A:
            continue
        p = float(getattr(self.lora_dropout[name], "p", 0.0)) if self.training else 0.0
        keep = None
        if p > 0:
            keep = torch.rand(x.shape, device=x.device) >= p
        with torch.autocast(x.device.type, enabled=False):
            delta = LoraBranch.apply(x, self.lora_A[name].weight, self.lora_B[name].weight,
                                     float(self.scaling[name]), p, keep)
        result = result + delta.to(result.dtype)
    return result


def patch(peft_model) -> int:
    """Uses LoraBranch in every PEFT LoRA Linear of the model; returns how many were patched."""
    from peft.tuners.lora import Linear

    count = 0
    for module in peft_model.modules():
        if isinstance(module, Linear):
            module.forward = types.MethodType(_forward, module)
            count += 1
    return count
