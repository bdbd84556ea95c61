"""Checkpoints: ``<output_dir>/checkpoints/step-<N>/`` filled under a temporary name, renamed, and
marked COMPLETE last (docs/run-directory.md).

Files: PEFT's ``adapter_config.json`` + ``adapter_model.safetensors``; ``optimizer.safetensors``
with ``<peft key>.exp_avg`` / ``<peft key>.exp_avg_sq`` (fp32; AdamW's step count is the global
step); ``trainer_state.json``.
"""

import base64
import json
import os
import re
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .events import WorkerError

COMPLETE = "COMPLETE"
DONE = "DONE.json"
_STEP_DIR = re.compile(r"^step-(\d+)$")


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_done(output_dir: str, final_step: int, final_loss: float, best_checkpoint) -> None:
    """``<output_dir>/DONE.json`` (docs/worker-protocol.md): written after the final checkpoint is
    complete and before the ``done`` event; the parent trusts a finished training only with it."""
    doc = {"final_step": final_step, "final_loss": final_loss, "best_checkpoint": best_checkpoint}
    write_atomic(Path(output_dir) / DONE, json.dumps(doc, indent=2) + "\n")


def scan(root: Path) -> tuple:
    """(complete [(step, dir)] sorted by step, incomplete [dir]); temporary dirs are ignored."""
    complete, incomplete = [], []
    if root.is_dir():
        for d in root.iterdir():
            m = _STEP_DIR.match(d.name)
            if not m or not d.is_dir():
                continue
            (complete if (d / COMPLETE).is_file() else incomplete).append((int(m.group(1)), d))
    return sorted(complete), [d for _, d in sorted(incomplete)]


def rng_state(device: torch.device) -> dict:
    def enc(t):
        return base64.b64encode(bytes(t.cpu().tolist())).decode()

    return {
        "torch_cpu": enc(torch.get_rng_state()),
        "torch_cuda": enc(torch.cuda.get_rng_state(device)) if device.type == "cuda" else None,
        "python_state": None,  # the data order has its own seeded generators (batching.epoch_rng)
    }


def restore_rng(state: dict, device: torch.device) -> None:
    def dec(s):
        return torch.tensor(list(base64.b64decode(s)), dtype=torch.uint8)

    torch.set_rng_state(dec(state["torch_cpu"]))
    if device.type == "cuda" and state.get("torch_cuda"):
        torch.cuda.set_rng_state(dec(state["torch_cuda"]), device)


def save(root: Path, step: int, peft_model, optimizer, params: dict, state: dict) -> Path:
    final = root / f"step-{step}"
    tmp = root / f".tmp-step-{step}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    peft_model.save_pretrained(tmp, safe_serialization=True)
    (tmp / "README.md").unlink(missing_ok=True)  # PEFT's placeholder card; tunecard writes its own
    moments = {}
    for key, p in params.items():
        s = optimizer.state.get(p, {})
        for name in ("exp_avg", "exp_avg_sq"):
            if name in s:
                moments[f"{key}.{name}"] = s[name].detach().float().cpu().contiguous()
    save_file(moments, tmp / "optimizer.safetensors", metadata={"format": "pt"})
    write_atomic(tmp / "trainer_state.json", json.dumps(state, indent=1, sort_keys=True) + "\n")
    if final.exists():  # an incomplete leftover of a killed run
        shutil.rmtree(final)
    os.replace(tmp, final)
    write_atomic(final / COMPLETE, f"{step}\n")
    return final


def load(directory: Path, optimizer, params: dict, step: int, device: torch.device) -> dict:
    """Loads adapter weights and AdamW moments into place; returns trainer_state.json."""
    try:
        weights = load_file(directory / "adapter_model.safetensors")
        moments = load_file(directory / "optimizer.safetensors")
        state = json.loads((directory / "trainer_state.json").read_text(encoding="utf-8"))
    except Exception as e:  # noqa: BLE001 - a corrupt checkpoint is bad input, named
        raise WorkerError("bad_input", f"{directory}: cannot read the checkpoint ({e})") from e
    if set(weights) != set(params):
        missing = sorted(set(params) - set(weights))[:3]
        raise WorkerError("bad_input", f"{directory}: adapter tensors do not match the lora spec "
                          f"(e.g. missing {missing})")
    opt_state = {}
    for index, (key, p) in enumerate(params.items()):
        with torch.no_grad():
            p.copy_(weights[key].to(p.dtype))
        if f"{key}.exp_avg" in moments:
            opt_state[index] = {
                "step": torch.tensor(float(step)),
                "exp_avg": moments[f"{key}.exp_avg"].to(device),
                "exp_avg_sq": moments[f"{key}.exp_avg_sq"].to(device),
            }
    sd = optimizer.state_dict()
    sd["state"] = opt_state
    optimizer.load_state_dict(sd)
    return state


def prune(root: Path, keep_last: int, best_step: int | None) -> list:
    """Deletes complete checkpoints except the last ``keep_last`` and the best; returns kept dirs."""
    complete, _ = scan(root)
    keep = {s for s, _ in complete[-keep_last:]}
    if best_step is not None:
        keep.add(best_step)
    kept = []
    for s, d in complete:
        if s in keep:
            kept.append(d)
        else:
            shutil.rmtree(d, ignore_errors=True)
    return kept
