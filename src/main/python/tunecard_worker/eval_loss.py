"""The `eval_loss` command: mean answer-token loss of the base and of adapters on validation."""

import json
import math
import os
import re
from pathlib import Path

from . import chat, modeling
from .checkpoints import write_atomic
from .events import WorkerError
from .generate import load_adapter
from .train import device_name, evaluate

DEFAULT_BATCH = 8


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


def model_loss(model, examples: list, batch: int, pad: int, device, dtype, progress) -> tuple:
    """(loss, answer tokens) of one model on the validation examples: the `eval_loss` command's
    definition, also used by `evaluate`."""
    return evaluate(model, examples, batch, pad, device, dtype, progress)


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


def base_entry(loss: float, tokens: int) -> dict:
    return {"loss": loss, "perplexity": math.exp(loss), "tokens": tokens}


def checkpoint_entry(entry: str, loss: float, tokens: int) -> dict:
    return {"checkpoint": Path(entry).name, "step": _step_of(Path(entry)), "loss": loss,
            "perplexity": math.exp(loss), "tokens": tokens}


def report(rows: int, base, checkpoints: list) -> dict:
    """eval_loss.json: best = the lowest loss among checkpoints (the first listed on a tie)."""
    best = min(checkpoints, key=lambda c: c["loss"], default=None)
    return {"split": "validation", "rows": rows, "base": base, "checkpoints": checkpoints,
            "best": best["checkpoint"] if best else None}


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
                loss, tokens = model_loss(model, examples, batch, pad, device, dtype, progress)
            else:
                with peft_model.disable_adapter():
                    loss, tokens = model_loss(peft_model, examples, batch, pad, device, dtype,
                                              progress)
            base = base_entry(loss, tokens)
        else:
            peft_model, _ = attach(model, peft_model, entry, f"a{n}")
            loss, tokens = model_loss(peft_model, examples, batch, pad, device, dtype, progress)
            checkpoints.append(checkpoint_entry(entry, loss, tokens))
        results.append({"checkpoint": entry, "loss": loss, "tokens": tokens})
    doc = report(len(examples), base, checkpoints)
    out_dir = Path(spec["output_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "eval_loss.json"
    write_atomic(path, json.dumps(doc, indent=1) + "\n")
    events.emit("eval_loss", results=results)
    events.emit("done", final_step=None, final_loss=None,
                best_checkpoint=doc["best"], outputs=[str(path)])
