"""The same commands in bf16 on a CUDA GPU (skipped where torch sees none)."""

import json

import pytest
import torch
from conftest import make_spec, run_worker, strategy

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.mark.parametrize("batching", ["length-grouped", "packing"])
def test_train_generate_and_eval_loss_on_the_gpu(tiny_model, splits, tmp_path, batching):
    spec = make_spec("train", tiny_model, splits, tmp_path / "run", device="gpu",
                     model={"dtype": "auto"},
                     train={"epochs": 2, "batching": batching, "save_every_steps": -1,
                            "eval_every_steps": -1})
    code, events, stderr = run_worker("train", spec, tmp_path)
    assert code == 0, stderr
    assert events[0]["device"] != "cpu"
    evals = [e["eval_loss"] for e in events if e["event"] == "metrics" and "eval_loss" in e]
    assert len(evals) == 2 and evals[1] < evals[0]
    ckpt = events[-1]["outputs"][-1]
    state = json.loads(open(f"{ckpt}/trainer_state.json").read())
    assert state["rng"]["torch_cuda"]

    gen = make_spec("generate", tiny_model, splits, tmp_path / "gen", device="gpu",
                    model={"dtype": "auto"},
                    generate={"adapter": ckpt, "strategies": [strategy({"name": "greedy"}),
                              strategy({"name": "beam_4", "num_beams": 4})]})
    code, events, stderr = run_worker("generate", gen, tmp_path, "gen.json")
    assert code == 0, stderr
    rows = [json.loads(x) for x in open(tmp_path / "gen" / "beam_4.jsonl")]
    assert len(rows) == 10

    ev = make_spec("eval_loss", tiny_model, splits, tmp_path / "eval", device="gpu",
                   model={"dtype": "auto"}, eval_loss={"checkpoints": [None, ckpt]})
    code, events, stderr = run_worker("eval_loss", ev, tmp_path, "ev.json")
    assert code == 0, stderr
    doc = json.loads((tmp_path / "eval" / "eval_loss.json").read_text())
    assert doc["checkpoints"][0]["loss"] < doc["base"]["loss"]
    # bf16 on the GPU agrees with the training run's own last evaluation
    assert doc["checkpoints"][0]["loss"] == pytest.approx(evals[-1], abs=2e-2)


def test_bertscore_on_the_gpu_fp32_equals_the_shared_vectors_and_bf16_stays_close():
    from test_bertscore import PARITY, vectors

    from tunecard_worker.bertscore import Scorer

    v = vectors()
    cands = [p["candidate"] for p in v["pairs"]]
    refs = [p["reference"] for p in v["pairs"]]
    cuda = torch.device("cuda")
    fp32 = Scorer(PARITY / "encoder", v["layer"], v["batch"], False, cuda).score(cands, refs)
    worst = max(abs(a - b) for x, y in zip(fp32, v["batched"]) for a, b in zip(x, y))
    assert worst <= 1e-5, worst
    bf16 = Scorer(PARITY / "encoder", v["layer"], v["batch"], False, cuda,
                  torch.bfloat16).score(cands, refs)
    drift = max(abs(a - b) for x, y in zip(bf16, fp32) for a, b in zip(x, y))
    # bf16 states move the scores a little (3.0e-3 at most on the CPU for this encoder)
    assert 0 < drift <= 2e-2, drift
    print(f"bertscore on {torch.cuda.get_device_name()}: fp32 vs vectors {worst:.3g}, "
          f"bf16 vs fp32 {drift:.3g}")


def test_evaluate_on_the_gpu_in_bf16(tiny_model, splits, tmp_path):
    from peft import LoraConfig, get_peft_model
    from test_evaluate import BERTSCORE, read
    from transformers import AutoModelForCausalLM

    from tunecard_worker.bertscore import Scorer

    adapters = []
    for step, seed in ((2, 1), (4, 2)):
        torch.manual_seed(seed)
        peft = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                              LoraConfig(r=4, lora_alpha=32, target_modules=["q_proj", "v_proj"],
                                         init_lora_weights=False))
        peft.save_pretrained(tmp_path / f"step-{step}")
        adapters.append(str(tmp_path / f"step-{step}"))
    spec = make_spec("evaluate", tiny_model, splits, tmp_path / "out", device="gpu",
                     model={"dtype": "auto"},
                     eval_loss={"checkpoints": [None] + adapters, "batch": 5},
                     generate={"strategies": [strategy({"name": "greedy"}),
                                              strategy({"name": "beam_4", "num_beams": 4})],
                               "compare_base": True},
                     bertscore=dict(BERTSCORE, dtype="bf16"))
    code, events, stderr = run_worker("evaluate", spec, tmp_path)
    assert code == 0, stderr
    assert events[0]["device"] != "cpu"
    doc = json.loads((tmp_path / "out" / "eval_loss.json").read_text())
    assert doc["best"] == events[-1]["best_checkpoint"]
    cpu = Scorer(BERTSCORE["model"], BERTSCORE["layer"], BERTSCORE["batch"], False,
                 torch.device("cpu"))
    for folder in ("generations", "generations-base"):
        for name in ("greedy", "beam_4"):
            rows = read(tmp_path / "out" / folder / f"{name}.jsonl")
            assert len(rows) == 10
            scores = folder.replace("generations", "bertscore")
            got = read(tmp_path / "out" / scores / f"{name}.jsonl")
            want = cpu.score([r["prediction"] for r in rows], [r["reference"] for r in rows])
            assert max(abs(g["f1"] - w[2]) for g, w in zip(got, want)) <= 2e-2
