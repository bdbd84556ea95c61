"""BERTScore with idf off: the definition of the JVM's ``metrics.BertScore``,
``evaluate.BertScorer`` and ``model.roberta.RobertaEncoder``, which follow the ``bert_score``
package (docs/metrics.md).

- Encoder: a RoBERTa model cut after layer L (transformers' ``RobertaModel`` built with
  ``num_hidden_layers=L``, as bert_score keeps ``encoder.layer[:L]``); its last hidden state is
  layer L's output (L = 0: the embeddings). RoBERTa's position ids come from the ids, so a
  sentence's states do not depend on the padding of its batch. fp32, or bf16 on a CUDA GPU.
- Tokens: each sentence is ``str.strip()``-ed and encoded as ``<s>`` + the ids of ``" " + sentence``
  (bert_score's ``add_prefix_space=True``) cut to ``min(512, positions) - 2`` + ``</s>``.
- Matching, in float64 from the fp32 (or bf16) states: cosine similarities of L2-normalised
  states, each token greedily matched to its best counterpart; weight 1 per token, 0 for ``<s>``
  and ``</s>`` (which still take part in the matching); P and R the weighted means, F = 2PR/(P+R)
  (0 where that is NaN). Pairs are matched in consecutive batches of ``batch`` pairs padded as
  bert_score pads them, whose padding scores similarity 0 and so replaces a negative best match of
  a side that is shorter than the longest of its batch. An empty sentence (2 tokens) gets P = R = 0
  after F was computed from them.
- Optional baseline rescaling: ``(x - b) / (1 - b)`` for P, R and F, with b from
  ``<encoder>/rescale_baseline.tsv`` (bert_score's file: ``LAYER,P,R,F`` rows).

Sentences are encoded longest first in batches of about ``encode_tokens`` tokens (little padding);
each sentence once per scorer while it is kept (references are shared by every strategy).
"""

import time
from pathlib import Path

import torch

from .events import WorkerError

BASELINE_FILE = "rescale_baseline.tsv"
MAX_TOKENS = 512  # roberta's model_max_length, specials included
MODEL_TYPES = ("roberta", "xlm-roberta")


def read_baseline(path: Path, layer: int) -> tuple:
    """(P, R, F) baselines of ``layer`` from a bert_score baseline file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise WorkerError("bad_input", f"{path}: cannot read the baseline ({e.strerror})") from e
    for lineno, line in enumerate(lines, 1):
        fields = line.strip().split(",")
        if len(fields) == 4 and fields[0].strip() == str(layer):
            try:
                values = tuple(float(x) for x in fields[1:])
            except ValueError as e:
                raise WorkerError("bad_input", f"{path}: line {lineno}: expected LAYER,P,R,F "
                                  f"numbers, found {line.strip()!r}") from e
            if not all(v < 1 for v in values):
                raise WorkerError("bad_input", f"{path}: line {lineno}: expected baselines below "
                                  f"1, found {line.strip()!r}")
            return values
    raise WorkerError("bad_input", f"{path}: no baseline row for layer {layer}")


def match(cands: list, cand_weights: list, refs: list, ref_weights: list) -> list:
    """(P, R, F) of each pair of one batch: ``cands[i]`` (tokens, hidden) against ``refs[i]``,
    weights per token; padded to the batch's longest candidate and reference (similarity 0)."""
    n, device = len(cands), cands[0].device
    hidden = cands[0].shape[-1]
    tc, tr = max(c.shape[0] for c in cands), max(r.shape[0] for r in refs)
    c = torch.zeros((n, tc, hidden), dtype=torch.float64, device=device)
    r = torch.zeros((n, tr, hidden), dtype=torch.float64, device=device)
    wc = torch.zeros((n, tc), dtype=torch.float64, device=device)
    wr = torch.zeros((n, tr), dtype=torch.float64, device=device)
    mc = torch.zeros((n, tc), dtype=torch.float64, device=device)
    mr = torch.zeros((n, tr), dtype=torch.float64, device=device)
    for i in range(n):
        for side, states, w, out, weights, mask in (
                ("candidate", cands[i], cand_weights[i], c, wc, mc),
                ("reference", refs[i], ref_weights[i], r, wr, mr)):
            e = states.to(torch.float64)
            norm = e.norm(dim=-1, keepdim=True)
            if bool((norm == 0).any()):
                raise WorkerError("internal", f"bertscore: a {side} token has a zero embedding")
            out[i, :e.shape[0]] = e / norm
            weights[i, :e.shape[0]] = torch.tensor(w, dtype=torch.float64, device=device)
            mask[i, :e.shape[0]] = 1.0
    sim = torch.bmm(c, r.transpose(1, 2)) * (mc[:, :, None] * mr[:, None, :])  # (n, tc, tr)
    best_c = sim.max(dim=2).values  # (n, tc): padding of the reference side scores 0
    best_r = sim.max(dim=1).values  # (n, tr)
    p = (best_c * wc).sum(dim=1) / wc.sum(dim=1)
    rc = (best_r * wr).sum(dim=1) / wr.sum(dim=1)
    f = torch.nan_to_num(2 * p * rc / (p + rc), nan=0.0)
    out = []
    for i, (pi, ri, fi) in enumerate(zip(p.tolist(), rc.tolist(), f.tolist())):
        if cands[i].shape[0] == 2 or refs[i].shape[0] == 2:
            out.append((0.0, 0.0, fi))  # bert_score zeroes P and R of empty sentences, not F
        elif pi != pi or ri != ri:
            raise WorkerError("internal", "bertscore: the token weights of a side sum to 0 but it "
                              "is not an empty sentence")
        else:
            out.append((pi, ri, fi))
    return out


class Scorer:
    """A RoBERTa encoder cut at ``layer`` with its tokenizer; scores candidate/reference pairs."""

    def __init__(self, directory, layer: int, batch: int, rescale: bool, device: torch.device,
                 dtype: torch.dtype = torch.float32, encode_tokens: int | None = None):
        from tokenizers import Tokenizer
        from transformers import AutoConfig, AutoModel

        directory = Path(directory)
        if dtype == torch.bfloat16 and device.type != "cuda":
            raise WorkerError("bad_input", "bertscore.dtype: bf16 runs on a CUDA GPU only; use "
                              "fp32 on the CPU (eval.bertscore.dtype)")
        try:
            config = AutoConfig.from_pretrained(directory)
        except Exception as e:  # noqa: BLE001
            raise WorkerError("bad_input", f"{directory / 'config.json'}: cannot read the encoder "
                              f"config ({e})") from e
        if config.model_type not in MODEL_TYPES:
            raise WorkerError("bad_input", f"{directory / 'config.json'}: model_type: expected one "
                              f"of {list(MODEL_TYPES)}, found '{config.model_type}'")
        if not 0 <= layer <= config.num_hidden_layers:
            raise WorkerError("bad_input", f"{directory}: layer {layer} asked for, the encoder has "
                              f"{config.num_hidden_layers} layers")
        tokenizer_file = directory / "tokenizer.json"
        try:
            self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        except Exception as e:  # noqa: BLE001
            raise WorkerError("bad_input", f"{tokenizer_file}: not a readable tokenizer.json "
                              f"({e})") from e
        self.cls = self.tokenizer.token_to_id("<s>")
        self.sep = self.tokenizer.token_to_id("</s>")
        if self.cls is None or self.sep is None:
            raise WorkerError("bad_input", f"{tokenizer_file}: no <s> or </s> token (not a "
                              "RoBERTa tokenizer)")
        self.pad = config.pad_token_id if config.pad_token_id is not None else 1
        positions = config.max_position_embeddings - self.pad - 1
        self.room = min(MAX_TOKENS, positions) - 2
        self.baseline = read_baseline(directory / BASELINE_FILE, layer) if rescale else None
        try:
            # transformers drops the layers past L and, for a task checkpoint, the 'roberta.' prefix
            self.model = AutoModel.from_pretrained(
                directory, num_hidden_layers=layer, add_pooling_layer=False, dtype=dtype,
                attn_implementation="sdpa")
        except torch.cuda.OutOfMemoryError:
            raise
        except Exception as e:  # noqa: BLE001
            raise WorkerError("bad_input", f"{directory}: cannot load the encoder ({e})") from e
        self.model.to(device).eval().requires_grad_(False)
        if dtype == torch.float32:
            torch.set_float32_matmul_precision("highest")  # fp32 is fp32 here, never TF32
        self.device, self.batch, self.layer = device, batch, layer
        self.encode_tokens = encode_tokens or (65536 if device.type == "cuda" else 4096)
        self.ids, self.states = {}, {}

    def sentence_ids(self, sentence: str) -> list:
        s = sentence.strip()
        body = self.tokenizer.encode(" " + s, add_special_tokens=False).ids if s else []
        return [self.cls] + body[:self.room] + [self.sep]

    def weights(self, ids: list) -> list:
        return [0.0 if t in (self.cls, self.sep) else 1.0 for t in ids]

    def encode(self, sentences: list, progress=None) -> None:
        """Encodes the sentences not yet kept, longest first; ``progress(done, total, tokens)``."""
        todo = [s for s in dict.fromkeys(sentences) if s not in self.states]
        for s in todo:
            self.ids.setdefault(s, self.sentence_ids(s))
        todo.sort(key=lambda s: -len(self.ids[s]))
        done, tokens = 0, 0
        while done < len(todo):
            longest = len(self.ids[todo[done]])
            chunk = todo[done:done + max(1, self.encode_tokens // longest)]
            ids = torch.full((len(chunk), longest), self.pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), longest), dtype=torch.long)
            for i, s in enumerate(chunk):
                ids[i, :len(self.ids[s])] = torch.tensor(self.ids[s])
                mask[i, :len(self.ids[s])] = 1
            with torch.inference_mode():
                out = self.model(input_ids=ids.to(self.device),
                                 attention_mask=mask.to(self.device)).last_hidden_state
            for i, s in enumerate(chunk):
                self.states[s] = out[i, :len(self.ids[s])].float()  # (tokens, hidden)
            done += len(chunk)
            tokens += int(mask.sum())
            if progress:
                progress(done, len(todo), tokens)

    def forget(self, keep=()) -> None:
        """Drops the states of every sentence not in ``keep``."""
        keep = set(keep)
        for s in [s for s in self.states if s not in keep]:
            del self.states[s]

    def score(self, candidates: list, references: list, progress=None) -> list:
        """(P, R, F) of each candidate against its reference (rescaled when asked for)."""
        if len(candidates) != len(references):
            raise WorkerError("internal", "bertscore: one reference per candidate expected")
        self.encode(list(candidates) + list(references), progress)
        out = []
        for start in range(0, len(candidates), self.batch):
            cs = candidates[start:start + self.batch]
            rs = references[start:start + self.batch]
            out += match([self.states[c] for c in cs], [self.weights(self.ids[c]) for c in cs],
                         [self.states[r] for r in rs], [self.weights(self.ids[r]) for r in rs])
        if self.baseline:
            out = [tuple((x - b) / (1 - b) for x, b in zip(prf, self.baseline)) for prf in out]
        return out


class Throttle:
    """Calls ``emit`` at most once every ``seconds``, and always for the last item."""

    def __init__(self, emit, seconds: float = 1.0):
        self.emit, self.seconds, self.last = emit, seconds, float("-inf")
        self.t0 = time.perf_counter()

    def __call__(self, done: int, total: int, tokens: int) -> None:
        now = time.perf_counter()
        if done >= total or now - self.last >= self.seconds:
            self.last = now
            self.emit(done, total, round(tokens / max(now - self.t0, 1e-9), 1))
