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

How the next tokens are chosen lives in choosers.py (Picks, Beams).
"""

import time

import torch

from .choosers import Beams, Picks
from .decode_step import Stack, StepGraphs, unsupported

REFILL_SHARE = 8  # refill once this share (1/8) of the slots is free: one prefill for many rows
MIN_WIDTH = 8  # the batch never halves below this many question slots
CACHE_SHARE = 0.8  # at most this share of free GPU memory holds the KV cache


def _round_up(x: int, m: int) -> int:
    return -(-x // m) * m



def generate_all(model, prompts: list, strategy: dict, max_new_tokens, pad_id: int, eos_id,
                 device, seed: int, width: int, progress=None, graphs: bool | None = None,
                 picks=None, stats: dict | None = None) -> list:
    """Answers every prompt (token id lists, decoded in the order given); returns, in that order,
    (new ids before the first eos, whether eos came).

    ``width``: questions decoded at once (beam search: num_beams rows each). ``max_new_tokens``:
    one cap, or one per prompt. ``progress(questions done, tokens)``: at most once a second and
    at the end. ``graphs``: replay the step from CUDA graphs (default: yes, on CUDA). ``picks``:
    a Picks to use instead of the strategy's own (tests replay another run's choices with it).
    ``stats``: filled with ``width``, ``steps``, ``captures`` and ``capture_seconds`` (the CUDA
    graphs' warm-up and capture, paid once per call).
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
        loop = _Loop(stack, prompts, strategy, caps, pad_id, eos_id, seed, progress, graphs, picks)
        results = loop.run()
    if stats is not None:
        stats.update(width=width, steps=loop.steps, captures=len(loop.step.graphs),
                     capture_seconds=loop.step.capture_seconds)
    return results


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
        self.done = self.produced = self.steps = 0
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
            self.steps += 1
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
