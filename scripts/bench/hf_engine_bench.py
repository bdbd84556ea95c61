#!/usr/bin/env python3
"""Benchmark of tunecard's hf engine on a GPU: LoRA training and six-strategy generation with a
randomly initialised model of Mistral-7B-Instruct-v0.3's exact shape (no weights needed).

Phases (each writes its results into --out as soon as it ends, each has its own time limit):
  env       versions, GPU
  matmul    bf16 peak: 8192^3 matrix products timed with CUDA events (the MFU denominator)
  train     first a check: packed attention through tunecard_varlen against transformers' sdpa
            with the (B, 1, T, T) mask (eager, dropout off, one micro-batch: loss and adapter
            gradients); then the worker's own step (tunecard_worker.train.StepRunner over
            batching.collate of packed 512-token bins), LoRA r=32 a=64 dropout 0.05 on all seven
            projections, fused AdamW, no gradient checkpointing; one row per --variants entry
            (micro-batch, attention, compiled layers or eager), each from the same initial
            adapter (B = 0, so the first step's loss checks each row's forward against the
            first row of its micro-batch size); peak memory over all steps, compile included
  baseline  plain transformers.Trainer + PEFT on the same model, fixed 512-token rows
  generate  the worker's generate_batch, six strategies x >= 256 questions x 256 new tokens
            (forced: random weights never emit eos reliably), projected to the 2,462-question
            test split
  evalloss, evalgen, evalreal, bertscore (or `eval` for all four)
            the evaluation stage's parts on the reference workload (eval_phases.py): eval loss
            of base + 3 checkpoints, generation with tunecard's decoding loop forced to 256
            tokens and stopped at drawn answer lengths, BERTScore (a stand-in)
  gradcheck bf16 packed-attention adapter gradients (varlen, sdpa + mask) against fp32
            (grad_phase.py)
  nf4       (last; not in the default phases) NF4 QLoRA against bf16 LoRA: scripts/bench/nf4_bench.py

--time-limit-s bounds the whole run: a phase starts only with time left and gets at most its own
limit of what is left; a phase that fails is recorded in the JSON and the others still run.

Training FLOPs per token (frozen base, so no weight gradients for it):
  4 * N_layers                 forward 2N + input gradients 2N of the decoder's linear layers
  + 4 * N_head * answer_share  the vocabulary projection, run on answer positions only
  + 6 * N_lora                 LoRA: forward, input and weight gradients
  + 12 * L * d_attn * c        attention scores and values (forward 4*d*c per layer, backward 2x),
                               c = mean keys attended per token (causal, within its own row)
MFU = FLOPs per token * tokens/s / measured bf16 matmul FLOP/s.

Usage: python3 scripts/bench/hf_engine_bench.py --out bench.json [--tiny] [--phases ...]
The evaluation benchmark: --phases env,matmul,eval,gradcheck --time-limit-s 450 (in this order:
gradcheck, evalloss, bertscore, evalgen, evalreal; the time limit cuts the last ones first)
(--tiny: a tiny config on the CPU, a smoke test of every phase). Longer than most files on
purpose: it is one script that travels alone to the GPU machine. Results: docs/benchmarks.md.
"""

import argparse
import json
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src" / "main" / "python"))
os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")
os.environ["HF_HUB_OFFLINE"] = "1"

import torch  # noqa: E402

from tunecard_worker import (attention, batching, lean_lora, modeling, optim,  # noqa: E402
                             regional)
from tunecard_worker.chat import Example  # noqa: E402
from tunecard_worker.generate import generate_batch  # noqa: E402
from tunecard_worker.train import TRAIN_ATTENTION, StepRunner  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_phases  # noqa: E402
from devices import free, peak_gb, sync  # noqa: E402,F401  (eval_phases and grad_phase use them)
import grad_phase  # noqa: E402

MISTRAL_7B_V03 = dict(
    vocab_size=32768, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
    num_attention_heads=32, num_key_value_heads=8, head_dim=128, rope_theta=1e6,
    max_position_embeddings=32768, rms_norm_eps=1e-5, sliding_window=None, hidden_act="silu",
    tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
TINY = dict(MISTRAL_7B_V03, vocab_size=512, hidden_size=64, intermediate_size=128,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16)
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LORA = {"r": 32, "alpha": 64, "dropout": 0.05, "targets": TARGETS}
TEST_QUESTIONS = 2462
STRATEGIES = [  # the reference's six; sampling ones keep transformers' default top_k 50
    {"name": "beam_4", "num_beams": 4},
    {"name": "topp_0.9", "do_sample": True, "top_p": 0.9, "top_k": 50},
    {"name": "temp_1.2", "do_sample": True, "temperature": 1.2, "top_k": 50},
    {"name": "greedy"},
    {"name": "temp_0.9", "do_sample": True, "temperature": 0.9, "top_k": 50},
    {"name": "topk_50", "do_sample": True, "top_k": 50},
]


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Results:
    def __init__(self, path):
        self.path = Path(path)
        self.data = {}

    def put(self, key, value):
        self.data[key] = value
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)




def question_len(rng):
    return 6 + rng.randint(8, 30)  # bos + "[INST] ... [/INST]" template + question tokens


def synthetic_examples(n, vocab, max_seq_len, seed):
    """Random ids with MedQuAD-like lengths: answers lognormal (median 210 tokens, p90 ~ 600),
    truncated at max_seq_len as the worker's encode_examples does."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        q = question_len(rng)
        a = max(4, min(2000, int(rng.lognormvariate(math.log(210), 0.82))))
        ids = [rng.randrange(3, vocab) for _ in range(q + a)][:max_seq_len]
        out.append(Example(ids, q))
    return out


def phase_env(res, device):
    import peft
    import transformers

    info = {"torch": torch.__version__, "cuda": torch.version.cuda,
            "transformers": transformers.__version__, "peft": peft.__version__,
            "python": sys.version.split()[0], "date": time.strftime("%Y-%m-%d"),
            "gpu": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
            "bitsandbytes": _has("bitsandbytes")}
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(0)
        info["gpu_memory_gb"] = round(p.total_memory / 1e9, 1)
        info["sms"] = p.multi_processor_count
    res.put("env", info)
    log(f"env: {info}")


def _has(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


def phase_matmul(res, device, n):
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    times = []
    for i in range(25):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            torch.mm(a, b)
            end.record()
            end.synchronize()
            t = start.elapsed_time(end) / 1e3
        else:
            t0 = time.perf_counter()
            torch.mm(a, b)
            t = time.perf_counter() - t0
        if i >= 5:
            times.append(t)
    med = sorted(times)[len(times) // 2]
    tflops = 2 * n ** 3 / med / 1e12
    res.put("matmul", {"n": n, "dtype": str(dtype), "median_s": med, "tflops": tflops})
    log(f"matmul {n}^3 {dtype}: {tflops:.1f} TFLOP/s")
    return tflops * 1e12


def build_model(cfg, device):
    from transformers import MistralConfig, MistralForCausalLM

    config = MistralConfig(**cfg)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    t0 = time.perf_counter()
    torch.manual_seed(0)
    with torch.device(device):  # parameters are born on the GPU, in bf16, initialised there
        model = MistralForCausalLM._from_config(config, dtype=dtype,
                                                attn_implementation=attention.register())
    model.requires_grad_(False)
    model.config.use_cache = False
    sync(device)
    n = sum(p.numel() for p in model.parameters())
    log(f"model: {n / 1e9:.3f} B parameters, {dtype}, built in {time.perf_counter() - t0:.1f} s")
    return model, dtype


def flops_per_token(cfg, answer_share, mean_keys):
    h, L, v = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["vocab_size"]
    q = cfg["num_attention_heads"] * cfg["head_dim"]
    kv = cfg["num_key_value_heads"] * cfg["head_dim"]
    inter = cfg["intermediate_size"]
    shapes = {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h),
              "gate_proj": (h, inter), "up_proj": (h, inter), "down_proj": (inter, h)}
    n_layers = L * sum(i * o for i, o in shapes.values())
    n_lora = L * sum(LORA["r"] * (i + o) for i, o in shapes.values())
    n_head = h * v
    parts = {"linear": 4 * n_layers, "lm_head": 4 * n_head * answer_share,
             "lora": 6 * n_lora, "attention": 12 * L * q * mean_keys}
    return sum(parts.values()), parts, {"n_linear": n_layers, "n_lora": n_lora, "n_head": n_head}


def phase_train(res, device, model, dtype, cfg, peak, variants, warmup, steps, limit_s,
                variant_limit_s):
    seq = 512
    need = max(v["micro_batch"] for v in variants) * (warmup + steps) * 3 + 64
    examples = synthetic_examples(need, cfg["vocab_size"], seq, seed=1)
    lengths = [len(e.ids) for e in examples]
    peft_model = modeling.apply_lora(model, LORA, seed=42, lean=False)
    params = modeling.lora_parameters(peft_model)
    # every variant starts from the same adapter (B = 0: the first step's loss does not depend on
    # the dropout masks, so it checks each variant's forward against the others)
    initial = {k: p.detach().to("cpu", copy=True) for k, p in params.items()}
    train = {"lr": 2e-4, "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_eps": 1e-8,
             "weight_decay": 0.0}
    rows = []
    try:
        guarded_check(res, device, peft_model, params, initial, dtype, examples, lengths, seq)
        peft_model.train()
        _train_rows(res, device, peft_model, params, initial, dtype, cfg, peak, variants, warmup,
                    steps, limit_s, variant_limit_s, examples, lengths, train, seq, rows)
    finally:
        regional.uncompile_layers(modeling.causal_lm(peft_model))
        peft_model.unload()  # the base model again, LoRA layers removed
        free(device)
    return rows


def guarded_check(res, device, peft_model, params, initial, dtype, examples, lengths, seq):
    """Packed attention, eager, dropout off, a random non-zero adapter: loss and gradients of
    tunecard_varlen against transformers' sdpa with the (B, 1, T, T) mask, on one micro-batch."""
    try:
        lm = modeling.causal_lm(peft_model)
        peft_model.eval()
        g = torch.Generator().manual_seed(7)
        with torch.no_grad():
            for k, p in params.items():
                if "lora_B" in k:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.01)
        rows_ = batching.plan_epoch(lengths, "packing", 2, seq, seed=3, epoch=0)[0]
        b = batching.collate(examples, rows_, 0, device, True, seq)
        out = {}
        for attn in ("sdpa", attention.VARLEN):
            lm.set_attn_implementation(attn)
            with modeling.autocast(device, dtype):
                loss = modeling.answer_loss_sum(lm, b) / b.targets
            loss.backward()
            out[attn] = (loss.item(), {k: p.grad.float().clone() for k, p in params.items()})
            for p in params.values():
                p.grad = None
        (la, ga), (lb, gb) = out["sdpa"], out[attention.VARLEN]
        each = {k: ((ga[k] - gb[k]).norm() / ga[k].norm()).item() for k in ga if ga[k].norm() > 0}
        rel = max(each.values())
        total = (sum(((ga[k] - gb[k]) ** 2).sum() for k in ga) /
                 sum((ga[k] ** 2).sum() for k in ga)).sqrt().item()
        row = {"batch": "packing, 2 bins", "loss_sdpa_mask": la, "loss_varlen": lb,
               "loss_rel_diff": abs(la - lb) / la, "max_grad_rel_diff": rel,
               "all_grads_rel_diff": total,
               "largest_grad_rel_diffs": sorted(each.items(), key=lambda kv: -kv[1])[:5]}
        log(f"check varlen vs sdpa+mask (eager, dropout off): loss {la:.6f} vs {lb:.6f}, "
            f"relative gradient difference {total:.2e} over all adapter tensors, largest per "
            f"tensor {row['largest_grad_rel_diffs'][:3]}")
    except Exception as e:  # noqa: BLE001 - recorded; the training rows still run
        import traceback

        traceback.print_exc()
        row = {"error": f"{type(e).__name__}: {e}"[:800]}
    finally:
        with torch.no_grad():
            for k, p in params.items():
                p.copy_(initial[k])
                p.grad = None
    res.put("check_attention", row)


def _setup_variant(peft_model, params, initial, v):
    from peft.tuners.lora import Linear as LoraLinear

    lm = modeling.causal_lm(peft_model)
    regional.uncompile_layers(lm)
    lm.set_attn_implementation(v["attention"])
    for m in peft_model.modules():  # PEFT's own LoRA forward, or lean_lora's
        if isinstance(m, LoraLinear):
            m.__dict__.pop("forward", None)
    if v["lean"]:
        lean_lora.patch(peft_model)
    if v["compile"]:
        regional.compile_layers(lm)
    with torch.no_grad():
        for k, p in params.items():
            p.copy_(initial[k])
            p.grad = None


def _train_rows(res, device, peft_model, params, initial, dtype, cfg, peak, variants, warmup,
                steps, limit_s, variant_limit_s, examples, lengths, train, seq, rows):
    deadline = time.perf_counter() + limit_s
    first_loss = {}  # micro_batch -> the first eager row's first-step loss
    compile_s = {}  # attention -> first step of its first compiled row (the compile)
    failed = set()  # (compiled, attention) of rows that raised something else than OOM
    for v in variants:
        mode, mb = v["batching"], v["micro_batch"]
        row = {"micro_batch": mb, "grad_accum": 1, "seq": seq, "batching": mode,
               "attention": v["attention"], "compiled": v["compile"],
               "lora_branch": "lean_lora" if v["lean"] else "peft", "variant": v["text"]}
        left = deadline - time.perf_counter()
        new_compile = v["compile"] and v["attention"] not in compile_s
        if (v["compile"], v["attention"]) in failed:
            row["skipped"] = "the same compiled attention failed before"
            rows.append(row)
            res.put("train", rows)
            continue
        if left < 0 or (new_compile and compile_s and left < 1.2 * max(compile_s.values())):
            row["skipped"] = "phase time limit"
            rows.append(row)
            res.put("train", rows)
            continue
        free(device)
        _setup_variant(peft_model, params, initial, v)
        plan = batching.plan_epoch(lengths, mode, mb, seq, seed=42, epoch=0)
        opt = optim.adamw(list(params.values()), train, device)
        runner = StepRunner(peft_model, opt, 1.0, device, dtype)
        log(f"train {v['text']}: start")
        try:
            tokens = targets = keys = done = 0
            t_start = time.perf_counter()
            t0 = None
            for k, rows_ in enumerate(plan[:warmup + steps]):
                if k == warmup:
                    sync(device)
                    t0 = time.perf_counter()
                    row["warmup_s"] = t0 - t_start
                    row["peak_gb_warmup"] = peak_gb(device)
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats()
                elif k > warmup and time.perf_counter() - t_start > variant_limit_s:
                    break
                b = batching.collate(examples, rows_, 0, device, mode == "packing", seq)
                loss, norm = runner.step([b], 2e-4)
                if k == 0:
                    row["first_step_loss"] = loss.item()
                    row["first_step_grad_norm"] = norm.item()
                    row["first_step_s"] = time.perf_counter() - t_start
                    log(f"  first step: loss {row['first_step_loss']:.5f}, grad norm "
                        f"{row['first_step_grad_norm']:.5f}, {row['first_step_s']:.1f} s")
                if k >= warmup:
                    done += 1
                    tokens += b.tokens
                    targets += b.targets
                    keys += sum(len(examples[i].ids) * (len(examples[i].ids) + 1) // 2
                                for i in (j for r in rows_ for j in r))
            sync(device)
            elapsed = time.perf_counter() - t0
            if new_compile:
                compile_s[v["attention"]] = row["first_step_s"]
            fpt, parts, counts = flops_per_token(cfg, targets / tokens, keys / tokens)
            tps = tokens / elapsed
            steady = peak_gb(device)
            overall = max(steady, row["peak_gb_warmup"]) if steady is not None else None
            row.update(tokens_per_s=tps, peak_gb=overall, peak_gb_timed_steps=steady,
                       steps=done, tokens=tokens, seconds=elapsed,
                       tokens_per_micro_batch=tokens / done, loss=loss.item(),
                       grad_norm=norm.item(), flops_per_token=fpt, flops_parts=parts,
                       param_counts=counts, mean_keys=keys / tokens,
                       achieved_tflops=fpt * tps / 1e12, mfu=fpt * tps / peak)
            ref = first_loss.setdefault(mb, row["first_step_loss"])
            row["first_step_loss_rel_diff_vs_first_row"] = abs(row["first_step_loss"] - ref) / ref
            log(f"train {v['text']}: {tps:,.0f} tokens/s, peak {overall} GB (timed steps "
                f"{steady}), MFU {row['mfu']:.3f}, warm-up {row['warmup_s']:.1f} s, first-step "
                f"loss rel. diff {row['first_step_loss_rel_diff_vs_first_row']:.2e}")
        except torch.cuda.OutOfMemoryError as e:
            row["error"] = f"out of memory: {str(e).splitlines()[0]}"
            log(f"train {v['text']}: OOM")
        except Exception as e:  # noqa: BLE001 - one variant failing leaves the others to run
            import traceback

            traceback.print_exc()
            row["error"] = f"{type(e).__name__}: {e}"[:800]
            failed.add((v["compile"], v["attention"]))
            log(f"train {v['text']}: failed: {row['error'][:200]}")
        opt = runner = None
        for p in params.values():
            p.grad = None
        rows.append(row)
        res.put("train", rows)


class _Timer:
    """Trainer callback: wall time of each optimizer step (GPU synchronised)."""

    def __init__(self, device):
        from transformers import TrainerCallback

        timer = self

        class Callback(TrainerCallback):
            def on_step_begin(self, args, state, control, **kw):
                sync(device)
                timer.t = time.perf_counter()

            def on_step_end(self, args, state, control, **kw):
                sync(device)
                timer.times.append(time.perf_counter() - timer.t)

        self.times, self.t = [], 0.0
        self.callback = Callback()


def phase_baseline(res, device, model, cfg, mb, warmup, steps):
    """transformers.Trainer + PEFT defaults: bf16 autocast, fused AdamW, fixed 512-token rows."""
    from peft import LoraConfig, get_peft_model

    free(device)
    seq = 512
    model.set_attn_implementation("sdpa")  # transformers' own attention: a plain baseline
    peft_model = get_peft_model(model, LoraConfig(
        r=LORA["r"], lora_alpha=LORA["alpha"], lora_dropout=LORA["dropout"],
        target_modules=TARGETS, task_type="CAUSAL_LM"))
    g = torch.Generator().manual_seed(3)
    n = mb * (warmup + steps)
    ids = torch.randint(3, cfg["vocab_size"], (n, seq), generator=g)

    class Rows(torch.utils.data.Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            return {"input_ids": ids[i], "labels": ids[i], "attention_mask": torch.ones(seq)}

    timer = _Timer(device)
    cuda = device.type == "cuda"
    try:
        _run_trainer(res, device, peft_model, timer, mb, seq, warmup, steps, Rows(), cuda)
    finally:
        peft_model.unload()
        free(device)


def _run_trainer(res, device, peft_model, timer, mb, seq, warmup, steps, dataset, cuda):
    from transformers import Trainer, TrainingArguments

    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=mb, max_steps=warmup + steps,
            learning_rate=2e-4, bf16=cuda, use_cpu=not cuda, logging_steps=10_000,
            save_strategy="no", report_to=[], optim="adamw_torch_fused" if cuda else "adamw_torch",
            dataloader_num_workers=0, remove_unused_columns=False, disable_tqdm=True,
            seed=42, warmup_steps=0, gradient_checkpointing=False)
        trainer = Trainer(model=peft_model, args=args, train_dataset=dataset,
                          callbacks=[timer.callback])
        row = {"micro_batch": mb, "seq": seq}
        try:
            trainer.train()
            measured = timer.times[warmup:]
            tps = mb * seq * len(measured) / sum(measured)
            row.update(tokens_per_s=tps, peak_gb=peak_gb(device), steps=len(measured))
            log(f"baseline Trainer mb={mb}: {tps:,.0f} tokens/s, peak {row['peak_gb']} GB")
        except torch.cuda.OutOfMemoryError as e:
            row["error"] = f"out of memory: {str(e).splitlines()[0]}"
    res.put("baseline", row)


def _strategy(s, new_tokens):
    full = {"num_beams": 1, "length_penalty": 1.0, "early_stopping": False, "do_sample": False,
            "temperature": 1.0, "top_k": 0, "top_p": 1.0, "min_new_tokens": new_tokens,
            "seed": 42}
    full.update(s)
    return full


def _generate_calls(model, prompts, strategy, new_tokens, per_call, device, cache, cfg):
    """(output tokens, seconds) over len(prompts) / per_call full calls of the worker's
    generate_batch."""
    produced = 0
    sync(device)
    t0 = time.perf_counter()
    for k in range(0, len(prompts), per_call):
        rows = generate_batch(model, prompts[k:k + per_call], strategy, new_tokens, 0,
                              cfg["eos_token_id"], device, 42 + k, cache)
        produced += sum(len(new) for new, _ in rows)
    sync(device)
    return produced, time.perf_counter() - t0


def phase_generate(res, device, model, cfg, questions, batch, beam_batch, new_tokens, limit_s,
                   caches):
    """Each strategy over `questions` prompts in full calls; the projection to the test split is
    ceil(2462 / questions per call) calls of the measured time per call (a last, partial call
    costs nearly a full one)."""
    free(device)
    model.set_attn_implementation(attention.register())  # as the worker's generate loads it
    model.eval()
    model.config.use_cache = True
    rng = random.Random(5)
    prompts = [[cfg["bos_token_id"]] + [rng.randrange(3, cfg["vocab_size"])
                                       for _ in range(question_len(rng) - 1)]
               for _ in range(questions)]
    prompts.sort(key=len)  # as the worker batches them
    out = {"questions": questions, "new_tokens": new_tokens, "batch": batch,
           "beam_batch_questions": beam_batch, "forced_length": "min_new_tokens = max_new_tokens",
           "strategies": {}}
    deadline = time.perf_counter() + limit_s
    if len(caches) > 1:  # which KV cache: measured on greedy
        trial = {}
        greedy = _strategy({"name": "greedy"}, new_tokens)
        for cache in caches:
            try:
                n, secs = _generate_calls(model, prompts[:batch], greedy, new_tokens, batch,
                                          device, None if cache == "dynamic" else cache, cfg)
                trial[cache] = n / secs
                log(f"generate greedy cache={cache}: {n / secs:,.0f} tokens/s")
            except Exception as e:  # noqa: BLE001 - recorded, another kind is used
                trial[cache] = f"failed: {type(e).__name__}: {e}"[:300]
            free(device)
        out["cache_trial"] = trial
        rates = {k: v for k, v in trial.items() if isinstance(v, float)}
        caches = [max(rates, key=rates.get)] if rates else ["dynamic"]
    out["cache"] = caches[0]
    res.put("generate", out)
    for s in STRATEGIES:
        if time.perf_counter() > deadline:
            out["strategies"][s["name"]] = {"skipped": "phase time limit"}
            continue
        strategy = _strategy(s, new_tokens)
        first = beam_batch if strategy["num_beams"] > 1 else batch
        # on failure: the other cache kind, then half the questions per call
        attempts = [(c, n) for n in (first, first // 2) for c in dict.fromkeys([caches[0],
                                                                                 "dynamic"])]
        row = {}
        for cache, per_call in attempts:
            measured = max(per_call, len(prompts) // per_call * per_call)
            row.update(questions_per_call=per_call, questions=measured)
            try:
                n, secs = _generate_calls(model, prompts[:measured], strategy, new_tokens,
                                          per_call, device, None if cache == "dynamic" else cache,
                                          cfg)
                per_call_s = secs / math.ceil(measured / per_call)
                calls = math.ceil(TEST_QUESTIONS / per_call)
                row.update(cache=cache, output_tokens=n, seconds=secs, tokens_per_s=n / secs,
                           seconds_per_call=per_call_s, test_split_calls=calls,
                           projected_minutes=calls * per_call_s / 60,
                           projected_minutes_linear=TEST_QUESTIONS * new_tokens / (n / secs) / 60)
                break
            except torch.cuda.OutOfMemoryError as e:
                row[f"error_{cache}_{per_call}"] = f"out of memory: {str(e).splitlines()[0]}"
            except Exception as e:  # noqa: BLE001
                row[f"error_{cache}_{per_call}"] = f"{type(e).__name__}: {e}"[:300]
            free(device)
        if "tokens_per_s" in row:
            log(f"generate {s['name']}: {row['tokens_per_s']:,.0f} output tokens/s, projected "
                f"{row['projected_minutes']:.2f} min for {TEST_QUESTIONS} questions")
        out["strategies"][s["name"]] = row
        res.put("generate", out)
    done = [r for r in out["strategies"].values() if "tokens_per_s" in r]
    if len(done) == 6:
        total = sum(r["projected_minutes"] for r in done)
        out["projected_minutes_total"] = total
        out["output_tokens_per_s_overall"] = (
            6 * TEST_QUESTIONS * new_tokens / (total * 60))
    res.put("generate", out)


def summary(res, show=True):
    d = res.data
    lines = []
    train = [r for r in d.get("train", []) if "tokens_per_s" in r]
    fits = [r for r in train if r["peak_gb"] is None or r["peak_gb"] <= 30]
    head = max(fits or train, key=lambda r: r["tokens_per_s"]) if train else None
    if head:
        d["headline_train"] = head
        lines += [f"train_tokens_per_s: {head['tokens_per_s']:.0f}",
                  f"train_peak_gb: {head['peak_gb']:.1f}" if head["peak_gb"] else
                  "train_peak_gb: n/a (cpu)",
                  f"train_mfu: {head['mfu']:.3f}",
                  f"train_config: {head['batching']}, micro_batch {head['micro_batch']}, seq 512, "
                  f"attention {head['attention']}, compiled {head['compiled']}"]
        fastest = max(train, key=lambda r: r["tokens_per_s"])
        if fastest is not head:
            lines.append(f"train_fastest_any_memory: {fastest['tokens_per_s']:.0f} tokens/s at "
                         f"{fastest['peak_gb']:.1f} GB ({fastest['batching']}, micro_batch "
                         f"{fastest['micro_batch']})")
    base = d.get("baseline", {})
    if "tokens_per_s" in base:
        lines.append(f"baseline_tokens_per_s: {base['tokens_per_s']:.0f}")
        if head:
            lines.append(f"train_vs_baseline: {head['tokens_per_s'] / base['tokens_per_s']:.2f}")
    lines += eval_summary(d)
    gen = d.get("generate", {})
    if "projected_minutes_total" in gen:
        lines += [f"eval_output_tokens_per_s: {gen['output_tokens_per_s_overall']:.0f}",
                  f"eval_projected_minutes: {gen['projected_minutes_total']:.2f}"]
    for name, r in gen.get("strategies", {}).items():
        if "tokens_per_s" in r:
            lines.append(f"eval_{name}_tokens_per_s: {r['tokens_per_s']:.0f}")
    if "matmul" in d:
        lines.append(f"matmul_bf16_tflops: {d['matmul']['tflops']:.1f}")
    lines += d.get("nf4_bench_lines", ["nf4: not measured here (--phases ...,nf4)"])
    res.put("summary", lines)
    if show:
        print("\n".join(lines), flush=True)


def eval_summary(d):
    """docs/benchmarks.md's evaluation lines, from the eval phases that ran."""
    lines = []
    loss = d.get("evalloss", {}).get("projected_minutes")
    forced = d.get("evalgen", {}).get("projected_minutes_both_models")
    real = d.get("evalreal", {}).get("projected_minutes_both_models")
    bert = d.get("bertscore", {}).get("projected_minutes")
    bert_real = d.get("bertscore_real", {}).get("projected_minutes")
    if None not in (loss, forced, bert):
        lines.append(f"eval_full_minutes: {loss + forced + bert:.2f}")
    if None not in (loss, real, bert_real):
        lines.append(f"eval_full_minutes_real_lengths: {loss + real + bert_real:.2f}")
    for name, value in (("eval_generation_minutes", forced),
                        ("eval_generation_minutes_real_lengths", real),
                        ("eval_bertscore_minutes", bert),
                        ("eval_bertscore_minutes_real_lengths", bert_real),
                        ("eval_loss_minutes", loss)):
        if value is not None:
            lines.append(f"{name}: {value:.2f}")
    beam = d.get("evalgen", {}).get("beam_4_tokens_per_s")
    if beam is not None:
        lines.append(f"eval_beam_4_tokens_per_s: {beam:.0f}")
    if lines:
        lines.append(f"eval_gpu: {d.get('env', {}).get('gpu')}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true", help="a tiny model on the CPU: a smoke test")
    ap.add_argument("--phases", default="env,matmul,train,baseline,generate")
    ap.add_argument("--variants", default="packing:4::eager,packing:4,packing:6,packing:8",
                    help="batching:micro_batch[:attention[:flags]] rows of the worker's training "
                         "step. attention: empty = the worker's training default, sdpa = "
                         "transformers', gqa = tunecard_sdpa, varlen = tunecard_varlen; flags, "
                         "joined by +: compile / eager (regional.py; default: the worker's, "
                         "compiled on CUDA), lean (the lean_lora branch in eager layers)")
    ap.add_argument("--variant-limit-s", type=float, default=150,
                    help="a train row stops taking timed steps after this long (compile included)")
    ap.add_argument("--strategies", default="", help="only these strategies (default: all six)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--baseline-micro-batch", type=int, default=0, help="0: the headline's")
    ap.add_argument("--gen-questions", type=int, default=512)
    ap.add_argument("--gen-batch", type=int, default=512)
    ap.add_argument("--beam-batch", type=int, default=256, help="questions per beam_4 call")
    ap.add_argument("--caches", default="static",
                    help="KV caches to try on greedy first (e.g. dynamic,static); the best is used")
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--train-limit-s", type=float, default=150)
    ap.add_argument("--generate-limit-s", type=float, default=240)
    ap.add_argument("--time-limit-s", type=float, default=0,
                    help="the whole run (0: no limit); phases start only within it")
    ap.add_argument("--loss-rows", type=int, default=1024,
                    help="validation rows measured per eval-loss pass")
    ap.add_argument("--loss-batch", type=int, default=32, help="eval loss rows per batch")
    ap.add_argument("--models", type=int, default=2, choices=(1, 2),
                    help="models measured by evalgen (fine-tune, base)")
    ap.add_argument("--real-questions", type=int, default=1024,
                    help="questions per strategy measured by evalreal")
    ap.add_argument("--real-models", type=int, default=1, choices=(1, 2),
                    help="models measured by evalreal")
    ap.add_argument("--length-table", default="bpe", choices=sorted(eval_phases.TABLES))
    ap.add_argument("--grad-train-steps", type=int, default=300)
    ap.add_argument("--evalloss-limit-s", type=float, default=60)
    ap.add_argument("--evalgen-limit-s", type=float, default=210)
    ap.add_argument("--evalreal-limit-s", type=float, default=100)
    ap.add_argument("--bertscore-limit-s", type=float, default=45)
    ap.add_argument("--nf4-limit-s", type=float, default=270)
    args = ap.parse_args()
    started = time.perf_counter()
    eval_phases.TABLE[0] = args.length_table
    device = torch.device("cpu" if args.tiny or not torch.cuda.is_available() else "cuda")
    cfg = TINY if args.tiny else MISTRAL_7B_V03
    every_eval = ["evalloss", "evalgen", "evalreal", "bertscore"]
    phases = [q for p in args.phases.split(",") for q in (every_eval if p == "eval" else [p])]
    res = Results(args.out)
    res.put("command", " ".join([Path(sys.executable).name] + sys.argv))
    res.put("model_config", cfg)
    phase_env(res, device)
    peak = phase_matmul(res, device, 512 if args.tiny else 8192)
    model, dtype = build_model(cfg, device)
    def variant(text):  # batching:micro_batch[:attention[:flags]]
        parts = text.split(":") + ["", ""]
        attn = {"": TRAIN_ATTENTION, "gqa": attention.register(),
                "varlen": attention.VARLEN}.get(parts[2], parts[2])
        flags = set(parts[3].split("+")) - {""}
        unknown = flags - {"lean", "compile", "eager"}
        if unknown:
            raise SystemExit(f"--variants {text}: unknown flags {sorted(unknown)}")
        compiled = "compile" in flags or ("eager" not in flags and regional.wanted(device))
        return {"text": text, "batching": parts[0], "micro_batch": int(parts[1]),
                "attention": attn, "lean": "lean" in flags, "compile": compiled}

    variants = [variant(v) for v in args.variants.split(",")]
    if args.strategies:
        keep = args.strategies.split(",")
        STRATEGIES[:] = [s for s in STRATEGIES if s["name"] in keep]

    def guarded(name, fn):
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - one phase failing leaves the others to run
            import traceback

            traceback.print_exc()
            res.put(f"{name}_error", f"{type(e).__name__}: {e}"[:500])
            free(device)
            return None

    def left(limit):
        if not args.time_limit_s:
            return limit
        return min(limit, args.time_limit_s - (time.perf_counter() - started))

    def timed_phase(name, limit, fn):
        budget = left(limit)
        if budget <= 5:
            res.put(f"{name}_skipped", "the run's time limit")
            return
        t0 = time.perf_counter()
        guarded(name, lambda: fn(budget))
        res.put(f"{name}_wall_s", time.perf_counter() - t0)
        summary(res, show=False)

    if "gradcheck" in phases:
        timed_phase("gradcheck", 1e9, lambda t: grad_phase.phase_gradcheck(
            sys.modules[__name__], res, device, model, cfg, args.grad_train_steps, args.tiny))
    tiny_q = 16 if args.tiny else None
    if "evalloss" in phases:
        timed_phase("evalloss", args.evalloss_limit_s, lambda t: eval_phases.phase_evalloss(
            sys.modules[__name__], res, device, model, dtype, cfg, tiny_q or args.loss_rows,
            args.loss_batch, t))
    if "bertscore" in phases:
        shape = dict(vocab_size=1000, hidden_size=64, num_attention_heads=4,
                     intermediate_size=128) if args.tiny else None
        for key, real in (("bertscore", False), ("bertscore_real", True)):
            timed_phase(key, args.bertscore_limit_s, lambda t, key=key, real=real:
                        eval_phases.phase_bertscore(sys.modules[__name__], res, key, device,
                                                    args.new_tokens, real, t,
                                                    tiny_q or eval_phases.TEST_QUESTIONS, shape,
                                                    62 if args.tiny else 510))
    for name, real, models, questions in (
            ("evalgen", False, args.models, args.gen_questions),
            ("evalreal", True, args.real_models, args.real_questions)):
        if name in phases:
            timed_phase(name, getattr(args, f"{name}_limit_s"),
                        lambda t, name=name, real=real, models=models, questions=questions:
                        eval_phases.phase_generation(
                            sys.modules[__name__], res, name, device, model, cfg,
                            tiny_q or questions, args.gen_batch, args.beam_batch,
                            args.new_tokens, real, models, t))
    if "train" in phases:
        guarded("train", lambda: phase_train(res, device, model, dtype, cfg, peak, variants,
                                             args.warmup, args.steps, args.train_limit_s,
                                             args.variant_limit_s))
        summary(res)
    if "generate" in phases:
        guarded("generate", lambda: phase_generate(
            res, device, model, cfg, args.gen_questions, args.gen_batch, args.beam_batch,
            args.new_tokens, args.generate_limit_s, args.caches.split(",")))
        summary(res)
    if "baseline" in phases:
        ok = [r for r in res.data.get("train", []) if "tokens_per_s" in r and
              (r["peak_gb"] is None or r["peak_gb"] <= 30)]
        mb = args.baseline_micro_batch or (max(ok, key=lambda r: r["tokens_per_s"])["micro_batch"]
                                           if ok else variants[0][1])
        guarded("baseline", lambda: phase_baseline(res, device, model, cfg, mb, args.warmup,
                                                   args.steps))
    if "nf4" in phases:  # last: it builds its own bf16 model, so this one leaves the GPU first
        import nf4_bench

        model = None
        free(device)
        guarded("nf4", lambda: nf4_bench.run(res.put, device, cfg, limit_s=args.nf4_limit_s))
    summary(res)

if __name__ == "__main__":
    main()
