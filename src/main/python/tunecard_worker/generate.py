"""The `generate` command: every strategy of the spec over the question file, batched.

Prompts are the template's prompt ids (chat.ChatTemplate), decoded in order of prompt length;
files are sorted by id. ``generate.loop`` picks the decoding loop: ``tunecard`` (decode.py: the
default) keeps ``batch`` questions in flight and seeds each strategy once with its seed;
``hf`` runs transformers' ``generate`` on LEFT-padded batches, each seeded with ``strategy.seed +
batch index``. Either way a run is reproducible for a given batch size.
"""

import json
import os
import time
from pathlib import Path

import torch

from . import chat, decode, decode_step, modeling
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
    stops = set(eos_id if isinstance(eos_id, (list, tuple)) else [eos_id]) - {None}
    results = []
    for row in out[:, width:].tolist():
        end = next((k for k, t in enumerate(row) if t in stops), None)
        results.append((row, False) if end is None else (row[:end], True))
    return results


def answer(model, prompts: list, strategy: dict, max_new_tokens: int, pad_id: int, eos_id,
           device, per_call: int, loop: str, progress, cache: str | None = None) -> list:
    """Every prompt's (new ids, whether eos came) under one strategy, in order, through the
    ``loop``: "tunecard" (decode.py: one pass, ``per_call`` questions at a time, a finished one
    replaced by the next) or "hf" (``generate_batch`` per ``per_call`` prompts, call k seeded
    with seed + k). ``progress(questions done, tokens)``."""
    if loop == "tunecard":
        try:
            return decode.generate_all(model, prompts, strategy, max_new_tokens, pad_id, eos_id,
                                       device, strategy["seed"], per_call, progress)
        except ValueError as e:  # settings the loop cannot honour (e.g. a sliding window)
            raise WorkerError("bad_input", f"generate.strategies.{strategy['name']}: {e}") from e
    results, produced = [], 0
    for k in range(0, len(prompts), per_call):
        batch = generate_batch(model, prompts[k:k + per_call], strategy, max_new_tokens, pad_id,
                               eos_id, device, strategy["seed"] + k // per_call, cache)
        results += batch
        produced += sum(len(new) for new, _ in batch)
        progress(len(results), produced)
    return results


def pick_loop(g: dict, model, events) -> str:
    """generate.loop, else TUNECARD_GENERATE_LOOP, else tunecard where it runs the model."""
    chosen = g.get("loop") or os.environ.get("TUNECARD_GENERATE_LOOP")
    if chosen not in (None, "tunecard", "hf"):
        raise WorkerError("bad_input", f"TUNECARD_GENERATE_LOOP: expected tunecard or hf, "
                          f"found '{chosen}'")
    why = decode_step.unsupported(modeling.causal_lm(model))
    if why and chosen == "tunecard":
        raise WorkerError("bad_input", f"generate.loop: tunecard does not run {why}; use hf")
    if why and chosen is None:
        events.log(f"decoding with transformers' generate: the tunecard loop does not run {why}")
        return "hf"
    return chosen or "tunecard"


def load_for_inference(spec: dict, device, dtype):
    """(model, template, pad id); an adapter is merged into the base weights for speed."""
    m = spec["model"]
    modeling.check_quantization(m["quantization"], device, modeling.nf4_backend(m))
    directory = modeling.model_dir(m["base"])
    tokenizer = modeling.load_tokenizer(m, directory)
    template = chat.ChatTemplate.load(m, directory, tokenizer, modeling.load_config(directory))
    model = modeling.load_base(directory, device, dtype, m["quantization"],
                               nf4_backend=modeling.nf4_backend(m))
    model.config.use_cache = True
    return model, template, template.pad_id


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


def fit_prompts(template, questions: list, max_prompt: int) -> list:
    """The template's prompt ids per question; a longer one keeps its first id and its tail."""
    return [p if len(p) <= max_prompt else p[:1] + p[len(p) - max_prompt + 1:]
            for p in template.prompts(questions)]


def decode_cache(device) -> str | None:
    """TUNECARD_GENERATE_CACHE, else a static KV cache on CUDA (~1.5x faster there,
    docs/benchmarks.md) and the dynamic one elsewhere; None means dynamic."""
    cache = os.environ.get("TUNECARD_GENERATE_CACHE", "static" if device.type == "cuda" else "")
    return None if cache in ("", "dynamic") else cache


def answer_all(model, prompts: list, strategy: dict, max_new_tokens: int, batch: int, pad_id: int,
               eos_ids, device, loop: str, cache: str | None = None, progress=None) -> list:
    """(new ids before eos, whether eos came) per prompt, in the order of ``prompts``.

    The one place that decodes a whole question set (the `generate` and `evaluate` commands):
    prompts in order of length (then position), ``batch // num_beams`` in flight, through the
    ``loop`` (``pick_loop``); ``progress(done, total, new tokens so far)``.
    """
    order = sorted(range(len(prompts)), key=lambda i: (len(prompts[i]), i))

    def step(done, produced):
        if progress:
            progress(done, len(prompts), produced)

    out = answer(model, [prompts[i] for i in order], strategy, max_new_tokens, pad_id, eos_ids,
                 device, max(1, batch // strategy["num_beams"]), loop, step, cache)
    results = [None] * len(prompts)
    for i, r in zip(order, out):
        results[i] = r
    return results


def answer_lines(rows: list, results: list, template) -> str:
    """The generations file: one row per question, sorted by id."""
    lines = []
    for i in sorted(range(len(rows)), key=lambda i: rows[i]["id"]):
        new, ended = results[i]
        lines.append(json.dumps({
            "id": rows[i]["id"], "question": rows[i]["question"],
            "reference": rows[i]["answer"], "prediction": template.decode(new),
            "tokens": len(new), "hit_cap": not ended,
        }, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"


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
    prompts = fit_prompts(template, [r["question"] for r in rows], spec["model"]["max_seq_len"])
    cache = decode_cache(device)
    loop = pick_loop(g, model, events)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = []
    for strategy in g["strategies"]:
        t0 = time.perf_counter()

        def progress(done, total, produced, name=strategy["name"]):
            events.progress("generate", done, total, label=name,
                            tokens_per_s=round(produced / (time.perf_counter() - t0), 1))

        results = answer_all(model, prompts, strategy, g["max_new_tokens"], g["batch"], pad,
                             template.eos_ids, device, loop, cache, progress)
        path = out_dir / f"{strategy['name']}.jsonl"
        write_atomic(path, answer_lines(rows, results, template))
        outputs.append(str(path))
    events.emit("done", final_step=None, final_loss=None, best_checkpoint=None, outputs=outputs)
