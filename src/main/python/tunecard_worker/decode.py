"""tunecard's decoding loop: greedy, sampling and beam search as transformers' ``generate`` decides
them, over a preallocated KV cache (decode_step.py), the step replayed from CUDA graphs.

Same decisions as ``generate`` (transformers 5.x ``_sample`` and vectorised ``_beam_search``):
processors in its order (min_new_tokens, then temperature, top-k, top-p when sampling), scores in
float32, beam search's top ``max(2, 1 + #eos) * beams`` continuations, length penalty over the
new tokens, ``early_stopping`` and its heuristic, answers cut before the first eos. What differs
is the cost: the rows of all questions are slots of one fixed-width batch, and a question that
ends (eos, its cap, or beam search's stopping rule) gives its slot to the next waiting question,
whose prompt is prefilled while the others wait. When no question is left waiting and half the
slots are empty, the live ones move to the front and the batch halves.

Seeds: one ``torch.Generator`` per call, seeded with ``seed``, draws every sampled token, so a
call is reproducible for the same prompts, order and width (the batch plan); a question's
tokens depend on which others share its steps, as with ``generate``.

Longer than most files: the slot loop and the two searches share their state layout.
"""

import time

import torch

from .decode_step import NEG, Stack, StepGraphs, unsupported

REFILL_SHARE = 8  # refill once this share (1/8) of the slots is free: one prefill for many rows
MIN_WIDTH = 8  # the batch never halves below this many question slots
CACHE_SHARE = 0.8  # at most this share of free GPU memory holds the KV cache


def _round_up(x: int, m: int) -> int:
    return -(-x // m) * m


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


def generate_all(model, prompts: list, strategy: dict, max_new_tokens, pad_id: int, eos_id,
                 device, seed: int, width: int, progress=None, graphs: bool | None = None,
                 picks=None) -> list:
    """Answers every prompt (token id lists, decoded in the order given); returns, in that order,
    (new ids before the first eos, whether eos came).

    ``width``: questions decoded at once (beam search: num_beams rows each). ``max_new_tokens``:
    one cap, or one per prompt. ``progress(questions done, tokens)``: at most once a second and
    at the end. ``graphs``: replay the step from CUDA graphs (default: yes, on CUDA). ``picks``:
    a Picks to use instead of the strategy's own (tests replay another run's choices with it).
    """
    lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    why = unsupported(lm)
    if why:
        raise ValueError(f"the tunecard decoding loop does not run {why}; use generate.loop: hf")
    nb = strategy["num_beams"]
    if nb > 1 and strategy["do_sample"]:
        raise ValueError("num_beams: beam sampling is not supported")
    if not prompts:
        return []
    caps = ([max_new_tokens] * len(prompts) if isinstance(max_new_tokens, int)
            else list(max_new_tokens))
    if len(caps) != len(prompts) or min(caps) < 1 or min(len(p) for p in prompts) < 1:
        raise ValueError("every prompt needs at least one token and a max_new_tokens >= 1")
    longest = max(len(p) for p in prompts)
    window = getattr(lm.config, "sliding_window", None)
    if window and getattr(lm.config, "use_sliding_window", True) and longest + max(caps) > window:
        raise ValueError(f"prompt + max_new_tokens ({longest + max(caps)}) exceeds the model's "
                         f"sliding_window {window}, which this loop does not apply")
    new, prompt_slots = _round_up(max(caps), 16), _round_up(longest, 16)
    width = max(1, min(width, len(prompts), _fitting(lm, nb, prompt_slots + new)))
    stack = Stack(lm, width, nb, prompt_slots, new)
    with torch.inference_mode():
        return _Loop(stack, prompts, strategy, caps, pad_id, eos_id, seed, progress, graphs,
                     picks).run()


def _fitting(lm, beams: int, slots: int) -> int:
    """Question slots whose KV cache fits CACHE_SHARE of the free GPU memory (CPU: any)."""
    device = next(lm.parameters()).device
    if device.type != "cuda":
        return 1 << 30
    free, _ = torch.cuda.mem_get_info(device)
    return int(free * CACHE_SHARE) // Stack.bytes_per_slot(lm, beams, slots)


def generate_batch(model, prompts: list, strategy: dict, max_new_tokens: int, pad_id: int,
                   eos_id, device, seed: int, cache: str | None = None,
                   compile_decode: bool = False) -> list:
    """generate.generate_batch's contract through this loop, all prompts at once (``cache`` and
    ``compile_decode`` are transformers' knobs: this loop's cache is always preallocated and
    its step replayed from CUDA graphs on a GPU)."""
    return generate_all(model, prompts, strategy, max_new_tokens, pad_id, eos_id, device, seed,
                        len(prompts))


class _Loop:
    """The slots: which question each holds, refills, the halving of the batch, the answers."""

    PREFILL_TOKENS = 16384  # prompt tokens per prefill forward

    def __init__(self, stack, prompts, strategy, caps, pad_id, eos_id, seed, progress, graphs,
                 picks):
        self.stack, self.prompts, self.caps, self.pad = stack, prompts, caps, pad_id
        dev, width, nb = stack.device, stack.width, stack.beams
        ids = [] if eos_id is None else [eos_id] if isinstance(eos_id, int) else list(eos_id)
        eos = torch.tensor(ids, dtype=torch.long, device=dev)
        vocab = stack.lm.config.get_text_config().vocab_size
        if nb > 1:
            self.search = Beams(strategy, eos, vocab, width, stack.new_slots)
        else:
            generator = torch.Generator(device=dev).manual_seed(seed)
            self.search = picks or Picks(strategy, eos, vocab, generator)
        self.vocab, self.progress = vocab, progress
        self.out = torch.zeros(width, stack.new_slots, dtype=torch.long, device=dev)
        self.cap = torch.ones(width, dtype=torch.long, device=dev)
        self.questions = torch.full((width,), -1, dtype=torch.long, device=dev)
        self.step = StepGraphs(stack, True if graphs is None else graphs)
        self.slot_q, self.host_n = [-1] * width, [0] * width
        self.cur, self.waiting = width, 0
        self.results = [None] * len(prompts)
        self.done = self.produced = 0
        self.reported = time.monotonic()
        self.live_mask = None
        spans = {min(stack.new_slots, _round_up(-(-stack.new_slots * i // 4), 16))
                 for i in range(1, 5)}
        self.spans = sorted(spans)

    def _live(self, slots=None):
        """(cur,) bool of the slots that hold a question (or of ``slots``); cached between
        changes, so a step copies nothing to the device."""
        if slots is not None:
            return torch.tensor([s in slots for s in range(self.cur)], device=self.stack.device)
        if self.live_mask is None:
            self.live_mask = torch.tensor([q >= 0 for q in self.slot_q[:self.cur]],
                                          device=self.stack.device)
        return self.live_mask

    def run(self) -> list:
        total = len(self.prompts)
        while True:
            free = [s for s in range(self.cur) if self.slot_q[s] < 0]
            live = self.cur - len(free)
            if self.waiting < total and free and (len(free) * REFILL_SHARE >= self.cur
                                                  or live == 0):
                self._admit(free[:total - self.waiting])
                continue
            if live == 0:
                break
            if self.waiting == total and self.cur > MIN_WIDTH and 2 * live <= self.cur:
                self._halve(live)
            longest = max(self.host_n[s] for s in range(self.cur) if self.slot_q[s] >= 0)
            span = next(s for s in self.spans if s >= longest)
            logits = self.step(self.cur, span)
            mask = self._live()
            ended = self.search.advance(self.stack, logits, mask, self.cap[:self.cur],
                                        self.questions[:self.cur], self.out)
            for s in range(self.cur):
                if self.slot_q[s] >= 0:
                    self.host_n[s] += 1
            self._retire(ended)
        if self.progress:
            self.progress(self.done, self.produced)
        return self.results

    def _admit(self, slots: list) -> None:
        """Prefills the next waiting prompts into ``slots`` and chooses their first tokens."""
        st, nb = self.stack, self.stack.beams
        qs = list(range(self.waiting, self.waiting + len(slots)))
        self.waiting += len(qs)
        logits = torch.zeros(self.cur * nb, self.vocab, device=st.device)
        per = max(1, self.PREFILL_TOKENS // max(len(self.prompts[q]) for q in qs))
        for c in range(0, len(qs), per):
            part, where = qs[c:c + per], slots[c:c + per]
            length = max(len(self.prompts[q]) for q in part)
            ids = torch.full((len(part), length), self.pad, dtype=torch.long)
            for r, q in enumerate(part):
                ids[r, :len(self.prompts[q])] = torch.tensor(self.prompts[q])
            lens = torch.tensor([len(self.prompts[q]) for q in part], device=st.device)
            at = torch.tensor(where, device=st.device)
            first = st.prefill(at, ids.to(st.device), lens)  # (k, V)
            logits.view(self.cur, nb, -1)[at] = first[:, None, :]
            st.plen[at] = lens
        at = torch.tensor(slots, device=st.device)
        st.n[at] = 0
        st.origin[at] = 0
        self.cap[at] = torch.tensor([self.caps[q] for q in qs], device=st.device)
        self.questions[at] = torch.tensor(qs, device=st.device)
        self.search.start(at)
        for s, q in zip(slots, qs):
            self.slot_q[s], self.host_n[s] = q, 1
        self.live_mask = None
        ended = self.search.advance(st, logits, self._live(set(slots)), self.cap[:self.cur],
                                    self.questions[:self.cur], self.out)
        self._retire(ended)

    def _retire(self, ended: torch.Tensor) -> None:
        slots = ended.nonzero().flatten().tolist()
        if not slots:
            return
        at = torch.tensor(slots, device=self.stack.device)
        answers = self.search.answer(at, self.out, [self.host_n[s] for s in slots])
        for s, answer in zip(slots, answers):
            self.results[self.slot_q[s]] = answer
            self.produced += len(answer[0])
            self.slot_q[s] = -1
        self.live_mask = None
        self.done += len(slots)
        # an empty slot feeds its first new-token slot and reads its first prompt slot
        self.stack.n[at], self.stack.plen[at] = 1, 1
        now = time.monotonic()
        if self.progress and now - self.reported >= 1.0:
            self.progress(self.done, self.produced)
            self.reported = now

    def _halve(self, live: int) -> None:
        width = self.cur
        while width // 2 >= max(live, MIN_WIDTH):
            width //= 2
        keep = [s for s in range(self.cur) if self.slot_q[s] >= 0]
        at = torch.tensor(keep, device=self.stack.device)
        self.stack.compact(at)
        self.search.compact(at)
        for t in (self.out, self.cap, self.questions):
            t[:len(keep)] = t[at]
        pad = len(self.slot_q) - len(keep)
        self.slot_q = [self.slot_q[s] for s in keep] + [-1] * pad
        self.host_n = [self.host_n[s] for s in keep] + [0] * pad
        self.stack.n[len(keep):], self.stack.plen[len(keep):] = 1, 1
        self.cur, self.live_mask = width, None
