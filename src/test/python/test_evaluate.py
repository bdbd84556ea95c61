"""`evaluate`: the whole evaluation in one process, equal to the separate commands, resumable."""

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import torch
from conftest import (REPO, STRATEGIES, kinds, make_spec, run_worker, strategy, worker_cmd,
                      worker_env)

ENCODER = REPO / "src" / "test" / "resources" / "fixtures" / "bertscore-parity" / "encoder"
NAMES = ["greedy", "beam_4", "temp_1.2"]
BERTSCORE = {"model": str(ENCODER), "layer": 3, "batch": 4, "rescale_with_baseline": False,
             "dtype": "fp32"}


def read(path) -> list:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


@pytest.fixture(scope="module")
def adapters(tiny_model, tmp_path_factory) -> list:
    """Two random LoRA checkpoints, step-2 and step-4 (not in step order on purpose)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("checkpoints")
    out = []
    for step, seed in ((4, 11), (2, 12)):
        torch.manual_seed(seed)
        peft = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                              LoraConfig(r=4, lora_alpha=32, target_modules=["q_proj", "v_proj"],
                                         init_lora_weights=False))
        peft.save_pretrained(root / f"step-{step}")
        out.append(str(root / f"step-{step}"))
    return out


def evaluate_spec(tiny_model, splits, out, adapters, **sections):
    base = {"eval_loss": {"checkpoints": [None] + adapters, "batch": 5},
            "generate": {"strategies": [strategy(s) for s in STRATEGIES if s["name"] in NAMES],
                         "compare_base": True},
            "bertscore": dict(BERTSCORE)}
    base.update(sections)
    return make_spec("evaluate", tiny_model, splits, out, **base)


@pytest.fixture(scope="module")
def full_run(tiny_model, splits, adapters, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evaluate")
    spec = evaluate_spec(tiny_model, splits, tmp / "out", adapters)
    code, events, stderr = run_worker("evaluate", spec, tmp)
    assert code == 0, stderr
    return tmp / "out", events, spec


def test_one_process_writes_what_the_separate_commands_write(tiny_model, splits, adapters,
                                                             full_run, tmp_path):
    out, events, spec = full_run
    assert events[0]["event"] == "started" and events[-1]["event"] == "done"
    doc = json.loads((out / "eval_loss.json").read_text())
    assert doc["best"] == events[-1]["best_checkpoint"]
    assert [c["checkpoint"] for c in doc["checkpoints"]] == ["step-2", "step-4"]

    # eval loss: the eval_loss command on the same checkpoints gives the same numbers
    ev = make_spec("eval_loss", tiny_model, splits, tmp_path / "loss",
                   eval_loss={"checkpoints": [None] + adapters, "batch": 5})
    assert run_worker("eval_loss", ev, tmp_path, "loss.json")[0] == 0
    alone = json.loads((tmp_path / "loss" / "eval_loss.json").read_text())
    assert alone["best"] == doc["best"] and alone["rows"] == doc["rows"]
    assert alone["base"]["loss"] == pytest.approx(doc["base"]["loss"], abs=1e-9)
    for a, b in zip(sorted(alone["checkpoints"], key=lambda c: c["step"]), doc["checkpoints"]):
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-9) and a["tokens"] == b["tokens"]

    # answers: the generate command with the best adapter (merged), and with none, gives the same
    best = next(a for a in adapters if Path(a).name == doc["best"])
    for adapter, folder in ((best, "generations"), (None, "generations-base")):
        gen = make_spec("generate", tiny_model, splits, tmp_path / folder,
                        generate={"adapter": adapter, "strategies": spec["generate"]["strategies"]})
        assert run_worker("generate", gen, tmp_path, f"{folder}.json")[0] == 0
        for name in NAMES:
            assert read(out / folder / f"{name}.jsonl") == read(tmp_path / folder / f"{name}.jsonl")

    # BERTScore of each answer file, pairs in id order, as bertscore.Scorer scores them
    from tunecard_worker.bertscore import Scorer

    scorer = Scorer(ENCODER, 3, 4, False, torch.device("cpu"))
    for folder in ("generations", "generations-base"):
        for name in NAMES:
            rows = read(out / folder / f"{name}.jsonl")
            scores = read(out / folder.replace("generations", "bertscore") / f"{name}.jsonl")
            assert [s["id"] for s in scores] == [r["id"] for r in rows]
            want = scorer.score([r["prediction"] for r in rows], [r["reference"] for r in rows])
            for s, (p, r, f) in zip(scores, want):
                assert (s["precision"], s["recall"], s["f1"]) == pytest.approx((p, r, f), abs=1e-9)

    progress = {(e["phase"], e.get("label")) for e in events if e["event"] == "progress"}
    assert {p for p, _ in progress} == {"eval_loss", "generate", "bertscore"}
    assert ("generate", "greedy (fine-tune)") in progress
    assert ("generate", "greedy (base)") in progress
    assert all("tokens_per_s" in e for e in events
               if e["event"] == "progress" and e["phase"] != "eval_loss")
    assert set(events[-1]["outputs"]) == {str(p) for p in out.rglob("*.json*")}


def test_a_killed_evaluation_resumes_and_skips_what_it_wrote(tiny_model, splits, adapters,
                                                            full_run, tmp_path):
    out, _, _ = full_run
    spec = evaluate_spec(tiny_model, splits, tmp_path / "out", adapters)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    first, second = [s["name"] for s in spec["generate"]["strategies"]][:2]
    proc = subprocess.Popen(worker_cmd("evaluate", path), env=worker_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for line in proc.stdout:  # the first base answers file is written before the second starts
        e = json.loads(line)
        if e["event"] == "progress" and e.get("label") == f"{second} (base)":
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert (tmp_path / "out" / "generations-base" / f"{first}.jsonl").is_file()
    assert not (tmp_path / "out" / "generations-base" / f"{second}.jsonl").exists()
    assert not (tmp_path / "out" / "eval_loss.json").exists()

    code, events, stderr = run_worker("evaluate", spec, tmp_path)
    assert code == 0, stderr
    kept = [e["message"] for e in events if e["event"] == "log" and e["message"].endswith("kept")]
    assert any("eval_loss/base.json" in m for m in kept)
    assert any(f"generations-base/{first}.jsonl" in m for m in kept)
    redone = {(e["phase"], e.get("label")) for e in events if e["event"] == "progress"}
    assert ("eval_loss", "base") not in redone and ("generate", f"{first} (base)") not in redone
    assert ("generate", f"{second} (base)") in redone and ("eval_loss", "step-2") in redone
    for f in sorted(out.rglob("*.json*")):
        rel = f.relative_to(out)
        assert (tmp_path / "out" / rel).read_bytes() == f.read_bytes(), rel


def test_a_kept_best_loss_is_attached_beside_a_recomputed_one(tiny_model, splits, adapters,
                                                              full_run, tmp_path):
    out, _, _ = full_run
    shutil.copytree(out, tmp_path / "out")
    doc = json.loads((out / "eval_loss.json").read_text())
    other = next(c["checkpoint"] for c in doc["checkpoints"] if c["checkpoint"] != doc["best"])
    (tmp_path / "out" / "eval_loss" / f"{other}.json").unlink()
    (tmp_path / "out" / "eval_loss.json").unlink()
    shutil.rmtree(tmp_path / "out" / "generations")
    shutil.rmtree(tmp_path / "out" / "bertscore")
    spec = evaluate_spec(tiny_model, splits, tmp_path / "out", adapters)
    code, events, stderr = run_worker("evaluate", spec, tmp_path)
    assert code == 0, stderr
    losses = {e.get("label") for e in events
              if e["event"] == "progress" and e["phase"] == "eval_loss"}
    assert losses == {other}
    for f in sorted(out.rglob("*.json*")):
        rel = f.relative_to(out)
        assert (tmp_path / "out" / rel).read_bytes() == f.read_bytes(), rel


def test_another_spec_starts_over_and_the_base_can_stay_silent(tiny_model, splits, adapters,
                                                              full_run, tmp_path):
    out, _, _ = full_run
    shutil.copytree(out, tmp_path / "out")
    spec = evaluate_spec(tiny_model, splits, tmp_path / "out", adapters, bertscore=None,
                         generate={"strategies": [strategy({"name": "greedy"})],
                                   "max_new_tokens": 5, "batch": 4, "compare_base": False})
    code, events, stderr = run_worker("evaluate", spec, tmp_path)
    assert code == 0, stderr
    assert not [e for e in events if e["event"] == "log" and e["message"].endswith("kept")]
    assert sorted(p.name for p in (tmp_path / "out" / "generations").iterdir()) == ["greedy.jsonl"]
    assert all(r["tokens"] <= 5 for r in read(tmp_path / "out" / "generations" / "greedy.jsonl"))
    for folder in ("generations-base", "bertscore", "bertscore-base"):
        assert not list((tmp_path / "out" / folder).iterdir()), folder


@pytest.mark.parametrize("checkpoints,message", [
    ([None], "no checkpoint to evaluate"),
    (["{a}", "{a}"], "directory names must be unique"),
    (["{missing}"], "not a PEFT adapter directory"),
])
def test_bad_checkpoint_lists_are_bad_input(tiny_model, splits, adapters, tmp_path, checkpoints,
                                            message):
    entries = [c if c is None else c.format(a=adapters[0], missing=tmp_path / "step-9")
               for c in checkpoints]
    spec = evaluate_spec(tiny_model, splits, tmp_path / "out", [],
                         eval_loss={"checkpoints": entries, "batch": 5})
    code, events, _ = run_worker("evaluate", spec, tmp_path)
    assert code == 2 and kinds(events) == ["error"]
    assert message in events[0]["message"]


def test_on_an_nf4_base_the_answers_are_those_of_base_plus_adapter_never_a_requantized_merge(
        tiny_model, splits, adapters, tmp_path, monkeypatch):
    """With `quantization: nf4` the evaluate command answers with the best adapter merged into a
    dense copy of the NF4 base: the same answers as the generate command, which is tested
    against base + adapter's logits (test_nf4_base.py)."""
    monkeypatch.setenv("TUNECARD_CACHE", str(tmp_path / "cache"))
    model = {"quantization": "nf4", "nf4_backend": "builtin"}
    spec = evaluate_spec(tiny_model, splits, tmp_path / "out", adapters, model=model)
    spec["generate"]["strategies"] = [s for s in spec["generate"]["strategies"]
                                      if s["name"] == "greedy"]
    code, events, stderr = run_worker("evaluate", spec, tmp_path)
    assert code == 0, stderr
    doc = json.loads((tmp_path / "out" / "eval_loss.json").read_text())
    best = next(a for a in adapters if Path(a).name == doc["best"])
    for adapter, folder in ((best, "generations"), (None, "generations-base")):
        gen = make_spec("generate", tiny_model, splits, tmp_path / folder, model=model,
                        generate={"adapter": adapter, "strategies": spec["generate"]["strategies"]})
        assert run_worker("generate", gen, tmp_path, f"{folder}.json")[0] == 0
        assert read(tmp_path / "out" / folder / "greedy.jsonl") == \
            read(tmp_path / folder / "greedy.jsonl")
