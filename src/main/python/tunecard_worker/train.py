"""The `train` command: LoRA fine-tuning with exact resume (docs/worker-protocol-python.md).

The hot loop does not wait for the GPU: losses accumulate on the device and are read back only on
log steps, evaluations and checkpoints.
"""

import hashlib
import json
import math
import os
import shutil
import time
from pathlib import Path

import torch

from . import attention, batching, chat, checkpoints, faults, modeling, optim, regional
from .events import WorkerError

# tunecard_varlen: packed bins as row boundaries for FlashAttention's varlen kernel, no (T, T)
# masks and no K/V copies (docs/benchmarks.md, run 4); right-padded rows take SDPA's causal path.
TRAIN_ATTENTION = attention.VARLEN

class StepRunner:
    """One optimizer step over a list of micro-batches (the benchmark drives it too)."""

    def __init__(self, model, optimizer, max_grad_norm: float, device, dtype):
        self.lm = modeling.causal_lm(model)
        self.optimizer = optimizer
        self.params = [p for g in optimizer.param_groups for p in g["params"]]
        self.max_norm = max_grad_norm if max_grad_norm > 0 else math.inf
        self.device = device
        self.dtype = dtype

    def step(self, batches: list, lr: float) -> tuple:
        """Returns (step loss: mean NLL per answer token of the step, pre-clip grad norm), both
        0-dim tensors still on the device."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        targets = sum(b.targets for b in batches)
        total = torch.zeros((), device=self.device)
        for b in batches:
            with modeling.autocast(self.device, self.dtype):
                loss = modeling.answer_loss_sum(self.lm, b) / targets
            loss.backward()
            total += loss.detach()
        norm = torch.nn.utils.clip_grad_norm_(self.params, self.max_norm)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return total, norm


def evaluate(model, examples: list, batch: int, pad_id: int, device, dtype, on_batch=None) -> tuple:
    """(mean NLL per answer token, answer tokens) over ``examples``; dropout off."""
    lm = modeling.causal_lm(model)
    was_training = model.training
    model.eval()
    total = torch.zeros((), device=device, dtype=torch.float64)
    tokens = 0
    groups = batching.eval_batches(examples, batch)
    with torch.no_grad():
        for k, rows in enumerate(groups):
            b = batching.collate(examples, rows, pad_id, device, packed=False, seq_len=0)
            with modeling.autocast(device, dtype):
                total += modeling.answer_loss_sum(lm, b)
            tokens += b.targets
            if on_batch:
                on_batch(k + 1, len(groups))
    model.train(was_training)
    return (total / tokens).item(), tokens


class Plan:
    """Every optimizer step of the run: (epoch, micro-batch range, epoch end), fixed up front."""

    def __init__(self, examples: list, train: dict, max_seq_len: int, seed: int):
        lengths = [len(e.ids) for e in examples]
        accum, epochs = train["grad_accum"], train["epochs"]
        self.epochs, self.steps, self.consumed = [], [], []
        consumed = 0
        for e in range(math.ceil(epochs)):
            mbs = batching.plan_epoch(lengths, train["batching"], train["micro_batch"],
                                      max_seq_len, seed, e)
            n_full = math.ceil(len(mbs) / accum)
            n = n_full if epochs >= e + 1 else max(1, math.ceil((epochs - e) * n_full))
            self.epochs.append(mbs)
            for j in range(n):
                lo, hi = j * accum, min((j + 1) * accum, len(mbs))
                consumed += hi - lo
                self.steps.append((e, lo, hi, j == n_full - 1, e + (j + 1) / n_full))
                self.consumed.append(consumed)
        if train.get("max_steps"):
            self.steps = self.steps[:train["max_steps"]]
        self.total = len(self.steps)


def _due(every: int, step: int, epoch_end: bool) -> bool:
    return (every > 0 and step % every == 0) or (every == -1 and epoch_end)


def spec_sha256(spec: dict) -> str:
    """What must not change between a checkpoint and the run resuming from it."""
    skip = {"log_every", "eval_every_steps", "save_every_steps", "keep_last"}
    model_keys = ("base", "tokenizer", "quantization", "dtype", "max_seq_len", "chat_template")
    data = spec["data"]
    keep = {
        "model": {k: spec["model"].get(k) for k in model_keys},
        "lora": spec["lora"],
        "train": {k: v for k, v in spec["train"].items() if k not in skip},
        "data": {"train_sha256": chat.sha256_file(data["train"]), "limit": data.get("train_limit")},
        "seed": spec["seed"],
    }
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()


def device_name(device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def run(spec: dict, events) -> None:
    m, data, train = spec["model"], spec["data"], spec["train"]
    device = modeling.resolve_device(spec["device"])
    dtype = modeling.resolve_dtype(m["dtype"], device)
    modeling.check_quantization(m["quantization"], device, modeling.nf4_backend(m))
    directory = modeling.model_dir(m["base"])
    tokenizer = modeling.load_tokenizer(m, directory)
    template = chat.ChatTemplate.load(m, directory, tokenizer, modeling.load_config(directory))
    pad = template.pad_id
    rows = chat.read_rows(data["train"], ("question", "answer"), data.get("train_limit"))
    examples, stats = chat.encode_examples(rows, template, m["max_seq_len"])
    notes = [(f"train split {data['train']}: {json.dumps(stats)}", "info")]
    if not examples:
        raise WorkerError("bad_input", f"{data['train']}: no row leaves an answer token within "
                          f"model.max_seq_len {m['max_seq_len']}")
    val = None
    if data.get("validation"):
        val_rows = chat.read_rows(data["validation"], ("question", "answer"),
                                  data.get("validation_limit"))
        val, vstats = chat.encode_examples(val_rows, template, m["max_seq_len"])
        notes.append((f"validation split {data['validation']}: {json.dumps(vstats)}", "info"))
    plan = Plan(examples, train, m["max_seq_len"], spec["seed"])
    total = plan.total
    root = Path(spec["output_dir"]) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob(".tmp-step-*"):
        shutil.rmtree(stale, ignore_errors=True)
    complete, incomplete = checkpoints.scan(root)
    for d in incomplete:
        notes.append((f"ignoring incomplete checkpoint {d} (no {checkpoints.COMPLETE} marker)",
                      "warn"))
    sha = spec_sha256(spec)
    resume = complete[-1] if complete else None
    if resume:
        state = json.loads((resume[1] / "trainer_state.json").read_text(encoding="utf-8"))
        if state.get("train_spec_sha256") != sha:
            raise WorkerError("bad_input", f"{resume[1]}: made by a different training spec or "
                              f"train split; use a new output_dir or remove {root}")
    events.emit("started", engine="hf", device=device_name(device), pid=os.getpid(),
                total_steps=total, resumed_from=resume[0] if resume else None)
    for message, level in notes:
        events.log(message, level)
    if resume and resume[0] >= total:
        checkpoints.write_done(spec["output_dir"], state["global_step"], state["last_step_loss"],
                               _name(state.get("best_step")))
        events.emit("done", final_step=state["global_step"], final_loss=state["last_step_loss"],
                    best_checkpoint=_name(state.get("best_step")),
                    outputs=[str(d) for _, d in complete])
        return
    attention.register()
    model = modeling.load_base(directory, device, dtype, m["quantization"], attn=TRAIN_ATTENTION,
                               nf4_backend=modeling.nf4_backend(m))
    peft_model = modeling.apply_lora(model, spec["lora"], spec["seed"])
    if regional.wanted(device):
        layers = regional.compile_layers(modeling.causal_lm(peft_model))
        events.log(f"training compiles its {layers} decoder layers on the first step "
                   f"({regional.ENV}=0 turns this off)")
    params = modeling.lora_parameters(peft_model)
    optimizer = optim.adamw(list(params.values()), train, device)
    runner = StepRunner(peft_model, optimizer, train["max_grad_norm"], device, dtype)
    loop = _Loop(spec, events, plan, examples, val, pad, device, dtype, sha, root)
    if resume:
        state = checkpoints.load(resume[1], optimizer, params, resume[0], device)
        checkpoints.restore_rng(state["rng"], device)
        loop.restore(state)
    peft_model.train()
    loop.run(runner, peft_model, params)


def _name(step):
    return None if step is None else f"step-{step}"


class _Loop:
    """The step loop with its logging window, evaluations and checkpoints."""

    def __init__(self, spec, events, plan, examples, val, pad, device, dtype, sha, root):
        self.spec, self.events, self.plan = spec, events, plan
        self.examples, self.val, self.pad = examples, val, pad
        self.device, self.dtype, self.sha, self.root = device, dtype, sha, root
        self.start = 0
        self.best_loss = self.best_step = None
        self.window = torch.zeros((), device=device)
        self.window_steps = self.window_tokens = 0

    def restore(self, state: dict) -> None:
        self.start = state["global_step"]
        self.best_loss, self.best_step = state.get("best_eval_loss"), state.get("best_step")
        w = state["log_window"]
        self.window = torch.tensor(w["loss_sum"], device=self.device)
        self.window_steps, self.window_tokens = w["steps"], w["tokens"]

    def run(self, runner: StepRunner, peft_model, params: dict) -> None:
        train, m = self.spec["train"], self.spec["model"]
        packed = train["batching"] == "packing"
        total = self.plan.total
        warm = optim.warmup_steps(train["warmup_ratio"], total)
        kept = [d for _, d in checkpoints.scan(self.root)[0]]
        last = None
        t0 = time.perf_counter()
        for index in range(self.start, total):
            e, lo, hi, epoch_end, epoch = self.plan.steps[index]
            batches = [batching.collate(self.examples, rows, self.pad, self.device, packed,
                                        m["max_seq_len"]) for rows in self.plan.epochs[e][lo:hi]]
            lr = train["lr"] * optim.lr_factor(train["schedule"], index, warm, total)
            last, norm = runner.step(batches, lr)
            step = index + 1
            self.window += last
            self.window_steps += 1
            self.window_tokens += sum(b.tokens for b in batches)
            if step % train["log_every"] == 0 or step == total:
                mean = (self.window / self.window_steps).item()  # the host sync of a log row
                if not math.isfinite(mean):
                    raise WorkerError("internal", f"training diverged: loss {mean} at step {step}")
                rate = self.window_tokens / (time.perf_counter() - t0)
                self.events.emit("metrics", step=step, epoch=round(epoch, 6), loss=mean, lr=lr,
                                 grad_norm=norm.item(), tokens_per_s=round(rate, 1))
                self.events.progress("train", step, total, loss=mean, tokens_per_s=round(rate, 1))
                faults.after_training_row(step)
                self.window.zero_()
                self.window_steps = self.window_tokens = 0
                t0 = time.perf_counter()
            else:
                self.events.progress("train", step, total)
            kept = self._evaluate_and_save(step, epoch, epoch_end, peft_model, runner, params,
                                           last, kept) or kept
            if step == total or _due(train["eval_every_steps"], step, epoch_end) or \
                    _due(train["save_every_steps"], step, epoch_end):
                t0 = time.perf_counter()  # evaluations and checkpoints are not training time
        checkpoints.write_done(self.spec["output_dir"], total, last.item(), _name(self.best_step))
        self.events.emit("done", final_step=total, final_loss=last.item(),
                         best_checkpoint=_name(self.best_step), outputs=[str(d) for d in kept])

    def _evaluate_and_save(self, step, epoch, epoch_end, peft_model, runner, params, last, kept):
        train = self.spec["train"]
        final = step == self.plan.total
        eval_loss = None
        if self.val and (final or _due(train["eval_every_steps"], step, epoch_end)):
            eval_loss, _ = evaluate(peft_model, self.val, train["micro_batch"], self.pad,
                                    self.device, self.dtype)
            self.events.emit("metrics", step=step, epoch=round(epoch, 6), eval_loss=eval_loss)
        if not (final or _due(train["save_every_steps"], step, epoch_end)):
            return None
        if eval_loss is not None and (self.best_loss is None or eval_loss < self.best_loss):
            self.best_loss, self.best_step = eval_loss, step
        state = {
            "engine": "hf", "global_step": step, "epoch": round(epoch, 6),
            "micro_batches_consumed": self.plan.consumed[step - 1], "total_steps": self.plan.total,
            "best_eval_loss": self.best_loss, "best_step": self.best_step, "eval_loss": eval_loss,
            "last_step_loss": last.item(), "data_order_seed": self.spec["seed"],
            "batching": train["batching"], "rng": checkpoints.rng_state(self.device),
            "train_spec_sha256": self.sha,
            "log_window": {"loss_sum": self.window.item(), "steps": self.window_steps,
                           "tokens": self.window_tokens},
        }
        path = checkpoints.save(self.root, step, peft_model, runner.optimizer, params, state)
        kept = checkpoints.prune(self.root, train["keep_last"], self.best_step)
        self.events.emit("checkpoint", step=step, path=str(path), eval_loss=eval_loss)
        return kept
