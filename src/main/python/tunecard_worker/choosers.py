"""How the decoding loop (decode.py) chooses the next tokens: ``Picks`` for greedy and sampling
(transformers' logits processors in ``generate``'s order, scores in float32), ``Beams`` for beam
search (the top ``max(2, 1 + #eos) * beams`` continuations, length penalty over the new tokens,
``early_stopping`` and its heuristic). Both keep one row of state per slot of the loop's batch and
answer with the ids cut before the first eos.
"""

import torch

from .decode_step import NEG


class Picks:
    """Greedy and sampling: transformers' processors, then argmax or one draw per row."""

    def __init__(self, strategy: dict, eos: torch.Tensor, vocab: int, generator):
        self.sample, self.min_new = strategy["do_sample"], strategy["min_new_tokens"]
        self.temperature = strategy["temperature"] if self.sample else 1.0
        self.top_k = min(strategy["top_k"], vocab) if self.sample else 0
        self.top_p = strategy["top_p"] if self.sample else 1.0
        self.is_eos = torch.zeros(vocab, dtype=torch.bool, device=eos.device)
        self.is_eos[eos] = True
        self.eos = set(eos.tolist())
        self.generator = generator

    def process(self, logits: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        """(rows, V) fp32 logits, ``n`` new tokens so far per row -> the scores generate draws
        from (MinNewTokensLength, Temperature, TopK, TopP)."""
        scores = logits
        if self.min_new > 0:
            scores = scores.masked_fill((n < self.min_new)[:, None] & self.is_eos, -float("inf"))
        if self.temperature != 1.0:
            scores = scores / self.temperature
        if self.top_k:
            kth = torch.topk(scores, self.top_k)[0][..., -1, None]
            scores = scores.masked_fill(scores < kth, -float("inf"))
        if self.top_p < 1.0:
            ordered, order = torch.sort(scores, descending=False)
            drop = ordered.softmax(dim=-1).cumsum(dim=-1) <= (1 - self.top_p)
            drop[..., -1:] = False  # the most probable token stays
            scores = scores.masked_fill(drop.scatter(1, order, drop), -float("inf"))
        return scores

    def choose(self, scores: torch.Tensor, questions, n) -> torch.Tensor:
        """One token per row (``questions`` and ``n`` say whose row and which token: tests use
        them to replay another run's choices)."""
        if not self.sample:
            return torch.argmax(scores, dim=-1)
        probs = scores.softmax(dim=-1)
        return torch.multinomial(probs, 1, generator=self.generator)[:, 0]

    def start(self, slots: torch.Tensor) -> None:
        pass

    def advance(self, stack, logits, live, cap, questions, out):
        """Chooses each live row's next token; returns the (width,) bool of rows that ended."""
        width = live.shape[0]
        n = stack.n[:width]
        scores = self.process(logits, n)
        scores = torch.where(live[:, None], scores, 0.0)  # other rows draw from anything finite
        token = self.choose(scores, torch.where(live, questions, -1), n)
        ended = live & (self.is_eos[token] | (n + 1 >= cap))
        out[:width].scatter_(1, n[:, None].clamp(max=out.shape[1] - 1), token[:, None])
        stack.tokens[:width] = torch.where(live, token, stack.tokens[:width])
        stack.n[:width] = torch.where(live, n + 1, n)
        return ended

    def answer(self, slots: torch.Tensor, out: torch.Tensor, counts) -> list:
        """(ids before the first eos, whether eos came) of the questions in ``slots``."""
        return [_cut(row[:c], self.eos) for row, c in zip(out[slots].tolist(), counts)]

    def compact(self, keep) -> None:
        pass


def _cut(ids: list, eos: set):
    for i, t in enumerate(ids):
        if t in eos:
            return ids[:i], True
    return ids, False


class Beams:
    """Beam search, per question slot: transformers' running beams, finished hypotheses and
    stopping heuristic, with the cache addressed through ``Stack.origin`` instead of reordered."""

    def __init__(self, strategy: dict, eos: torch.Tensor, vocab: int, width: int, new: int):
        nb = self.beams = strategy["num_beams"]
        self.penalty, self.early = float(strategy["length_penalty"]), strategy["early_stopping"]
        self.min_new, self.vocab = strategy["min_new_tokens"], vocab
        self.keep = max(2, 1 + eos.numel()) * nb
        dev = eos.device
        self.is_eos = torch.zeros(vocab, dtype=torch.bool, device=dev)
        self.is_eos[eos] = True
        self.eos = set(eos.tolist())
        self.top_mask = torch.arange(self.keep, device=dev) < nb
        f32, long = dict(dtype=torch.float32, device=dev), dict(dtype=torch.long, device=dev)
        self.run_scores = torch.zeros(width, nb, **f32)
        self.run_seq = torch.zeros(width, nb, new, **long)
        self.fin_scores = torch.full((width, nb), NEG, **f32)
        self.fin_seq = torch.zeros(width, nb, new, **long)
        self.fin_len = torch.zeros(width, nb, **long)
        self.fin = torch.zeros(width, nb, dtype=torch.bool, device=dev)
        self.open = torch.ones(width, dtype=torch.bool, device=dev)

    def start(self, slots: torch.Tensor) -> None:
        self.run_scores[slots] = torch.tensor([0.0] + [NEG] * (self.beams - 1),
                                              device=slots.device)
        self.fin_scores[slots] = NEG
        self.fin_len[slots] = 0
        self.fin[slots] = False
        self.open[slots] = True

    def _length(self, n: torch.Tensor) -> torch.Tensor:
        # generate divides by the Python float (new length) ** penalty: the same in float64
        return (n.double() ** self.penalty).float()[:, None]

    def advance(self, stack, logits, live, cap, questions, out):
        width, nb, k, v = live.shape[0], self.beams, self.keep, self.vocab
        n = stack.n[:width]
        lp = torch.log_softmax(logits, dim=-1)  # (width * nb, V)
        if self.min_new > 0:
            early = (n < self.min_new).repeat_interleave(nb)[:, None] & self.is_eos
            lp = lp.masked_fill(early, -float("inf"))
        lp = (lp.view(width, nb, v) + self.run_scores[:width, :, None]).view(width, nb * v)
        top_lp, top_idx = torch.topk(lp, k)  # (width, K)
        parent, token = top_idx // v, top_idx % v
        seq = torch.gather(self.run_seq[:width], 1, parent[:, :, None].expand(-1, -1,
                                                                              self.run_seq.shape[2]))
        at = n[:, None, None].clamp(max=seq.shape[2] - 1).expand(width, k, 1)
        seq.scatter_(2, at, token[:, :, None])
        hits = self.is_eos[token] | (n + 1 >= cap)[:, None]  # (width, K)

        # the next running beams: the best nb continuations that did not hit
        running = top_lp + hits.float() * NEG
        nxt = torch.topk(running, nb)[1]
        run_seq = torch.gather(seq, 1, nxt[:, :, None].expand(-1, -1, seq.shape[2]))
        run_scores = torch.gather(running, 1, nxt)
        src, run_token = torch.gather(parent, 1, nxt), torch.gather(token, 1, nxt)

        # finished hypotheses: a hit among the first nb continuations, while improvement is possible
        did = hits & self.top_mask
        fin_lp = top_lp / self._length(n + 1)
        full = self.fin[:width].all(-1, keepdim=True) & self.early
        fin_lp = fin_lp + full.float() * NEG + (~self.open[:width, None]).float() * NEG
        fin_lp = fin_lp + (~did).float() * NEG
        merged = torch.cat((self.fin_scores[:width], fin_lp), 1)
        best = torch.topk(merged, nb)[1]
        fin_scores = torch.gather(merged, 1, best)
        fin_seq = torch.gather(torch.cat((self.fin_seq[:width], seq), 1), 1,
                               best[:, :, None].expand(-1, -1, seq.shape[2]))
        fin_len = torch.gather(torch.cat((self.fin_len[:width], (n + 1)[:, None].expand(-1, k)),
                                         1), 1, best)
        fin = torch.gather(torch.cat((self.fin[:width], did), 1), 1, best)

        # generate's stopping heuristic, with this question's new length
        bound = run_scores[:, :1] / self._length(n + 1)
        worst = torch.where(fin, fin_scores.min(1, keepdim=True)[0], NEG)
        still_open = self.open[:width] & (bound > worst).any(-1)
        ended = live & (~still_open | (fin.all(-1) & self.early) | hits.all(-1))

        keep = live[:, None]
        for name, new in (("run_scores", run_scores), ("run_seq", run_seq),
                          ("fin_scores", fin_scores), ("fin_seq", fin_seq),
                          ("fin_len", fin_len), ("fin", fin)):
            old = getattr(self, name)[:width]
            old.copy_(torch.where(keep.view(-1, *[1] * (new.dim() - 1)), new, old))
        self.open[:width] = torch.where(live, still_open, self.open[:width])
        # each beam feeds its token; its earlier tokens are where its parent found them
        origin = stack.origin[:width]
        moved = torch.gather(origin, 1, src[:, :, None].expand(-1, -1, origin.shape[2]))
        moved.scatter_(2, n[:, None, None].clamp(max=origin.shape[2] - 1).expand(width, nb, 1),
                       torch.arange(nb, device=n.device).expand(width, nb)[:, :, None])
        origin.copy_(torch.where(keep[:, :, None], moved, origin))
        fed = stack.tokens[:width * nb]
        fed.copy_(torch.where(keep, run_token, fed.view(width, nb)).view(-1))
        stack.n[:width] = torch.where(live, n + 1, n)
        return ended

    def answer(self, slots: torch.Tensor, out, counts) -> list:
        seqs, lens = self.fin_seq[slots, 0].tolist(), self.fin_len[slots, 0].tolist()
        return [_cut(s[:m], self.eos) for s, m in zip(seqs, lens)]

    def compact(self, keep: torch.Tensor) -> None:
        m = keep.numel()
        for name in ("run_scores", "run_seq", "fin_scores", "fin_seq", "fin_len", "fin", "open"):
            t = getattr(self, name)
            t[:m] = t[keep]
