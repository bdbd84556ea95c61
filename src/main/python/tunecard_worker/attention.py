"""SDPA attention for grouped-query models without copying K and V for every query head.

transformers' own ``sdpa`` function calls ``repeat_kv`` (Mistral: 8 KV heads -> 32) whenever an
attention mask is present: left-padded generation and packed training. During batched decoding
that copy dominates the step (the whole KV cache is written 4x and read again, per layer). Here
the G query heads that share a KV head are stacked along the query axis instead:

    query (B, KV*G, L, D) -> (B, KV, G*L, D),  mask (B, 1, L, S) -> (B, 1, G*L, S)

which is the same attention, computed by one SDPA call per KV head with K and V read once. Without
a mask (right-padded or unpadded causal batches) SDPA's own ``enable_gqa`` path (flash) is used.
Registered with transformers as ``tunecard_sdpa``, with the ``sdpa`` mask builder.

``tunecard_varlen`` is for packed training: the rows of all bins are one sequence list
(``cu_seq_lens_q``: cumulative row starts over the flattened (B*T) tokens, every bin's padding
tail its own row), and on CUDA one FlashAttention varlen call computes causal attention within
each row, with K/V heads shared natively (no copies, no (T, T) mask, blocks across rows skipped).
It has no mask builder: without ``cu_seq_lens_q`` it runs ``gqa_sdpa`` on what it is given (no
mask for right-padded rows: SDPA's causal flash path).
"""

import torch
import torch.nn.functional as F

NAME = "tunecard_sdpa"
VARLEN = "tunecard_varlen"
FLASH_DEVICES = ("cuda",)  # where aten._flash_attention_forward has a kernel
FLASH_DTYPES = (torch.float16, torch.bfloat16)  # the only dtypes that kernel takes
_registered = False


def gqa_sdpa(module, query, key, value, attention_mask, dropout=0.0, scaling=None,
             is_causal=None, **kwargs):
    """transformers attention interface: returns (output (B, L, H, D), None)."""
    b, h, length, d = query.shape
    kv = key.shape[1]
    groups = h // kv
    if attention_mask is None:
        causal = length > 1 and (is_causal if is_causal is not None
                                 else getattr(module, "is_causal", True))
        if causal and key.shape[2] > length:  # prefill of an empty static cache
            key, value = key[:, :, :length], value[:, :, :length]
        out = F.scaled_dot_product_attention(query, key, value, dropout_p=dropout, scale=scaling,
                                             is_causal=causal, enable_gqa=groups > 1)
        return out.transpose(1, 2).contiguous(), None
    if groups == 1:
        out = F.scaled_dot_product_attention(query, key, value, attn_mask=attention_mask,
                                             dropout_p=dropout, scale=scaling)
        return out.transpose(1, 2).contiguous(), None
    q = query.reshape(b, kv, groups * length, d)  # row g*L + l is query head kv*G + g, position l
    if length == 1:
        mask = attention_mask.expand(attention_mask.shape[0], 1, groups, attention_mask.shape[-1])
    else:
        mask = attention_mask.repeat(1, 1, groups, 1)
    out = F.scaled_dot_product_attention(q, key, value, attn_mask=mask, dropout_p=dropout,
                                         scale=scaling)  # (B, KV, G*L, D)
    return out.reshape(b, h, length, d).transpose(1, 2).contiguous(), None


def segment_mask(cu_seqlens: torch.Tensor, b: int, t: int) -> torch.Tensor:
    """(B, 1, T, T) bool: causal within the rows that ``cu_seqlens`` delimits in the (B*T) tokens."""
    positions = torch.arange(b * t, device=cu_seqlens.device)
    rows = torch.searchsorted(cu_seqlens[1:], positions, right=True).view(b, t)
    causal = torch.ones(t, t, dtype=torch.bool, device=cu_seqlens.device).tril()
    return ((rows[:, :, None] == rows[:, None, :]) & causal)[:, None]


def varlen_sdpa(module, query, key, value, attention_mask, dropout=0.0, scaling=None,
                is_causal=None, cu_seq_lens_q=None, max_length_q=None, **kwargs):
    """transformers attention interface; packed rows through ``cu_seq_lens_q`` (B*T + 1 at most
    entries, int32) and ``max_length_q`` (an upper bound of a row's length)."""
    if cu_seq_lens_q is None:
        return gqa_sdpa(module, query, key, value, attention_mask, dropout, scaling, is_causal)
    b, h, length, d = query.shape
    if query.device.type not in FLASH_DEVICES or query.dtype not in FLASH_DTYPES:
        # the same attention through a mask (the CPU, or fp32 on a GPU)
        mask = segment_mask(cu_seq_lens_q, b, length)
        return gqa_sdpa(module, query, key, value, mask, dropout, scaling)
    q = query.transpose(1, 2).reshape(b * length, h, d)  # (B*T, H, D)
    k = key.transpose(1, 2).reshape(b * length, key.shape[1], d)  # (B*T, KV, D)
    v = value.transpose(1, 2).reshape(b * length, value.shape[1], d)
    cap = int(max_length_q or length)
    out = torch.ops.aten._flash_attention_forward(
        q, k, v, cu_seq_lens_q, cu_seq_lens_q, cap, cap, dropout, True, False, scale=scaling)[0]
    return out.view(b, length, h, d), None


def register() -> str:
    """Makes ``attn_implementation="tunecard_sdpa"`` (and ``tunecard_varlen``) known to
    transformers; returns the first name."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

        AttentionInterface.register(NAME, gqa_sdpa)
        AttentionMaskInterface.register(NAME, sdpa_mask)
        AttentionInterface.register(VARLEN, varlen_sdpa)
        _registered = True
    return NAME

