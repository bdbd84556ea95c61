"""torch.compile of the decoder layers for training steps ("regional" compilation).

In eager mode a LoRA step of Mistral-7B reached 39 % of an H100's matmul rate: per layer and
direction, the seven LoRA branches (dropout, A, B, scale, add), two RMSNorms in fp32, the rotary
embedding and SiLU-times-up each run as several element-wise kernels that read and write whole
activations. Compiling the decoder layer fuses those chains (Inductor), and its partitioner keeps
fewer of their intermediates for backward (it recomputes cheap element-wise results instead);
inside it the LoRA dropout masks are kept as bits (lean_lora's branch, fused). Measured: 1.37x the
tokens/s with 11 GB less memory at micro-batch 4 (docs/benchmarks.md, run 4).

All layers share one compiled function (the layer is its argument): two graphs are traced and
compiled (the first layer, whose input needs no gradient, and the others), not one per layer.
Only training steps use it (module in train mode, gradients
enabled); evaluation and generation run the eager forward. Semantics are PEFT's: each LoRA
module keeps its own dropout mask (drawn by Inductor's RNG instead of eager torch's, still seeded
by ``torch.manual_seed`` and the CUDA RNG state, so runs stay seeded).

``TUNECARD_COMPILE`` = ``1`` / ``0`` forces it on / off; by default it is on for CUDA devices and
off on the CPU, where compiling costs more than the tiny test models gain.
"""

import functools
import os
import types

import torch

from . import lean_lora

ENV = "TUNECARD_COMPILE"
_compiled = None


def wanted(device: torch.device) -> bool:
    """Whether training should compile the decoder layers (environment, else CUDA only)."""
    value = os.environ.get(ENV, "").strip()
    if value in ("0", "1"):
        return value == "1"
    return device.type == "cuda"


def _layer_forward(layer, *args, **kwargs):
    return type(layer).forward(layer, *args, **kwargs)


def _shared():
    global _compiled
    if _compiled is None:
        # dynamic=None: sizes stay static unless marked (below) or seen to change: a length-grouped
        # run's second length compiles one graph with a dynamic length, not one per length.
        _compiled = torch.compile(_layer_forward, dynamic=None)
    return _compiled


def _mark_first_dims(value) -> None:
    """The leading size of every tensor argument (batch rows; the row boundaries of packed bins)
    is dynamic from the start, so another micro-batch size or row count reuses the graph."""
    if isinstance(value, torch.Tensor):
        if value.dim() > 0:
            torch._dynamo.maybe_mark_dynamic(value, 0)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _mark_first_dims(v)


_sizes_seen = set()


def _forward(layer, *args, **kwargs):
    if layer.training and torch.is_grad_enabled():
        hidden = args[0] if args else kwargs["hidden_states"]
        rows = hidden.shape[0]
        if rows == 1 and _sizes_seen - {1}:
            # a one-row remainder (an epoch's last micro-batch): torch.compile specialises size 1,
            # so it would compile anew; eager costs one slower micro-batch instead
            return type(layer).forward(layer, *args, **kwargs)
        _sizes_seen.add(rows)
        _mark_first_dims(args)
        _mark_first_dims(list(kwargs.values()))
        return _shared()(layer, *args, **kwargs)
    return type(layer).forward(layer, *args, **kwargs)


def decoder_layers(lm) -> list:
    """The transformer blocks of a transformers CausalLM (``model.layers`` of its decoder)."""
    return list(lm.get_decoder().layers)


def _lora_forward(self, x, *args, **kwargs):
    """A PEFT LoRA Linear's forward inside a compiled layer: the dropout mask as bits (lean_lora's
    branch, fused by Inductor); PEFT's own forward everywhere else."""
    if not torch.compiler.is_compiling() or args or kwargs or self.disable_adapters or \
            self.merged or self.lora_variant:
        eager = self.__dict__["_tunecard_eager_forward"]
        if eager is None:
            return type(self).forward(self, x, *args, **kwargs)
        return eager(x, *args, **kwargs)
    result = self.base_layer(x)
    for name in self.active_adapters:
        if name not in self.lora_A:
            continue
        a, b = self.lora_A[name].weight, self.lora_B[name].weight
        scaling = float(self.scaling[name])
        p = float(getattr(self.lora_dropout[name], "p", 0.0)) if self.training else 0.0
        if p > 0:
            keep = torch.rand(x.shape, device=x.device) >= p
            with torch.autocast(x.device.type, enabled=False):
                delta = lean_lora.LoraBranch.apply(x, a, b, scaling, p, keep)
        else:
            delta = self.lora_B[name](self.lora_A[name](x)) * scaling
        result = result + delta.to(result.dtype)
    return result


def _lora_modules(layers) -> list:
    from peft.tuners.lora import Linear

    return [m for layer in layers for m in layer.modules() if isinstance(m, Linear)]


def compile_layers(lm) -> int:
    """Routes the training forward of every decoder layer of ``lm`` (a transformers CausalLM, LoRA
    layers already injected) through the shared compiled function; returns how many."""
    layers = decoder_layers(lm)
    for layer in layers:
        layer.forward = functools.partial(_forward, layer)
    for module in _lora_modules(layers):
        if "_tunecard_eager_forward" not in module.__dict__:
            # None: PEFT's class forward; else lean_lora's patch
            module._tunecard_eager_forward = module.__dict__.get("forward")
            module.forward = types.MethodType(_lora_forward, module)
    return len(layers)


def uncompile_layers(lm) -> None:
    """Back to the eager forward of every decoder layer."""
    layers = decoder_layers(lm)
    for layer in layers:
        layer.__dict__.pop("forward", None)
    for module in _lora_modules(layers):
        if "_tunecard_eager_forward" in module.__dict__:
            eager = module.__dict__.pop("_tunecard_eager_forward")
            module.__dict__.pop("forward", None)
            if eager is not None:
                module.forward = eager
