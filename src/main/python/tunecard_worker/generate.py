"""The `generate` command: every strategy of the spec over the question file, batched.

Prompts are the template's prompt ids (chat.MistralInst), LEFT-padded so every row's next token
sits in the last column. Rows are batched in order of prompt length (little padding); files are
sorted by id. A sampling batch is seeded with ``strategy.seed + batch index``, so a run is
reproducible for a given batch size.
"""

import json
import os
import time
from pathlib import Path

import torch

from . import chat, modeling
from .checkpoints import write_atomic
from .events import WorkerError


def generation_kwargs(strategy: dict, max_new_tokens: int, pad_id: int, eos_id) -> dict:
    """transformers `generate` arguments for a spec strategy (sampling knobs only when sampling)."""
    kw = {
        "max_new_tokens": max_new_tokens,
        "min_new_tokens": strategy["min_new_tokens"],
        "num_beams": strategy["num_beams"],
        "do_sample": strategy["do_sample"],
        "pad_token_id": pad_id,
        "eos_token_id": eos_id,
        "use_cache": True,
    }
    if strategy["num_beams"] > 1:
        kw.update(length_penalty=strategy["length_penalty"],
                  early_stopping=strategy["early_stopping"])
    if strategy["do_sample"]:
        kw.update(temperature=strategy["temperature"], top_k=strategy["top_k"],
                  top_p=strategy["top_p"])
    return kw


def generate_batch(model, prompts: list, strategy: dict, max_new_tokens: int, pad_id: int,
                   eos_id, device, seed: int, cache: str | None = None,
                   compile_decode: bool = False) -> list:
    """New token ids per prompt, cut before the first eos, and whether eos came (per row).

    ``cache``: None (transformers' dynamic KV cache) or "static" (preallocated); transformers
    compiles the decoding step for a static cache only when ``compile_decode``.
    """
    from transformers import GenerationConfig

    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p)
        mask[i, width - len(p):] = 1
    kw = generation_kwargs(strategy, max_new_tokens, pad_id, eos_id)
    if cache:
        kw["cache_implementation"] = cache
        kw["disable_compile"] = not compile_decode
    torch.manual_seed(seed)
    with torch.inference_mode():
        out = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device),
                             generation_config=GenerationConfig(**kw))
    results = []
    for row in out[:, width:].tolist():
        if eos_id is not None and eos_id in row:
            results.append((row[:row.index(eos_id)], True))
        else:
            results.append((row, False))
    return results


def load_for_inference(spec: dict, device, dtype):
    """(model, template, pad id); an adapter is merged into the base weights for speed."""
    m = spec["model"]
    modeling.check_quantization(m["quantization"], device, modeling.nf4_backend(m))
    directory = modeling.model_dir(m["base"])
    tokenizer = modeling.load_tokenizer(m, directory)
    bos, eos, pad = modeling.special_ids(modeling.load_config(directory), tokenizer)
    model = modeling.load_base(directory, device, dtype, m["quantization"],
                               nf4_backend=modeling.nf4_backend(m))
    model.config.use_cache = True
    return model, chat.MistralInst(tokenizer, bos, eos), pad


def load_adapter(model, adapter: str):
    from peft import PeftModel

    path = Path(adapter)
    if not (path / "adapter_config.json").is_file():
        raise WorkerError("bad_input", f"{adapter}: not a PEFT adapter directory "
                          "(no adapter_config.json)")
    try:
        return PeftModel.from_pretrained(model, path)
    except Exception as e:  # noqa: BLE001
        raise WorkerError("bad_input", f"{adapter}: cannot load the adapter ({e})") from e


def with_adapter(model, adapter: str | None, dtype):
    """Base (+ adapter) as generation runs it, dense: an NF4 base is dequantized to ``dtype`` (the
    same function, decoded once instead of at every step), and an adapter is merged into that for
    speed. Merging into the 4-bit codes would re-quantize the sum: the model scored would not be
    the one trained."""
    model = modeling.dense_base(model, dtype)
    return model if adapter is None else load_adapter(model, adapter).merge_and_unload()


def run(spec: dict, events) -> None:
    from .train import device_name

    g = spec["generate"]
    device = modeling.resolve_device(spec["device"])
    dtype = modeling.resolve_dtype(spec["model"]["dtype"], device)
    rows = chat.read_rows(spec["data"]["questions"], ("id", "question", "answer"))
    names = [s["name"] for s in g["strategies"]]
    if len(set(names)) != len(names):
        raise WorkerError("bad_input", f"generate.strategies: names must be unique, found {names}")
    out_dir = Path(spec["output_dir"])
    events.emit("started", engine="hf", device=device_name(device), pid=os.getpid(),
                total_steps=None, resumed_from=None)
    model, template, pad = load_for_inference(spec, device, dtype)
    model = with_adapter(model, g.get("adapter"), dtype)
    model.eval()
    max_prompt = spec["model"]["max_seq_len"]
    prompts = [p if len(p) <= max_prompt else p[:1] + p[len(p) - max_prompt + 1:]
               for p in template.prompts([r["question"] for r in rows])]
    order = sorted(range(len(rows)), key=lambda i: (len(prompts[i]), i))
    # a preallocated (static) KV cache decodes ~1.5x faster on the GPU (docs/benchmarks.md)
    cache = os.environ.get("TUNECARD_GENERATE_CACHE", "static" if device.type == "cuda" else "")
    cache = None if cache in ("", "dynamic") else cache
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = []
    for strategy in g["strategies"]:
        per_call = max(1, g["batch"] // strategy["num_beams"])
        predictions = {}
        t0, produced = time.perf_counter(), 0
        for k in range(0, len(order), per_call):
            chunk = order[k:k + per_call]
            results = generate_batch(model, [prompts[i] for i in chunk], strategy,
                                     g["max_new_tokens"], pad, template.eos_id, device,
                                     strategy["seed"] + k // per_call, cache)
            for i, (new, ended) in zip(chunk, results):
                predictions[i] = (new, ended)
                produced += len(new)
            events.progress("generate", len(predictions), len(rows), label=strategy["name"],
                            tokens_per_s=round(produced / (time.perf_counter() - t0), 1))
        lines = []
        for i in sorted(range(len(rows)), key=lambda i: rows[i]["id"]):
            new, ended = predictions[i]
            lines.append(json.dumps({
                "id": rows[i]["id"], "question": rows[i]["question"],
                "reference": rows[i]["answer"], "prediction": template.decode(new),
                "tokens": len(new), "hit_cap": not ended,
            }, ensure_ascii=False, separators=(",", ":")))
        path = out_dir / f"{strategy['name']}.jsonl"
        write_atomic(path, "\n".join(lines) + "\n")
        outputs.append(str(path))
    events.emit("done", final_step=None, final_loss=None, best_checkpoint=None, outputs=outputs)
