"""Where a decode step of the worker's loop (tunecard_worker/decode_step.py) spends its time, on
Mistral-7B-Instruct-v0.3's exact config with random weights.

For each case (greedy at 512 and 1024 question slots, beam_4 at 256 questions = 1,024 rows):
  replay     the step replayed from its CUDA graph, alone (CUDA events; span = new-token slots
             read), milliseconds per step; also with the other attention (Stack.attention:
             matmul or sdpa), under replay_other_ms;
  loop       decode.generate_all on as many questions as slots, forced to --new-tokens, the
             milliseconds per step of the whole loop (step + choosers + bookkeeping);
  kernels    the eager step under torch.profiler: CUDA time per kernel name, the top rows, and
             the share of matrix products, attention and the rest.
Prints one JSON object (also written to --out).

  PYTHONPATH=src/main/python python3 scripts/bench/decode_profile.py --out profile.json
"""

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hf_engine_bench as b  # noqa: E402
from tunecard_worker import decode  # noqa: E402
from tunecard_worker.decode_step import Stack, StepGraphs  # noqa: E402


def _prompts(cfg, n):
    rng = random.Random(5)
    return sorted(([cfg["bos_token_id"]] + [rng.randrange(3, cfg["vocab_size"])
                                            for _ in range(b.question_len(rng) - 1)]
                   for _ in range(n)), key=len)


def _ready_stack(model, width, beams, new, attention=None):
    stack = Stack(model, width, beams, 48, new)
    stack.plen.fill_(30)
    stack.attention = attention or stack.attention
    return stack


def replay_ms(model, width, beams, new, spans, reps, attention=None):
    stack = _ready_stack(model, width, beams, new, attention)
    graphs = StepGraphs(stack, True)
    out = {}
    for span in spans:
        stack.n.fill_(span)
        graphs(width, span)  # capture
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            graphs(width, span)
        end.record()
        torch.cuda.synchronize()
        out[str(span)] = start.elapsed_time(end) / reps
    out["graphs_failed"] = graphs.failed
    out["attention"] = stack.attention
    del graphs, stack
    b.free(torch.device("cuda"))
    return out


def loop_ms(model, cfg, width, beams, new):
    strategy = b._strategy({"name": "x", "num_beams": beams}, new)
    prompts = _prompts(cfg, width)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    answers = decode.generate_all(model, prompts, strategy, new, 0, cfg["eos_token_id"],
                                  torch.device("cuda"), 42, width)
    torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    tokens = sum(len(a) for a, _ in answers)
    b.free(torch.device("cuda"))
    return {"seconds": secs, "steps": new, "ms_per_step": secs * 1000 / new,
            "output_tokens_per_s": tokens / secs}


def kernels(model, width, beams, new, span, top):
    from torch.profiler import ProfilerActivity, profile

    stack = _ready_stack(model, width, beams, new)
    stack.n.fill_(span)
    with torch.inference_mode():
        for _ in range(2):
            stack.step(width, span)
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(3):
                stack.step(width, span)
            torch.cuda.synchronize()
    rows = []
    for e in prof.key_averages():
        t = getattr(e, "device_time_total", None) or getattr(e, "cuda_time_total", 0)
        if t and e.key and not e.key.startswith("ProfilerStep"):
            rows.append((e.key, t / 3 / 1000, e.count // 3))
    rows.sort(key=lambda r: -r[1])
    # kernels only (aten ops also report device time: keep names that look like kernels)
    kernel_rows = [r for r in rows if not r[0].startswith("aten::") and not r[0].startswith("cuda")]
    total = sum(r[1] for r in kernel_rows)

    def share(*words):
        return sum(r[1] for r in kernel_rows if any(w in r[0].lower() for w in words))

    gemm = share("gemm", "cutlass", "sm90_xmma", "nvjet", "cublas")
    attn = share("fmha", "attention", "flash", "efficient")
    del stack
    b.free(torch.device("cuda"))
    return {"span": span, "kernel_ms_per_step": total, "gemm_ms": gemm, "attention_ms": attn,
            "other_ms": total - gemm - attn,
            "top": [{"kernel": k[:160], "ms_per_step": round(ms, 4), "calls_per_step": c}
                    for k, ms, c in kernel_rows[:top]],
            "aten_top": [{"op": k, "ms_per_step": round(ms, 4), "calls_per_step": c}
                         for k, ms, c in rows if k.startswith("aten::")][:top]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="decode_profile.json")
    p.add_argument("--new-tokens", type=int, default=128)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--cases", default="greedy512,greedy1024,beam256")
    a = p.parse_args()
    device = torch.device("cuda")
    res = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
    model, _ = b.build_model(b.MISTRAL_7B_V03, device)
    model.eval()
    model.config.use_cache = True
    cases = {"greedy512": (512, 1), "greedy1024": (1024, 1), "beam256": (256, 4)}
    with torch.inference_mode():
        for name in a.cases.split(","):
            width, beams = cases[name]
            r = {"question_slots": width, "beams": beams}
            res[name] = r
            try:
                r["replay_ms"] = replay_ms(model, width, beams, 256, (64, 128, 256), a.reps)
                other = "sdpa" if r["replay_ms"]["attention"] == "matmul" else "matmul"
                r["replay_other_ms"] = replay_ms(model, width, beams, 256, (64, 128, 256),
                                                 a.reps, other)
                r["loop"] = loop_ms(model, b.MISTRAL_7B_V03, width, beams, a.new_tokens)
                r["kernels"] = kernels(model, width, beams, 256, 128, a.top)
            except Exception as e:  # noqa: BLE001 - recorded, the other cases still run
                r["error"] = f"{type(e).__name__}: {e}"[:400]
            b.log(f"{name}: {json.dumps({k: v for k, v in r.items() if k != 'kernels'})}")
            Path(a.out).write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
