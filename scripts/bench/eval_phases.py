"""hf_engine_bench.py's evaluation phases: the parts of `tunecard evaluate` on the reference
workload, on the GPU, each measured and projected to the whole workload.

  evalloss   eval loss over the validation split (2,447 rows) for the base and 3 checkpoints:
             the base pass and one adapter pass (PEFT's LoRA r=32 beside the weights, as
             eval_loss.py runs checkpoints) are measured on --loss-rows synthetic rows with
             MedQuAD-like lengths; the projection is (base + 3 x adapter) x 2,447 / rows.
  evalgen    the test split (2,444 questions) x 6 strategies x 2 models with tunecard's decoding
             loop (decode.generate_all, as the worker calls it), every answer forced to 256 new
             tokens (random weights never end at eos): the worst case. The fine-tune is the base
             with a random r=32 adapter merged into its weights (generation merges adapters, so
             it costs what the base costs); each strategy and model measures --gen-questions,
             projected in whole rounds of the batch width (all answers end together).
  evalreal   the same with answers stopping at a length drawn from the test split's answer
             lengths (medquad_test_answer_tokens.json: byte-level BPE tokens, see
             medquad_lengths.py), capped at 256; --real-questions per strategy (more than the
             width, so slots refill as in the whole run), projected linearly.
  bertscore  a STAND-IN for the worker's BERTScore (not in this branch): transformers'
             RobertaModel with roberta-large's exact config, random weights, cut at layer 17,
             bf16, sentences sorted by length in batches of 64 (bert_score's batching), then the
             greedy cosine matching of every candidate with its reference; 2,444 x 6 x 2
             candidates plus the references. Candidate lengths in RoBERTa tokens are taken equal
             to their generated lengths (forced: 256; real: the drawn lengths).
"""

import json
import math
import random
import time
from pathlib import Path

import torch

from tunecard_worker import decode, modeling
from tunecard_worker.train import evaluate

VALIDATION_ROWS = 2447
TEST_QUESTIONS = 2444
CHECKPOINTS = 3
MODELS = ("fine-tune", "base")
LENGTHS = Path(__file__).with_name("medquad_test_answer_tokens.json")
ROBERTA_LARGE = dict(vocab_size=50265, hidden_size=1024, num_hidden_layers=24,
                     num_attention_heads=16, intermediate_size=4096, hidden_act="gelu",
                     max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
                     pad_token_id=1, bos_token_id=0, eos_token_id=2)
BERTSCORE_LAYER = 17
BERTSCORE_BATCH = 64


TABLES = {"bpe": "lengths", "chars4": "lengths_chars_over_4"}
TABLE = ["bpe"]  # --length-table


def answer_lengths() -> list:
    return json.loads(LENGTHS.read_text(encoding="utf-8"))[TABLES[TABLE[0]]]


def phase_evalloss(b, res, device, model, dtype, cfg, rows, batch, limit_s):
    examples = b.synthetic_examples(rows, cfg["vocab_size"], 512, seed=11)
    model.config.use_cache = False
    out = {"rows_measured": rows, "batch": batch, "validation_rows": VALIDATION_ROWS,
           "checkpoints": CHECKPOINTS, "answer_tokens": None}
    res.put("evalloss", out)
    deadline = time.perf_counter() + limit_s

    def timed(m):
        b.sync(device)
        t0 = time.perf_counter()
        loss, tokens = evaluate(m, examples, batch, 0, device, dtype)
        b.sync(device)
        return time.perf_counter() - t0, loss, tokens

    secs, loss, tokens = timed(model)
    out.update(base_seconds=secs, base_loss=loss, answer_tokens=tokens,
               base_tokens_per_s=tokens / secs)
    res.put("evalloss", out)
    b.log(f"eval loss, base: {rows} rows, {tokens} answer tokens in {secs:.1f} s")
    if time.perf_counter() > deadline:
        out["adapter"] = "skipped: phase time limit (projected with the base pass)"
        adapter = secs
    else:
        peft_model = modeling.apply_lora(model, b.LORA, seed=3, lean=False)
        try:
            with torch.no_grad():
                for k, p in modeling.lora_parameters(peft_model).items():
                    if "lora_B" in k:
                        p.normal_(0, 0.01)
            adapter, loss, _ = timed(peft_model)
            out.update(adapter_seconds=adapter, adapter_loss=loss)
        finally:
            peft_model.unload()
            b.free(device)
    out["projected_minutes"] = (secs + CHECKPOINTS * adapter) * VALIDATION_ROWS / rows / 60
    res.put("evalloss", out)
    b.log(f"eval loss: projected {out['projected_minutes']:.2f} min for base + {CHECKPOINTS} "
          f"checkpoints x {VALIDATION_ROWS} rows")


def merge_random_adapter(model, cfg, sign: float, seed: int = 17) -> None:
    """Adds (sign=1) or removes (sign=-1) a random rank-32 delta on every projection: the
    fine-tune's merged weights, as generate.py's merge_and_unload leaves them."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    with torch.no_grad():
        for name, mod in model.named_modules():
            if name.rsplit(".", 1)[-1] in ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                            "up_proj", "down_proj"):
                out_f, in_f = mod.weight.shape
                a = torch.randn(32, in_f, generator=g) / math.sqrt(in_f)
                bb = torch.randn(out_f, 32, generator=g) * 1e-3
                mod.weight.add_((bb @ a).to(mod.weight.device, mod.weight.dtype), alpha=sign)


def _prompts(b, cfg, n):
    rng = random.Random(5)
    prompts = [[cfg["bos_token_id"]] + [rng.randrange(3, cfg["vocab_size"])
                                       for _ in range(b.question_len(rng) - 1)]
               for _ in range(n)]
    return sorted(prompts, key=len)  # as the worker orders them


def phase_generation(b, res, key, device, model, cfg, questions, width, beam_width, new_tokens,
                     real, models, limit_s):
    """Every strategy x model through decode.generate_all; a failed row is recorded, the rest
    run."""
    model.eval()
    model.config.use_cache = True
    prompts = _prompts(b, cfg, questions)
    if real:
        table = answer_lengths()
        rng = random.Random(23)
        caps = [max(1, min(new_tokens, rng.choice(table))) for _ in prompts]
    else:
        caps = [new_tokens] * len(prompts)
    out = {"questions": questions, "width": width, "beam_width_questions": beam_width,
           "new_tokens": new_tokens, "test_questions": TEST_QUESTIONS,
           "lengths": ("drawn from the test split's answer lengths, capped" if real
                       else "forced: min_new_tokens = max_new_tokens"),
           "mean_cap": sum(caps) / len(caps), "rows": {}}
    res.put(key, out)
    deadline = time.perf_counter() + limit_s
    for label in MODELS[:models]:
        if label == "fine-tune":
            merge_random_adapter(model, cfg, +1)
        try:
            for s in b.STRATEGIES:
                name = f"{label}/{s['name']}"
                if time.perf_counter() > deadline:
                    out["rows"][name] = {"skipped": "phase time limit"}
                    continue
                out["rows"][name] = _generate_row(b, device, model, cfg, prompts, caps, s,
                                                  width, beam_width, new_tokens, not real)
                res.put(key, out)
        finally:
            if label == "fine-tune":
                merge_random_adapter(model, cfg, -1)
    _project(out, models)
    res.put(key, out)


def _generate_row(b, device, model, cfg, prompts, caps, s, width, beam_width, new_tokens,
                  forced):
    strategy = b._strategy(s, new_tokens)  # min_new_tokens = max: eos never ends an answer
    w = beam_width if strategy["num_beams"] > 1 else width
    row = {"width": w}
    for attempt in (w, w // 2):
        try:
            b.free(device)
            b.sync(device)
            t0 = time.perf_counter()
            stats = {}
            answers = decode.generate_all(model, prompts, strategy, caps, 0, cfg["eos_token_id"],
                                          device, 42, attempt, stats=stats)
            b.sync(device)
            secs = time.perf_counter() - t0
            tokens = sum(len(a) for a, _ in answers)
            if forced:  # every answer ends at the same step: whole rounds of `slots`
                slots = min(attempt, len(prompts))
                share = math.ceil(TEST_QUESTIONS / slots) / math.ceil(len(prompts) / slots)
            else:  # slots refill as answers end: the cost follows the questions
                share = TEST_QUESTIONS / len(prompts)
            # The CUDA graphs are captured once per call of the loop, which answers the whole
            # split in one call: their cost is counted once, the decoding share times.
            capture = stats.get("capture_seconds", 0.0)
            row.update(width=attempt, seconds=secs, output_tokens=tokens,
                       tokens_per_s=tokens / secs, capture_seconds=capture,
                       captures=stats.get("captures"), steps=stats.get("steps"),
                       tokens_per_s_decoding=tokens / (secs - capture),
                       projected_minutes=(capture + (secs - capture) * share) / 60,
                       peak_gb=b.peak_gb(device))
            b.log(f"decode {s['name']} x {len(prompts)} (width {attempt}): {tokens / secs:,.0f} "
                  f"tokens/s, {secs:.1f} s ({capture:.1f} s capturing {stats.get('captures')} "
                  f"graphs), projected {row['projected_minutes']:.2f} min")
            return row
        except torch.cuda.OutOfMemoryError as e:
            row[f"error_width_{attempt}"] = f"out of memory: {str(e).splitlines()[0]}"
        except Exception as e:  # noqa: BLE001 - recorded; the other rows still run
            import traceback

            traceback.print_exc()
            row[f"error_width_{attempt}"] = f"{type(e).__name__}: {e}"[:400]
    return row


def _project(out, models):
    """Minutes for the whole test split, both models: a model not measured costs what the
    measured one did (the same shapes; the merged adapter changes no cost)."""
    rows = out["rows"]
    total, measured = 0.0, True
    for s in {k.split("/", 1)[1] for k in rows}:
        per = [rows.get(f"{m}/{s}", {}).get("projected_minutes") for m in MODELS[:models]]
        per = [p for p in per if p is not None]
        if not per:
            measured = False
            continue
        total += sum(per) + (len(MODELS) - len(per)) * (sum(per) / len(per))
    if measured and len(rows) >= 6:
        out["projected_minutes_both_models"] = total
    beam = [r["tokens_per_s"] for k, r in rows.items() if k.endswith("/beam_4") and
            "tokens_per_s" in r]
    if beam:
        out["beam_4_tokens_per_s"] = sum(beam) / len(beam)


def phase_bertscore(b, res, key, device, new_tokens, real, limit_s, questions=TEST_QUESTIONS,
                    shape=None, ref_cap=510):
    """The stand-in above: encode every sentence, then match each candidate with its reference.
    ``questions`` < 2,444 (the CPU smoke test) scores that many and projects linearly."""
    from transformers import RobertaConfig, RobertaModel

    table = answer_lengths()
    rng = random.Random(31)
    refs = [min(ref_cap, n) + 2 for n in table][:questions]
    n_cands = questions * 6 * len(MODELS)
    if real:
        cands = [min(new_tokens, rng.choice(table)) + 2 for _ in range(n_cands)]
    else:
        cands = [new_tokens + 2] * n_cands
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    config = RobertaConfig(**dict(ROBERTA_LARGE, **(shape or {}),
                                  num_hidden_layers=BERTSCORE_LAYER))
    torch.manual_seed(0)
    with torch.device(device):
        enc = RobertaModel(config, add_pooling_layer=False).to(dtype).eval()
    out = {"stand_in": "RobertaModel layer-17 forward + greedy matching, not the worker's module",
           "sentences": len(refs) + len(cands), "candidate_tokens": sum(cands),
           "reference_tokens": sum(refs), "batch": BERTSCORE_BATCH, "dtype": str(dtype),
           "candidates": "forced 256" if not real else "drawn lengths"}
    deadline = time.perf_counter() + limit_s
    b.sync(device)
    t0 = time.perf_counter()
    lengths = refs + cands
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    embedded, done = {}, 0
    g = torch.Generator(device="cpu").manual_seed(1)
    with torch.inference_mode():
        for k in range(0, len(order), BERTSCORE_BATCH):
            rows = order[k:k + BERTSCORE_BATCH]
            width = lengths[rows[0]]
            ids = torch.randint(3, config.vocab_size, (len(rows), width), generator=g)
            mask = torch.zeros(len(rows), width, dtype=torch.long)
            for r, i in enumerate(rows):
                mask[r, :lengths[i]] = 1
            ids = ids.masked_fill(mask == 0, ROBERTA_LARGE["pad_token_id"]).to(device)
            hidden = enc(input_ids=ids, attention_mask=mask.to(device)).last_hidden_state
            hidden = torch.nn.functional.normalize(hidden.float(), dim=-1)
            for r, i in enumerate(rows):  # keep only the pairs' tokens, special tokens dropped
                embedded[i] = hidden[r, 1:lengths[i] - 1].to(dtype)
            done += len(rows)
            if time.perf_counter() > deadline:
                break
        encoded_s = time.perf_counter() - t0
        scores = _match(embedded, len(refs), len(cands), device, deadline)
    b.sync(device)
    secs = time.perf_counter() - t0
    share = done / len(lengths) * questions / TEST_QUESTIONS
    out.update(questions=questions, encoded_share=share, encode_seconds=encoded_s, seconds=secs,
               pairs_matched=scores, projected_minutes=secs / share / 60)
    res.put(key, out)
    b.log(f"bertscore stand-in ({out['candidates']}): {secs:.1f} s for {done} of "
          f"{out['sentences']} sentences, projected {out['projected_minutes']:.2f} min")
    del enc
    b.free(device)


def _match(embedded, n_refs, n_cands, device, deadline):
    """Greedy cosine matching (P, R, F per pair) in batches of BERTSCORE_BATCH pairs."""
    pairs = [(n_refs + c, c % n_refs) for c in range(n_cands)
             if n_refs + c in embedded and c % n_refs in embedded]
    for k in range(0, len(pairs), BERTSCORE_BATCH):
        part = pairs[k:k + BERTSCORE_BATCH]
        cand = torch.nn.utils.rnn.pad_sequence([embedded[c] for c, _ in part], batch_first=True)
        ref = torch.nn.utils.rnn.pad_sequence([embedded[r] for _, r in part], batch_first=True)
        cm = torch.nn.utils.rnn.pad_sequence([torch.ones(len(embedded[c]), device=device)
                                              for c, _ in part], batch_first=True)
        rm = torch.nn.utils.rnn.pad_sequence([torch.ones(len(embedded[r]), device=device)
                                              for _, r in part], batch_first=True)
        sim = torch.bmm(cand.float(), ref.float().transpose(1, 2))  # (pairs, Lc, Lr)
        sim = sim.masked_fill(rm[:, None, :] == 0, -2).masked_fill(cm[:, :, None] == 0, -2)
        p = (sim.max(2)[0] * cm).sum(1) / cm.sum(1)
        r = (sim.max(1)[0] * rm).sum(1) / rm.sum(1)
        f = 2 * p * r / (p + r)
        f.sum().item()
        if time.perf_counter() > deadline:
            return k + len(part)
    return len(pairs)
