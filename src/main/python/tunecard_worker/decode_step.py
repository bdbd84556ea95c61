"""The model side of decode.py: its layers called one by one over a preallocated KV cache, and
the decode step replayed from CUDA graphs.

The cache holds ``width`` question slots. Per layer, keys and values are

    (width, kv_heads, slots * beams, head_dim),  slot s of beam b at index s * beams + b

where slots ``[0, P)`` hold the prompt (beam 0 only: the beams of a question share it) and slot
``P + t`` the t-th new token. A question's rows never move: beam search keeps an ``origin``
table, (width, beams, max_new), that says which beam's slot holds each earlier new token of a
beam, and attention reads every beam's slots of the question through a mask built from it. The
four beams of a question are to its keys what the G query heads of a KV head are in
``attention.gqa_sdpa``: one SDPA call per question and KV head, no K/V copied per beam and none
reordered when beams change parents. Slicing the slot axis to the longest live answer
(``span``) keeps early steps from reading the empty tail of the cache.

Supported: decoder layers of the Llama pattern (Mistral, Llama, Qwen2): input_layernorm,
self_attn.{q,k,v,o}_proj with rotary embeddings, post_attention_layernorm, mlp.
"""

import sys
import time

import torch
import torch.nn.functional as F

SUPPORTED = ("mistral", "llama", "qwen2")
NEG = -1.0e9


def unsupported(model) -> str | None:
    """Why the loop cannot run ``model`` (None: it can)."""
    cfg = model.config
    if cfg.model_type not in SUPPORTED:
        return f"model_type '{cfg.model_type}' (supported: {', '.join(SUPPORTED)})"
    attn = model.model.layers[0].self_attn
    for name in ("q_norm", "k_norm"):
        if hasattr(attn, name):
            return f"attention with {name}"
    rope = getattr(cfg, "rope_parameters", None) or getattr(cfg, "rope_scaling", None) or {}
    if rope.get("rope_type", "default") not in ("default", "linear", "llama3"):
        return f"rope_type '{rope.get('rope_type')}' (its frequencies depend on the length)"
    return None


class Stack:
    """The causal LM's modules, and the cache and per-slot state they decode with."""

    def __init__(self, lm, width: int, beams: int, prompt_slots: int, new_slots: int):
        self.lm, self.inner = lm, lm.model
        cfg = lm.config
        attn = self.inner.layers[0].self_attn
        self.heads, self.kv = cfg.num_attention_heads, cfg.num_key_value_heads
        self.dim, self.scaling = attn.head_dim, attn.scaling
        self.groups = self.heads // self.kv
        self.rope = sys.modules[type(attn).__module__].apply_rotary_pos_emb
        self.width, self.beams = width, beams
        self.attention = "matmul" if beams == 1 else "sdpa"  # see _attention
        self.prompt_slots, self.new_slots = prompt_slots, new_slots
        p = next(lm.parameters())
        self.device, self.dtype = p.device, self.inner.embed_tokens.weight.dtype
        shape = (width, self.kv, (prompt_slots + new_slots) * beams, self.dim)
        # zeros, not empty: masked slots are still multiplied, and garbage bits may be NaN
        self.keys = [torch.zeros(shape, dtype=self.dtype, device=self.device)
                     for _ in self.inner.layers]
        self.values = [torch.zeros_like(k) for k in self.keys]
        long = dict(dtype=torch.long, device=self.device)
        # per slot; the step reads them where they are, so they are only ever updated in place
        self.tokens = torch.zeros(width * beams, **long)  # the token each row feeds next
        self.plen = torch.ones(width, **long)  # prompt length
        self.n = torch.ones(width, **long)  # tokens chosen so far; the fed one is number n - 1
        self.origin = torch.zeros(width, beams, new_slots, **long)  # beam holding new token t

    @staticmethod
    def bytes_per_slot(lm, beams: int, slots: int) -> int:
        cfg, dtype = lm.config, lm.model.embed_tokens.weight.dtype
        dim = lm.model.layers[0].self_attn.head_dim
        elem = torch.finfo(dtype).bits // 8
        return 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * dim * slots * beams * elem

    def _layer(self, layer, x, cos, sin, attend):
        """One decoder layer; ``attend(i, q, k, v)`` stores k/v and returns (rows, L, H*D)."""
        a = layer.self_attn
        h = layer.input_layernorm(x)
        rows, length = x.shape[:2]
        q = a.q_proj(h).view(rows, length, self.heads, self.dim).transpose(1, 2)
        k = a.k_proj(h).view(rows, length, self.kv, self.dim).transpose(1, 2)
        v = a.v_proj(h).view(rows, length, self.kv, self.dim).transpose(1, 2)
        q, k = self.rope(q, k, cos, sin)  # (rows, heads, L, D), (rows, kv, L, D)
        x = x + a.o_proj(attend(q, k, v))
        return x + layer.mlp(layer.post_attention_layernorm(x))

    def _head(self, x):
        return self.lm.lm_head(self.inner.norm(x)).float()

    def prefill(self, slots: torch.Tensor, ids: torch.Tensor, lens: torch.Tensor) -> torch.Tensor:
        """Writes the prompts ``ids`` (k, L), right-padded, into ``slots``; returns the logits
        of each prompt's last token, (k, V) fp32."""
        k_rows, length = ids.shape
        pos = torch.arange(length, device=self.device).expand(k_rows, length)
        x = self.inner.embed_tokens(ids)
        cos, sin = self.inner.rotary_emb(x, pos)
        stride = self.beams

        for i, layer in enumerate(self.inner.layers):
            def attend(q, k, v, i=i):
                self.keys[i][slots, :, :length * stride:stride] = k
                self.values[i][slots, :, :length * stride:stride] = v
                # right padding: causal attention needs no mask for the real tokens
                o = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=self.scaling,
                                                   enable_gqa=self.groups > 1)
                return o.transpose(1, 2).reshape(k_rows, length, self.heads * self.dim)

            x = self._layer(layer, x, cos, sin, attend)
        last = x[torch.arange(k_rows, device=self.device), lens - 1]  # (k, H)
        return self._head(last[:, None])[:, 0]

    def step(self, width: int, span: int) -> torch.Tensor:
        """Feeds every row of the first ``width`` slots its next token; (width * beams, V) fp32.

        Reads only the persistent state tensors (so a CUDA graph can replay it) and the first
        ``span`` new-token slots of the cache.
        """
        nb, g, d = self.beams, self.groups, self.dim
        rows = width * nb
        n, plen = self.n[:width], self.plen[:width]
        fed = n - 1  # index of the fed token among the new ones
        pos = (plen + fed)[:, None].expand(width, nb).reshape(rows, 1)
        mask = self._mask(width, span)  # once per step, in the form _attention takes
        slot = ((self.prompt_slots + fed)[:, None] * nb
                + torch.arange(nb, device=self.device))  # (width, nb)
        where = slot[:, None, :, None].expand(width, self.kv, nb, d)
        keep = (self.prompt_slots + span) * nb
        x = self.inner.embed_tokens(self.tokens[:rows, None])  # (rows, 1, H)
        cos, sin = self.inner.rotary_emb(x, pos)

        for i, layer in enumerate(self.inner.layers):
            def attend(q, k, v, i=i):
                keys, values = self.keys[i][:width], self.values[i][:width]
                # (rows, kv, 1, D) -> (width, kv, nb, D): each beam's token at its own slot
                keys.scatter_(2, where, k.view(width, nb, self.kv, d).transpose(1, 2))
                values.scatter_(2, where, v.view(width, nb, self.kv, d).transpose(1, 2))
                # (rows, kv*G, 1, D) -> (width, kv, nb*G, D): row b*G + g is beam b, head g
                qq = q.view(width, nb, self.kv, g, d).transpose(1, 2).reshape(
                    width, self.kv, nb * g, d)
                o = self._attention(qq, keys[:, :, :keep], values[:, :, :keep], mask)
                return o.view(width, self.kv, nb, g, d).transpose(1, 2).reshape(
                    rows, 1, self.heads * d)

            x = self._layer(layer, x, cos, sin, attend)
        return self._head(x)[:, 0]

    def _attention(self, q, k, v, mask):
        """Attention of the fed tokens, ``q`` (width, kv, beams * G, D), over the slots ``k``,
        ``v`` (width, kv, S, D) that ``mask`` (``_mask``) lets each beam read.

        ``matmul`` (greedy and sampling): two batched matrix products, as transformers' eager
        attention computes them (scores in the model's dtype, softmax in float32). With G = 4
        query rows per KV head they read K and V once, where a fused kernel tiles the queries by
        64 and spends most of its work on empty rows. ``sdpa`` (beam search): the fused kernel,
        which wins there, where the float32 scores of every beam over every beam's slots would
        cost more than the kernel's empty rows (both measured on the H200: docs/benchmarks.md).
        """
        width, kv, rows, length = q.shape[0], q.shape[1], q.shape[2], k.shape[2]
        nb = self.beams
        if self.attention == "sdpa":
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=self.scaling)
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scaling  # (width, kv, rows, S)
        scores = scores.view(width, kv, nb, rows // nb, length).masked_fill(mask, NEG).view(
            width, kv, rows, length)
        probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(v.dtype)
        return torch.matmul(probs, v)

    def _mask(self, width: int, span: int) -> torch.Tensor:
        """``_allowed`` in the form the step's attention takes, made once per step for all
        layers: for ``sdpa`` (width, 1, beams * G, S), True where a query may read; for
        ``matmul`` (width, 1, beams, 1, S), True where it may not (broadcast over heads)."""
        allowed = self._allowed(width, span)  # (width, nb, S)
        if self.attention == "sdpa":
            nb, g, length = self.beams, self.groups, allowed.shape[-1]
            return allowed[:, None, :, None].expand(width, 1, nb, g, length).reshape(
                width, 1, nb * g, length)
        return ~allowed[:, None, :, None, :]

    def _allowed(self, width: int, span: int) -> torch.Tensor:
        """(width, beams, (P + span) * beams) bool: what each beam's queries may read."""
        nb, dev = self.beams, self.device
        prompt = (torch.arange(self.prompt_slots, device=dev)
                  < self.plen[:width, None])  # (width, P)
        fresh = torch.arange(span, device=dev) < self.n[:width, None]  # (width, span)
        if nb == 1:
            allowed = torch.cat([prompt, fresh], 1)[:, None]  # (width, 1, S)
        else:
            own = self.origin[:width, :, :span, None] == torch.arange(nb, device=dev)
            fresh = (own & fresh[:, None, :, None]).reshape(width, nb, span * nb)
            first = torch.arange(nb, device=dev) == 0  # the prompt lives in beam 0's slots
            prompt = (prompt[:, :, None] & first).reshape(width, 1, -1).expand(width, nb, -1)
            allowed = torch.cat([prompt, fresh], 2)  # (width, nb, S * nb)
        return allowed

    def compact(self, keep: torch.Tensor) -> None:
        """Moves the slots ``keep`` (ascending) to the front, in order."""
        m = keep.numel()
        for t in self.keys + self.values:
            t[:m] = t[keep]
        rows = (keep[:, None] * self.beams + torch.arange(self.beams, device=self.device))
        self.tokens[:m * self.beams] = self.tokens[rows.reshape(-1)]
        for t in (self.plen, self.n, self.origin):
            t[:m] = t[keep]


class StepGraphs:
    """``Stack.step`` captured once per (width, span) in a CUDA graph and replayed; eager on the
    CPU, or after a capture failed (the reason is kept in ``failed``)."""

    def __init__(self, stack: Stack, enabled: bool):
        self.stack = stack
        self.enabled = enabled and stack.device.type == "cuda"
        self.graphs, self.failed = {}, None
        self.capture_seconds = 0.0  # warm-up and capture, a cost per call of the loop
        self.pool = torch.cuda.graph_pool_handle() if self.enabled else None

    def __call__(self, width: int, span: int) -> torch.Tensor:
        if not self.enabled:
            return self.stack.step(width, span)
        key = (width, span)
        if key not in self.graphs:
            try:
                torch.cuda.synchronize()
                t0 = time.perf_counter()
                self.graphs[key] = self._capture(width, span)
                torch.cuda.synchronize()
                self.capture_seconds += time.perf_counter() - t0
            except Exception as e:  # noqa: BLE001 - an op that cannot be captured: stay eager
                self.enabled, self.failed = False, f"{type(e).__name__}: {e}"[:300]
                print(f"tunecard_worker: decoding without CUDA graphs ({self.failed})",
                      file=sys.stderr, flush=True)
                torch.cuda.synchronize()
                return self.stack.step(width, span)
        graph, out = self.graphs[key]
        graph.replay()
        return out

    def _capture(self, width: int, span: int):
        # The step only rewrites the K/V of the tokens it feeds, so running it more than once
        # (the warm-up, then the replay) leaves the same state as running it once.
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):
                self.stack.step(width, span)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            out = self.stack.step(width, span)
        return graph, out
