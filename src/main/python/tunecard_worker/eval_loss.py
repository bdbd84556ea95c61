"""The `eval_loss` command: the answer-token loss of the base and of adapters on validation.

Two definitions, from each row's summed answer-token NLL and token count (rows in split order),
as the JVM's io.tunecard.model.EvalLosses computes them:

- ``eval_loss``, as transformers' ``Trainer.evaluate`` computes it: rows cut into consecutive
  batches of the eval batch size, each batch's mean over its answer tokens, then the mean over rows
  of their batch's mean (Trainer repeats a batch's loss once per row): for equal batches, the mean
  of the batch means. The best checkpoint, the gate and the card use this one.
- ``eval_loss_token_weighted``: the NLL summed over every answer token divided by their count.

Rows are scored in batches of similar length (``batching.eval_batches``); neither definition
depends on that batching.
"""

import json
import math
import os
import re
from pathlib import Path

import torch
import torch.nn.functional as F

from . import batching, chat, modeling
from .checkpoints import write_atomic
from .events import WorkerError
from .generate import load_adapter
from .train import device_name

DEFAULT_BATCH = 8


def eval_losses(rows: list, batch_size: int) -> dict:
    """Both definitions over ``rows`` = [(nll sum, tokens), ...] in split order."""
    if not rows:
        raise ValueError("rows: expected at least one scored row")
    weighted, total, tokens, batches = 0.0, 0.0, 0, 0
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        s, n = sum(r[0] for r in chunk), sum(r[1] for r in chunk)
        if n == 0:
            raise ValueError(f"rows {start}..{start + len(chunk) - 1}: no answer token to score")
        weighted += len(chunk) * (s / n)
        total, tokens, batches = total + s, tokens + n, batches + 1
    return {"eval_loss": weighted / len(rows), "eval_loss_token_weighted": total / tokens,
            "tokens": tokens, "rows": len(rows), "batches": batches}


def row_losses(model, examples: list, batch: int, pad_id: int, device, dtype,
               on_batch=None) -> list:
    """[(summed answer-token NLL, answer tokens)] per example, in the examples' order; dropout
    off, fp64 sums."""
    lm = modeling.causal_lm(model)
    was_training = model.training
    model.eval()
    out = [None] * len(examples)
    groups = batching.eval_batches(examples, batch)
    with torch.no_grad():
        for k, rows in enumerate(groups):
            b = batching.collate(examples, rows, pad_id, device, packed=False, seq_len=0)
            with modeling.autocast(device, dtype):
                hidden = lm.get_decoder()(input_ids=b.input_ids, use_cache=False).last_hidden_state
                flat = hidden.reshape(-1, hidden.shape[-1]).index_select(0, b.sel)  # (N, H)
                logits = lm.get_output_embeddings()(flat)  # (N, V)
            nll = F.cross_entropy(logits.float(), b.tgt, reduction="none").double()
            row_of = torch.div(b.sel, b.input_ids.shape[1], rounding_mode="floor")  # (N,)
            sums = torch.zeros(len(rows), dtype=torch.float64, device=nll.device)
            sums.index_add_(0, row_of, nll)
            counts = torch.bincount(row_of, minlength=len(rows))
            for row, s, n in zip(rows, sums.tolist(), counts.tolist()):
                out[row[0]] = (s, n)
            if on_batch:
                on_batch(k + 1, len(groups))
    model.train(was_training)
    return out


def _step_of(directory: Path):
    state = directory / "trainer_state.json"
    if state.is_file():
        try:
            return json.loads(state.read_text(encoding="utf-8"))["global_step"]
        except (ValueError, KeyError):
            pass
    m = re.match(r"^step-(\d+)$", directory.name)
    return int(m.group(1)) if m else None


def encode_validation(rows: list, template, spec: dict, events) -> list:
    """The validation rows as examples (rows whose prompt fills max_seq_len are left out)."""
    path = spec["data"]["validation"]
    examples, stats = chat.encode_examples(rows, template, spec["model"]["max_seq_len"])
    events.log(f"validation split {path}: {json.dumps(stats)}")
    if not examples:
        raise WorkerError("bad_input", f"{path}: no row leaves an answer token")
    return examples


def model_loss(model, examples: list, batch: int, pad: int, device, dtype, progress) -> dict:
    """Both definitions (``eval_losses``) of one model on the validation examples: the
    `eval_loss` command's computation, also used by `evaluate`."""
    return eval_losses(row_losses(model, examples, batch, pad, device, dtype, progress), batch)


def attach(model, peft_model, entry: str, name: str) -> tuple:
    """(PEFT model, adapter name): the adapter in ``entry`` loaded and active (the first one
    wraps ``model`` and is named "default")."""
    if peft_model is None:
        peft_model = load_adapter(model, entry)
        name = "default"
    else:
        peft_model.load_adapter(entry, adapter_name=name)
    peft_model.set_adapter(name)
    modeling.no_input_casts(peft_model)
    return peft_model, name


def base_entry(losses: dict) -> dict:
    """A model's entry; ``loss`` repeats ``eval_loss`` for readers of older files."""
    return {"eval_loss": losses["eval_loss"],
            "eval_loss_token_weighted": losses["eval_loss_token_weighted"],
            "loss": losses["eval_loss"], "perplexity": math.exp(losses["eval_loss"]),
            "tokens": losses["tokens"]}


def checkpoint_entry(entry: str, losses: dict) -> dict:
    return {"checkpoint": Path(entry).name, "step": _step_of(Path(entry)), **base_entry(losses)}


def report(rows: int, batch: int, base, checkpoints: list) -> dict:
    """eval_loss.json: best = the lowest ``eval_loss`` among checkpoints (the first on a tie)."""
    best = min(checkpoints, key=lambda c: c["eval_loss"], default=None)
    return {"split": "validation", "rows": rows, "batch_size": batch, "base": base,
            "checkpoints": checkpoints, "best": best["checkpoint"] if best else None}


def run(spec: dict, events) -> None:
    entries = spec["eval_loss"]["checkpoints"]
    batch = spec["eval_loss"].get("batch") or DEFAULT_BATCH
    device = modeling.resolve_device(spec["device"])
    dtype = modeling.resolve_dtype(spec["model"]["dtype"], device)
    for entry in entries:
        if entry is not None and not (Path(entry) / "adapter_config.json").is_file():
            raise WorkerError("bad_input", f"eval_loss.checkpoints: {entry}: not a PEFT adapter "
                              "directory (no adapter_config.json)")
    data = spec["data"]
    rows = chat.read_rows(data["validation"], ("question", "answer"), data.get("validation_limit"))
    events.emit("started", engine="hf", device=device_name(device), pid=os.getpid(),
                total_steps=None, resumed_from=None)
    from .generate import load_for_inference

    model, template, pad = load_for_inference(spec, device, dtype)
    model.config.use_cache = False
    examples = encode_validation(rows, template, spec, events)
    peft_model, results, base, checkpoints = None, [], None, []
    for n, entry in enumerate(entries):
        label = "base" if entry is None else Path(entry).name

        def progress(done, total, label=label):
            events.progress("eval_loss", done, total, label=label)

        if entry is None:
            if peft_model is None:
                losses = model_loss(model, examples, batch, pad, device, dtype, progress)
            else:
                with peft_model.disable_adapter():
                    losses = model_loss(peft_model, examples, batch, pad, device, dtype, progress)
            base = base_entry(losses)
        else:
            peft_model, _ = attach(model, peft_model, entry, f"a{n}")
            losses = model_loss(peft_model, examples, batch, pad, device, dtype, progress)
            checkpoints.append(checkpoint_entry(entry, losses))
        results.append({"checkpoint": entry, "loss": losses["eval_loss"],
                        "tokens": losses["tokens"]})
    doc = report(len(examples), batch, base, checkpoints)
    out_dir = Path(spec["output_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "eval_loss.json"
    write_atomic(path, json.dumps(doc, indent=1) + "\n")
    events.emit("eval_loss", results=results)
    events.emit("done", final_step=None, final_loss=None,
                best_checkpoint=doc["best"], outputs=[str(path)])
