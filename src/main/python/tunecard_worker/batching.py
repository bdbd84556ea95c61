"""Micro-batches without padding waste, and their tensors.

Two plans, chosen by ``train.batching``; both are a pure function of (lengths, seed, epoch), so a
resumed run sees exactly the micro-batches an uninterrupted one would:

- ``length-grouped`` (default): the epoch's rows are shuffled, cut into mega-batches of
  ``50 * micro_batch`` rows, each sorted by length (longest first) and cut into micro-batches of
  ``micro_batch`` rows, padded on the right to the longest row (rounded up to 8). A step consumes
  ``micro_batch * grad_accum`` rows, as in the JVM engine. Right padding needs no attention mask
  under a causal mask, so SDPA keeps its fused causal kernels.
- ``packing``: rows are packed, first-fit by decreasing length within windows of
  ``64 * micro_batch`` shuffled rows, into bins of ``max_seq_len`` tokens; a micro-batch is
  ``micro_batch`` bins. Position ids restart at each row and a block-diagonal causal mask keeps
  rows from attending to each other, so the loss equals the unpacked one. Nearly no padding, fixed
  shapes; a step consumes ``micro_batch * grad_accum`` bins, so there are fewer steps per epoch.
"""

import random
from dataclasses import dataclass

import torch

LENGTH_GROUP_FACTOR = 50
PACKING_WINDOW_FACTOR = 64


def epoch_rng(seed: int, epoch: int) -> random.Random:
    return random.Random(seed * 1_000_003 + epoch)


def plan_epoch(lengths: list, batching: str, micro_batch: int, max_seq_len: int,
               seed: int, epoch: int) -> list:
    """The epoch's micro-batches; each is a list of rows, each row a list of example indices."""
    rng = epoch_rng(seed, epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    micro_batches = []
    if batching == "length-grouped":
        group = LENGTH_GROUP_FACTOR * micro_batch
        for start in range(0, len(order), group):
            chunk = sorted(order[start:start + group], key=lambda i: -lengths[i])
            for j in range(0, len(chunk), micro_batch):
                micro_batches.append([[i] for i in chunk[j:j + micro_batch]])
        return micro_batches
    if batching != "packing":
        raise ValueError(f"unknown batching {batching}")
    window = PACKING_WINDOW_FACTOR * micro_batch
    bins = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: -lengths[i])
        free, packed = [], []
        for i in chunk:
            for b, room in enumerate(free):
                if lengths[i] <= room:
                    free[b] -= lengths[i]
                    packed[b].append(i)
                    break
            else:
                free.append(max_seq_len - lengths[i])
                packed.append([i])
        rng.shuffle(packed)
        bins.extend(packed)
    return [bins[j:j + micro_batch] for j in range(0, len(bins), micro_batch)]


@dataclass
class Batch:
    """One micro-batch on the device.

    input_ids (B, T); segments (B, T) row index inside a packed bin (None: one row per line,
    right-padded); position_ids (B, T) or None; sel (N,) flat indices into (B*T) of the positions
    whose next token is an answer token; tgt (N,) those next tokens; cu_seqlens (S+1,) int32, packed
    only: where each of the S rows starts in the flattened (B*T) tokens, then B*T (every bin's
    padding tail counts as a row of its own, so each token belongs to one row).
    """

    input_ids: torch.Tensor
    position_ids: torch.Tensor | None
    segments: torch.Tensor | None
    sel: torch.Tensor
    tgt: torch.Tensor
    tokens: int  # real (non-pad) tokens
    targets: int  # == N
    cu_seqlens: torch.Tensor | None = None

    def attention_mask(self):
        """(B, 1, T, T) bool, True where a query may attend: causal and within its row."""
        if self.segments is None:
            return None
        t = self.segments.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=self.segments.device).tril()
        same = self.segments[:, :, None] == self.segments[:, None, :]
        return (same & causal)[:, None, :, :]


def collate(examples: list, rows: list, pad_id: int, device, packed: bool, seq_len: int) -> Batch:
    """Builds a Batch from rows of example indices (see plan_epoch)."""
    lengths = [sum(len(examples[i].ids) for i in row) for row in rows]
    t = seq_len if packed else max(lengths)
    t = (t + 7) // 8 * 8  # tensor-core friendly; padding sits after every real token
    ids = [[pad_id] * t for _ in rows]
    pos = [[0] * t for _ in rows] if packed else None
    seg = [[len(row)] * t for row in rows] if packed else None
    sel, tgt, starts = [], [], []
    for b, row in enumerate(rows):
        offset = 0
        for k, i in enumerate(row):
            ex = examples[i]
            n = len(ex.ids)
            ids[b][offset:offset + n] = ex.ids
            if packed:
                pos[b][offset:offset + n] = range(n)
                seg[b][offset:offset + n] = [k] * n
            base = b * t + offset
            starts.append(base)
            sel.extend(range(base + ex.prompt_len - 1, base + n - 1))
            tgt.extend(ex.ids[ex.prompt_len:])
            offset += n
        if packed and offset < t:
            pos[b][offset:] = range(t - offset)
            starts.append(b * t + offset)

    def put(values, dtype=torch.long):
        tensor = torch.tensor(values, dtype=dtype)
        if device.type == "cuda":
            return tensor.pin_memory().to(device, non_blocking=True)
        return tensor.to(device)

    return Batch(
        input_ids=put(ids),
        position_ids=put(pos) if packed else None,
        segments=put(seg) if packed else None,
        sel=put(sel),
        tgt=put(tgt),
        tokens=sum(lengths),
        targets=len(tgt),
        cu_seqlens=put(starts + [len(rows) * t], torch.int32) if packed else None,
    )


def eval_batches(examples: list, batch: int) -> list:
    """Rows for scoring: sorted by length (little padding), one example per row."""
    order = sorted(range(len(examples)), key=lambda i: -len(examples[i].ids))
    return [[[i] for i in order[j:j + batch]] for j in range(0, len(order), batch)]
