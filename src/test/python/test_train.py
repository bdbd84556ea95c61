"""`train` end to end on the tiny model: events, checkpoints, pruning and exact resume."""

import json
import signal
import subprocess

import pytest
from conftest import kinds, make_spec, run_worker, worker_cmd, worker_env
from safetensors.torch import load_file

KEY = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"


@pytest.fixture(scope="module")
def uninterrupted(tiny_model, splits, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train-a")
    spec = make_spec("train", tiny_model, splits, tmp / "run")
    code, events, stderr = run_worker("train", spec, tmp)
    assert code == 0, stderr
    return spec, events


def test_events_follow_the_protocol(uninterrupted):
    spec, events = uninterrupted
    assert events[0]["event"] == "started" and events[-1]["event"] == "done"
    assert events[0]["total_steps"] == 48 and events[0]["resumed_from"] is None
    rows = [e for e in events if e["event"] == "metrics" and "loss" in e]
    assert [r["step"] for r in rows] == list(range(4, 49, 4))
    for r in rows:
        assert set(r) == {"event", "step", "epoch", "loss", "lr", "grad_norm", "tokens_per_s"}
    assert rows[-1]["loss"] < rows[0]["loss"]  # it learns
    evals = [e for e in events if e["event"] == "metrics" and "eval_loss" in e]
    assert [e["step"] for e in evals] == [8, 16, 24, 32, 40, 48]
    assert evals[-1]["eval_loss"] < evals[0]["eval_loss"]
    assert rows[2]["epoch"] == pytest.approx(2.0)  # 6 steps per epoch: 48 rows / (4 x 2)
    assert events[-1]["final_step"] == 48
    assert "progress" in kinds(events)
    # the parent trusts a finished training only with DONE.json (docs/worker-protocol.md)
    done = json.loads((__import__("pathlib").Path(spec["output_dir"]) / "DONE.json").read_text())
    assert done == {"final_step": 48, "final_loss": events[-1]["final_loss"],
                    "best_checkpoint": events[-1]["best_checkpoint"]}


def test_checkpoints_are_complete_pruned_and_peft_loadable(uninterrupted, tiny_model):
    spec, events = uninterrupted
    saved = [e for e in events if e["event"] == "checkpoint"]
    assert [e["step"] for e in saved] == [8, 16, 24, 32, 40, 48]
    root = __import__("pathlib").Path(spec["output_dir"]) / "checkpoints"
    best = min(saved, key=lambda e: e["eval_loss"])["step"]
    expected = sorted({40, 48, best})
    assert sorted(int(d.name[5:]) for d in root.iterdir()) == expected
    assert events[-1]["best_checkpoint"] == f"step-{best}"
    d = root / "step-48"
    names = {"adapter_config.json", "adapter_model.safetensors", "optimizer.safetensors",
             "trainer_state.json", "COMPLETE"}
    assert names == {p.name for p in d.iterdir()}
    assert (d / "COMPLETE").read_text().strip() == "48"
    state = json.loads((d / "trainer_state.json").read_text())
    assert state["engine"] == "hf" and state["global_step"] == 48
    assert state["micro_batches_consumed"] == 96
    assert state["data_order_seed"] == 42 and len(state["train_spec_sha256"]) == 64
    adapter = load_file(d / "adapter_model.safetensors")
    moments = load_file(d / "optimizer.safetensors")
    assert KEY in adapter
    assert set(moments) == {f"{k}.{m}" for k in adapter for m in ("exp_avg", "exp_avg_sq")}

    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), d)
    loaded = dict(model.named_parameters())[KEY.replace("lora_A.", "lora_A.default.")]
    assert torch.equal(loaded.detach(), adapter[KEY])


def test_resume_after_sigkill_ends_like_an_uninterrupted_run(uninterrupted, tmp_path):
    spec, reference = uninterrupted
    spec = dict(spec, output_dir=str(tmp_path / "run"))
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.Popen(worker_cmd("train", path), env=worker_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    killed_after = None
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "checkpoint":
            proc.send_signal(signal.SIGKILL)
            killed_after = event["step"]
            break
    proc.wait()
    assert killed_after == 8 and proc.returncode == -signal.SIGKILL
    code, events, stderr = run_worker("train", spec, tmp_path)
    assert code == 0, stderr
    resumed = events[0]["resumed_from"]
    assert resumed is not None and 8 <= resumed < 48
    assert events[-1]["final_step"] == 48
    assert events[-1]["final_loss"] == pytest.approx(reference[-1]["final_loss"], abs=1e-5)

    def rows(evs):
        return {(e["step"], "eval_loss" in e): e.get("loss", e.get("eval_loss"))
                for e in evs if e["event"] == "metrics" and e["step"] > resumed}

    expected, got = rows(reference), rows(events)
    assert got.keys() == expected.keys()
    for k in expected:
        assert got[k] == pytest.approx(expected[k], abs=1e-5), k
    a = load_file(tmp_path / "run" / "checkpoints" / "step-48" / "adapter_model.safetensors")
    b = load_file(f"{reference_dir(spec, uninterrupted)}/step-48/adapter_model.safetensors")
    for k in a:
        assert (a[k] - b[k]).abs().max().item() < 1e-5, k


def reference_dir(_spec, uninterrupted):
    return uninterrupted[0]["output_dir"] + "/checkpoints"


def test_incomplete_checkpoints_are_ignored_and_reported(tiny_model, splits, tmp_path):
    spec = make_spec("train", tiny_model, splits, tmp_path / "run",
                     train={"epochs": 1, "save_every_steps": -1, "eval_every_steps": -1})
    half = tmp_path / "run" / "checkpoints" / "step-6"
    half.mkdir(parents=True)
    (half / "adapter_config.json").write_text("{}")
    code, events, stderr = run_worker("train", spec, tmp_path)
    assert code == 0, stderr
    assert events[0]["resumed_from"] is None
    warns = [e for e in events if e["event"] == "log" and e["level"] == "warn"]
    assert any("step-6" in w["message"] and "COMPLETE" in w["message"] for w in warns)
    assert (half / "COMPLETE").is_file()  # replaced by the real step-6 checkpoint
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == [6]


def test_packing_trains(tiny_model, splits, tmp_path):
    spec = make_spec("train", tiny_model, splits, tmp_path / "run",
                     train={"batching": "packing", "epochs": 2, "micro_batch": 2,
                            "grad_accum": 1, "log_every": 1, "save_every_steps": -1,
                            "eval_every_steps": -1})
    code, events, stderr = run_worker("train", spec, tmp_path)
    assert code == 0, stderr
    # 48 rows of 25-45 tokens pack into bins of 64: fewer steps than rows / micro_batch
    assert events[0]["total_steps"] < 2 * 48 / 2
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == \
        [events[0]["total_steps"] // 2, events[0]["total_steps"]]


def test_a_changed_spec_does_not_resume(uninterrupted, tmp_path):
    spec, _ = uninterrupted
    spec = json.loads(json.dumps(spec))
    spec["train"]["lr"] = 1e-3
    code, events, _ = run_worker("train", spec, tmp_path)
    assert code == 2 and kinds(events) == ["error"]
    assert "different training spec" in events[0]["message"]


def test_nf4_with_bitsandbytes_absent_is_a_missing_dependency(tiny_model, splits, tmp_path):
    pytest.importorskip("torch")
    import importlib.util

    if importlib.util.find_spec("bitsandbytes") is not None:
        pytest.skip("bitsandbytes is installed here")
    spec = make_spec("train", tiny_model, splits, tmp_path / "run", device="auto",
                     model={"quantization": "nf4", "nf4_backend": "bitsandbytes",
                            "dtype": "auto"})
    code, events, _ = run_worker("train", spec, tmp_path)
    assert code == 2 and kinds(events) == ["error"]
    assert events[0]["kind"] == "missing_dependency"
    assert "bitsandbytes" in events[0]["message"]
