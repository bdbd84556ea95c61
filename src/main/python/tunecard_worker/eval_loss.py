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
    examples, stats = chat.encode_examples(rows, template, spec["model"]["max_seq_len"])
    events.log(f"validation split {data['validation']}: {json.dumps(stats)}")
    if not examples:
        raise WorkerError("bad_input", f"{data['validation']}: no row leaves an answer token")
    peft_model, results, report = None, [], {"base": None, "checkpoints": []}
    for n, entry in enumerate(entries):
        label = "base" if entry is None else Path(entry).name

        def progress(done, total, label=label):
            events.progress("eval_loss", done, total, label=label)

        if entry is None:
            if peft_model is None:
                loss, tokens = evaluate(model, examples, batch, pad, device, dtype, progress)
            else:
                with peft_model.disable_adapter():
                    loss, tokens = evaluate(peft_model, examples, batch, pad, device, dtype,
                                            progress)
            report["base"] = {"loss": loss, "perplexity": math.exp(loss), "tokens": tokens}
        else:
            name = f"a{n}"
            if peft_model is None:
                peft_model = load_adapter(model, entry)
                name = "default"
            else:
                peft_model.load_adapter(entry, adapter_name=name)
            peft_model.set_adapter(name)
            modeling.no_input_casts(peft_model)
            loss, tokens = evaluate(peft_model, examples, batch, pad, device, dtype, progress)
            report["checkpoints"].append({"checkpoint": label, "step": _step_of(Path(entry)),
                                          "loss": loss, "perplexity": math.exp(loss),
                                          "tokens": tokens})
        results.append({"checkpoint": entry, "loss": loss, "tokens": tokens})
    best = min(report["checkpoints"], key=lambda c: c["loss"], default=None)
    doc = {"split": "validation", "rows": len(examples), "base": report["base"],
           "checkpoints": report["checkpoints"], "best": best["checkpoint"] if best else None}
    out_dir = Path(spec["output_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "eval_loss.json"
    write_atomic(path, json.dumps(doc, indent=1) + "\n")
    events.emit("eval_loss", results=results)
    events.emit("done", final_step=None, final_loss=None,
                best_checkpoint=doc["best"], outputs=[str(path)])
