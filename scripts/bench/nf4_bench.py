#!/usr/bin/env python3
"""NF4 QLoRA against bf16 LoRA in one process: the worker's training step (train.StepRunner over
batching.collate of packed 512-token bins, LoRA r=32 a=64 dropout 0.05 on all seven projections,
fp32 adapters under bf16 autocast, fused AdamW, compiled decoder layers as the worker compiles
them on CUDA) on a randomly initialised model of Mistral-7B-Instruct-v0.3's shape.

  1. bf16: the model as built (bf16 on the GPU), --warmup + --steps steps: tokens/s, peak memory.
  2. the same weights saved as safetensors, loaded back through the worker's NF4 loader
     (nf4_base.load: quantized on the GPU, cache written), then loaded again (from the cache):
     both times recorded; --no-loader quantizes the model in memory instead (nf4.quantize_linears).
  3. NF4: the same steps on the NF4 base (peak memory counted from the NF4 load on, compile
     included).

One bf16 and one NF4 row per --micro-batches entry (default 4,2: the same bins in both rows).
Prints ``name: value`` lines for the largest micro-batch whose NF4 row peaks within 12 GB:
train_nf4_tokens_per_s, train_nf4_peak_gb, train_nf4_vs_bf16 (NF4 tokens/s over bf16's),
train_bf16_tokens_per_s, train_bf16_peak_gb; then every micro-batch's pair, nf4_quantize_s and
nf4_cache_load_s. Goal: train_nf4_vs_bf16 >= 0.8 with train_nf4_peak_gb <= 12.

    python3 scripts/bench/nf4_bench.py --out nf4.json [--tiny] [--micro-batches 4,2] [--limit-s 270]

--tiny: a 2-layer model on the CPU (fp32, eager unless TUNECARD_COMPILE=1): a smoke test.
hf_engine_bench.py runs it as its last phase (--phases ...,nf4); importable: run(put, device, cfg).
"""

import argparse
import json
import math
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src" / "main" / "python"))
os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")

import torch  # noqa: E402

from tunecard_worker import (attention, batching, modeling, nf4, nf4_base, optim,  # noqa: E402
                             regional)
from tunecard_worker.chat import Example  # noqa: E402
from tunecard_worker.train import TRAIN_ATTENTION, StepRunner  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devices import free as _free, peak_gb as _peak_gb, sync as _sync  # noqa: E402

MISTRAL_7B_V03 = dict(
    vocab_size=32768, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
    num_attention_heads=32, num_key_value_heads=8, head_dim=128, rope_theta=1e6,
    max_position_embeddings=32768, rms_norm_eps=1e-5, sliding_window=None, hidden_act="silu",
    tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
TINY = dict(MISTRAL_7B_V03, vocab_size=512, hidden_size=64, intermediate_size=128,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16)
LORA = {"r": 32, "alpha": 64, "dropout": 0.05,
        "targets": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}
OPTIM = {"lr": 2e-4, "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_eps": 1e-8,
         "weight_decay": 0.0}
SEQ = 512


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] nf4: {msg}", flush=True)




def examples(n, vocab, seed=1):
    """Random ids with MedQuAD-like lengths (answers log-normal, median 210 tokens), as
    hf_engine_bench.py draws them, truncated at 512."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        q = 6 + rng.randint(8, 30)
        a = max(4, min(2000, int(rng.lognormvariate(math.log(210), 0.82))))
        out.append(Example([rng.randrange(3, vocab) for _ in range(q + a)][:SEQ], q))
    return out


def build(cfg, device):
    from transformers import MistralConfig, MistralForCausalLM

    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = MistralForCausalLM._from_config(MistralConfig(**cfg), dtype=dtype,
                                                attn_implementation=TRAIN_ATTENTION)
    model.requires_grad_(False)
    model.config.use_cache = False
    return model, dtype


def train_row(device, model, dtype, data, micro_batch, warmup, steps, deadline):
    """The worker's steps on ``model`` with a fresh adapter; the model is left without it."""
    peft_model = modeling.apply_lora(model, LORA, seed=42, lean=False)
    lm = modeling.causal_lm(peft_model)
    if regional.wanted(device):
        regional.compile_layers(lm)
    params = modeling.lora_parameters(peft_model)
    runner = StepRunner(peft_model, optim.adamw(list(params.values()), OPTIM, device), 1.0,
                        device, dtype)
    peft_model.train()
    lengths = [len(e.ids) for e in data]
    plan = batching.plan_epoch(lengths, "packing", micro_batch, SEQ, seed=42, epoch=0)
    row = {"micro_batch": micro_batch, "seq": SEQ, "compiled": regional.wanted(device)}
    tokens = done = 0
    t_start = time.perf_counter()
    t0 = None
    try:
        for k, rows in enumerate(plan[:warmup + steps]):
            if k == warmup:
                _sync(device)
                t0 = time.perf_counter()
                row["warmup_s"] = round(t0 - t_start, 2)
            elif k > warmup and time.perf_counter() > deadline:
                row["stopped"] = "time limit"
                break
            b = batching.collate(data, rows, 0, device, True, SEQ)
            loss, _ = runner.step([b], OPTIM["lr"])
            if k == 0:
                row["first_step_loss"] = loss.item()
                row["first_step_s"] = round(time.perf_counter() - t_start, 2)
            if k >= warmup:
                done += 1
                tokens += b.tokens
        _sync(device)
        seconds = time.perf_counter() - t0
        row.update(tokens_per_s=tokens / seconds, steps=done, tokens=tokens,
                   seconds=round(seconds, 3), loss=loss.item(), peak_gb=_peak_gb(device))
    except torch.cuda.OutOfMemoryError as e:
        row["error"] = f"out of memory: {str(e).splitlines()[0]}"
    finally:
        regional.uncompile_layers(lm)
        peft_model.unload()
        runner = peft_model = None
        _free(device)
    return row


def quantize_in_memory(device, model):
    _sync(device)
    t0 = time.perf_counter()
    count = nf4.quantize_linears(modeling.causal_lm(model).get_decoder().layers)
    _sync(device)
    return {"quantize_s": time.perf_counter() - t0, "projections": count, "path": "in memory"}


def load_twice(device, directory, dtype, tmp):
    """The worker's loader on the saved base: quantized (cache written), then from the cache."""
    os.environ[nf4_base.CACHE_ENV] = str(Path(tmp) / "cache")
    config = modeling.load_config(directory)
    info = {"path": "nf4_base.load"}
    loaded = None
    for attempt in ("quantize", "cache"):
        loaded = None
        _free(device)
        _sync(device)
        t0 = time.perf_counter()
        loaded = nf4_base.load(directory, config, device, dtype, TRAIN_ATTENTION)
        _sync(device)
        info[f"{attempt}_load_s"] = time.perf_counter() - t0
        info[f"{attempt}_from_cache"] = loaded.tunecard_nf4["from_cache"]
        written = loaded.tunecard_nf4["cache_written"]
        if written:
            info["cache_gb"] = os.path.getsize(written) / 1e9
    info["quantize_s"] = info["quantize_load_s"]
    loaded.requires_grad_(False)
    loaded.config.use_cache = False
    return loaded, info


def _fmt_gb(gb):
    return f"{gb:.2f}" if gb is not None else "n/a (cpu)"


def run(put, device, cfg, micro_batches=(4, 2), warmup=3, steps=10, limit_s=270.0, loader=True,
        tmp=None, goal_gb=12.0):
    """bf16 rows, then NF4 rows, one per micro-batch; ``put(key, value)`` records results as they
    come. The headline is the largest micro-batch whose NF4 row stays within ``goal_gb``.
    Returns the summary lines."""
    t_end = time.perf_counter() + limit_s
    attention.register()
    data = examples(max(micro_batches) * (warmup + steps) * 3 + 64, cfg["vocab_size"])
    model, dtype = build(cfg, device)
    bf16 = {}
    for mb in micro_batches:  # bf16 gets 40 % of the time, NF4 (load, compile) the rest
        share = 0.4 * limit_s / len(micro_batches)
        bf16[mb] = train_row(device, model, dtype, data, mb, warmup, steps,
                             time.perf_counter() + share)
        put("nf4_bench_bf16", list(bf16.values()))
        log(f"bf16 LoRA, micro-batch {mb}: {json.dumps(bf16[mb])}")
    own_tmp = tmp is None
    tmp = tempfile.mkdtemp(prefix="tunecard-nf4-bench-") if own_tmp else tmp
    try:
        if loader:
            directory = Path(tmp) / "base"
            t0 = time.perf_counter()
            model.save_pretrained(directory)
            save_s = time.perf_counter() - t0
            model = None  # the bf16 weights leave the GPU before the NF4 base arrives
            model, info = load_twice(device, directory, dtype, tmp)
            info["save_s"] = save_s
        else:
            _free(device)
            info = quantize_in_memory(device, model)
        put("nf4_bench_load", info)
        log(f"NF4 base: {json.dumps(info)}")
        torch._dynamo.reset()  # the bf16 graphs go; the NF4 layers compile their own
        rows = {}
        for k, mb in enumerate(micro_batches):
            left = (t_end - time.perf_counter()) / (len(micro_batches) - k)
            rows[mb] = train_row(device, model, dtype, data, mb, warmup, steps,
                                 time.perf_counter() + left)
            put("nf4_bench_nf4", list(rows.values()))
            log(f"NF4 LoRA, micro-batch {mb}: {json.dumps(rows[mb])}")
    finally:
        if own_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    done = [mb for mb in micro_batches if "tokens_per_s" in rows[mb] and "tokens_per_s" in bf16[mb]]
    fits = [mb for mb in done if rows[mb]["peak_gb"] is None or rows[mb]["peak_gb"] <= goal_gb]
    lines = []
    if done:
        mb = max(fits) if fits else done[0]
        row, ref = rows[mb], bf16[mb]
        lines += [f"train_nf4_tokens_per_s: {row['tokens_per_s']:.0f}",
                  f"train_nf4_peak_gb: {_fmt_gb(row['peak_gb'])}",
                  f"train_nf4_vs_bf16: {row['tokens_per_s'] / ref['tokens_per_s']:.3f}",
                  f"train_bf16_tokens_per_s: {ref['tokens_per_s']:.0f}",
                  f"train_bf16_peak_gb: {_fmt_gb(ref['peak_gb'])}",
                  f"train_nf4_config: packing, micro_batch {mb} x {SEQ} tokens, LoRA r=32 all "
                  f"seven projections, compiled {row['compiled']}, {row['steps']} timed steps"]
    for mb in micro_batches:
        row, ref = rows[mb], bf16[mb]
        if "tokens_per_s" in row and "tokens_per_s" in ref:
            lines.append(f"train_nf4_micro_batch_{mb}: {row['tokens_per_s']:.0f} tokens/s at "
                         f"{_fmt_gb(row['peak_gb'])} GB; bf16 {ref['tokens_per_s']:.0f} at "
                         f"{_fmt_gb(ref['peak_gb'])} GB; ratio "
                         f"{row['tokens_per_s'] / ref['tokens_per_s']:.3f}")
        else:
            lines.append(f"train_nf4_micro_batch_{mb}: {row.get('error') or ref.get('error')}")
    lines.append(f"nf4_quantize_s: {info['quantize_s']:.1f} ({info['path']})")
    if "cache_load_s" in info:
        lines.append(f"nf4_cache_load_s: {info['cache_load_s']:.1f} "
                     f"({info['cache_gb']:.2f} GB cache)")
    put("nf4_bench_lines", lines)
    print("\n".join(lines), flush=True)
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true", help="a tiny model on the CPU: a smoke test")
    ap.add_argument("--micro-batches", default=None, help="comma-separated; default 4,2 (--tiny: 1)")
    ap.add_argument("--warmup", type=int, default=None, help="default 3 (--tiny: 1)")
    ap.add_argument("--steps", type=int, default=None, help="default 10 (--tiny: 2)")
    ap.add_argument("--limit-s", type=float, default=270, help="both rows together")
    ap.add_argument("--no-loader", action="store_true",
                    help="quantize in memory instead of saving and loading through nf4_base")
    ap.add_argument("--tmp", default=None, help="where the safetensors copy and cache go")
    args = ap.parse_args()
    for key, full, tiny in (("micro_batches", "4,2", "1"), ("warmup", 3, 1), ("steps", 10, 2)):
        if getattr(args, key) is None:
            setattr(args, key, tiny if args.tiny else full)
    device = torch.device("cpu" if args.tiny or not torch.cuda.is_available() else "cuda")
    results = {"command": " ".join([Path(sys.executable).name] + sys.argv),
               "date": time.strftime("%Y-%m-%d"), "torch": torch.__version__,
               "gpu": torch.cuda.get_device_name() if device.type == "cuda" else "cpu"}
    out = Path(args.out)

    def put(key, value):
        results[key] = value
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(results, indent=1), encoding="utf-8")
        os.replace(tmp, out)

    put("model_config", TINY if args.tiny else MISTRAL_7B_V03)
    run(put, device, TINY if args.tiny else MISTRAL_7B_V03,
        [int(m) for m in args.micro_batches.split(",")], args.warmup, args.steps, args.limit_s,
        not args.no_loader, args.tmp)


if __name__ == "__main__":
    main()
