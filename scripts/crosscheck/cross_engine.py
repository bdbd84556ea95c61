#!/usr/bin/env python3
"""The PyTorch half of the cross-engine check: trains the hf engine on the run that
io.tunecard.train.CrossEngineExport wrote (the same dataset, tokenizer and base the djl engine
trained on), then computes, with transformers + PEFT in fp32 on the CPU, the logits of the base,
of the base + the djl-trained adapter, and of the base + the hf-trained adapter on the export's
batch. CrossEngineParityTest (mvn verify) compares them with the JVM's.

    python3 scripts/crosscheck/cross_engine.py EXPORT_DIR OUT_DIR [--nf4]

OUT_DIR gets hf-adapter/ (the hf engine's chosen checkpoint), peft-logits.safetensors
(logits_base, logits_djl, logits_hf), hf-metrics.jsonl, hf-events.jsonl and result.json.

--nf4: the export was made with CrossEngineExport --nf4 (both engines trained on an NF4 base);
the hf engine trains with its builtin NF4, the logits are those of the worker's NF4 base (the
same quantization as the JVM's) with each adapter unmerged, and OUT_DIR also gets djl-adapter/.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]


def main(export: Path, out: Path, nf4: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # the worker's NF4 cache goes with the export, not into the user's cache
    os.environ["TUNECARD_CACHE"] = str(export / "nf4-cache")
    spec_text = (export / "hf-train-spec.json").read_text()
    spec = json.loads(spec_text)
    old_root = spec["output_dir"][: -len("/hf/train")]
    spec = json.loads(spec_text.replace(old_root, str(export.resolve())))
    hf_run = export / "hf"
    shutil.rmtree(hf_run / "train", ignore_errors=True)
    spec_file = out / "hf-train-spec.json"
    spec_file.write_text(json.dumps(spec, indent=2))
    env = dict(os.environ, PYTHONPATH=str(REPO / "src" / "main" / "python"), PYTHONUNBUFFERED="1")
    with open(out / "hf-events.jsonl", "w") as sink:
        status = subprocess.run([sys.executable, "-m", "tunecard_worker", "train", str(spec_file)],
                                stdout=sink, env=env, cwd=str(REPO)).returncode
    if status != 0:
        raise SystemExit(f"hf train exited {status}; see {out / 'hf-events.jsonl'}")
    # The worker streams events; the Java supervisor would turn them into DONE.json and
    # metrics.jsonl, so this script reads them itself.
    events = [json.loads(line) for line in (out / "hf-events.jsonl").read_text().splitlines()
              if line.startswith("{")]
    done = next(e for e in events if e.get("event") == "done")
    chosen = done.get("best_checkpoint") or f"step-{done['final_step']}"
    hf_adapter = hf_run / "train" / "checkpoints" / chosen
    shutil.copytree(hf_adapter, out / "hf-adapter", dirs_exist_ok=True)
    (out / "hf-metrics.jsonl").write_text("".join(
        json.dumps({k: v for k, v in e.items() if k != "event"}) + "\n"
        for e in events if e.get("event") == "metrics"))

    djl_done = json.loads((export / "djl" / "train" / "DONE.json").read_text())
    djl_chosen = djl_done.get("best_checkpoint") or f"step-{djl_done['final_step']}"
    djl_adapter = export / "djl" / "train" / "checkpoints" / djl_chosen

    from peft import PeftModel
    from safetensors.torch import save_file
    from transformers import MistralForCausalLM

    torch.backends.cuda.matmul.allow_tf32 = False
    batch = json.loads((export / "batch.json").read_text())
    ids = torch.tensor(batch["input_ids"])
    mask = torch.tensor(batch["attention_mask"])
    base_dir = export / ("nf4-base" if nf4 else "djl/base")
    sys.path.insert(0, str(REPO / "src" / "main" / "python"))
    from tunecard_worker import modeling

    def load_base():
        if nf4:
            return modeling.load_base(base_dir, torch.device("cpu"), torch.float32, "nf4",
                                      attn="eager")
        return MistralForCausalLM.from_pretrained(base_dir, dtype=torch.float32,
                                                  attn_implementation="eager")

    def logits(adapter):
        model = load_base()
        if adapter is not None:
            model = PeftModel.from_pretrained(model, adapter)
        model.eval()
        with torch.no_grad():
            return model(input_ids=ids, attention_mask=mask).logits.float().contiguous()

    tensors = {"logits_base": logits(None), "logits_djl": logits(djl_adapter),
               "logits_hf": logits(hf_adapter)}
    save_file(tensors, str(out / "peft-logits.safetensors"))
    if nf4:
        shutil.copytree(djl_adapter, out / "djl-adapter", dirs_exist_ok=True)
    import peft
    import transformers
    result = {
        "torch": torch.__version__, "transformers": transformers.__version__,
        "peft": peft.__version__,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "hf_device": spec["device"], "quantization": spec["model"]["quantization"],
        "hf_done": done, "hf_checkpoint": chosen, "djl_done": djl_done,
        "djl_checkpoint": djl_chosen,
        "hf_minus_base_max_abs": (tensors["logits_hf"] - tensors["logits_base"]).abs().max().item(),
        "djl_minus_base_max_abs": (tensors["logits_djl"] - tensors["logits_base"]).abs().max().item(),
    }
    (out / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), "--nf4" in sys.argv[3:])
