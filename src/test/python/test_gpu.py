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
