"""An NF4 base in the worker (builtin backend): loaded once then from the cache, trained through,
compiled, and scored as base + adapter by generation."""

import json
import shutil

import pytest
import torch
from conftest import kinds, make_spec, run_worker, strategy

from tunecard_worker import attention, batching, generate, modeling, nf4, nf4_base, regional
from test_regional import TARGETS, examples, loss_and_grads

CPU = torch.device("cpu")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv(nf4_base.CACHE_ENV, str(root))
    return root


@pytest.fixture
def base_copy(tiny_model, tmp_path):
    """A private copy of the tiny base, free to be rewritten."""
    return shutil.copytree(tiny_model, tmp_path / "base")


def logits(model, ids=((1, 17, 29, 44, 60, 81, 2),)):
    with torch.no_grad():
        return modeling.causal_lm(model)(input_ids=torch.tensor(ids)).logits


def test_the_second_load_reads_the_cache_and_a_changed_base_invalidates_it(
        base_copy, cache, monkeypatch):
    first = modeling.load_base(base_copy, CPU, torch.float32, "nf4")
    assert not first.tunecard_nf4["from_cache"]
    entry = first.tunecard_nf4["cache_written"]
    assert entry and list((cache / "nf4").glob("*.safetensors")) == [cache / "nf4" / entry.split("/")[-1]]
    assert isinstance(first.model.layers[1].mlp.down_proj, nf4.Nf4Linear)

    def refuse(*args, **kwargs):
        raise AssertionError("quantized although the cache holds this base")

    with monkeypatch.context() as m:
        m.setattr(nf4, "quantize", refuse)
        second = modeling.load_base(base_copy, CPU, torch.float32, "nf4")
    assert second.tunecard_nf4["from_cache"]
    assert torch.equal(logits(first), logits(second))

    from safetensors.torch import load_file, save_file

    weights = load_file(str(base_copy / "model.safetensors"))
    weights["model.layers.0.self_attn.q_proj.weight"] *= 2
    save_file(weights, str(base_copy / "model.safetensors"), metadata={"format": "pt"})
    third = modeling.load_base(base_copy, CPU, torch.float32, "nf4")
    assert not third.tunecard_nf4["from_cache"]
    assert not torch.equal(logits(first), logits(third))
    # the entry of the old base is gone, the new one written
    assert [p.name for p in (cache / "nf4").glob("*.safetensors")] == \
        [third.tunecard_nf4["cache_written"].split("/")[-1]]
    assert third.tunecard_nf4["cache"] != first.tunecard_nf4["cache"]


def test_the_cache_can_be_turned_off(base_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(nf4_base.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    model = modeling.load_base(base_copy, CPU, torch.float32, "nf4")
    assert model.tunecard_nf4["cache"] is None and not (tmp_path / "xdg").exists()


def test_a_missing_tensor_is_named(base_copy, cache):
    from safetensors.torch import load_file, save_file

    weights = load_file(str(base_copy / "model.safetensors"))
    del weights["model.norm.weight"]
    save_file(weights, str(base_copy / "model.safetensors"), metadata={"format": "pt"})
    from tunecard_worker.events import WorkerError

    with pytest.raises(WorkerError, match="lack 'model.norm.weight'"):
        modeling.load_base(base_copy, CPU, torch.float32, "nf4")


def test_the_nf4_base_is_the_dense_base_with_dequantized_projections(tiny_model, cache):
    """Everything but the projections is the base's; each projection is its NF4 round trip."""
    from safetensors.torch import load_file

    model = modeling.load_base(tiny_model, CPU, torch.float32, "nf4")
    weights = load_file(str(tiny_model / "model.safetensors"))
    for name, module in model.named_modules():
        if isinstance(module, nf4.Nf4Linear):
            q = nf4.quantize(weights[f"{name}.weight"])
            assert torch.equal(module.dequantized(torch.float32), nf4.dequantize(q)), name
    for key, value in model.state_dict().items():
        if key in weights and value.dtype != torch.uint8:
            assert torch.equal(value, weights[key]), key


def adapter_dir(model_dir, tmp_path):
    """A PEFT adapter with non-zero B on every projection, as training would leave it."""
    base = modeling.load_base(model_dir, CPU, torch.float32, "nf4")
    peft_model = modeling.apply_lora(base, {"r": 4, "alpha": 8, "dropout": 0.0,
                                            "targets": TARGETS}, seed=3)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(4)) * 0.1)
    out = tmp_path / "adapter"
    peft_model.save_pretrained(out)
    return out


def test_generation_scores_base_plus_adapter_not_a_requantized_merge(tiny_model, splits,
                                                                     tmp_path, cache):
    adapter = adapter_dir(tiny_model, tmp_path)
    spec = make_spec("generate", tiny_model, splits, tmp_path / "gen",
                     model={"quantization": "nf4"})
    # the trained function: the NF4 base with the adapter beside it, unmerged
    reference, _, _ = generate.load_for_inference(spec, CPU, torch.float32)
    base_logits = logits(reference)
    expected = logits(generate.load_adapter(reference, str(adapter)))
    # without an adapter, generation runs the NF4 base decoded once: the same function
    dense, _, _ = generate.load_for_inference(spec, CPU, torch.float32)
    dense = generate.with_adapter(dense, None, torch.float32)
    assert not any(isinstance(m, nf4.Nf4Linear) for m in dense.modules())
    assert torch.equal(logits(dense), base_logits)
    # the model generation runs
    model, _, _ = generate.load_for_inference(spec, CPU, torch.float32)
    merged = generate.with_adapter(model, str(adapter), torch.float32)
    assert not any(isinstance(m, nf4.Nf4Linear) for m in merged.modules())
    got = logits(merged)
    assert (got - expected).abs().max().item() < 1e-5
    # what merging into 4-bit codes would have scored: the merged weights quantized again
    nf4.quantize_linears(merged.model.layers)
    assert (logits(merged) - expected).abs().max().item() > 1e-3


def _compiled_nf4_step(tiny_model, device, dtype):
    """Loss and adapter gradients of one packed micro-batch, eager then compiled (regional.py)."""
    attention.register()
    base = modeling.load_base(tiny_model, device, dtype, "nf4", attn=attention.VARLEN)
    peft_model = modeling.apply_lora(base, {"r": 4, "alpha": 8, "dropout": 0.0,
                                            "targets": TARGETS}, seed=1)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(2)) * 0.05)
    peft_model.train()
    ex = examples(24, 5)
    rows = batching.plan_epoch([len(e.ids) for e in ex], "packing", 3, 64, 1, 0)[0]
    b = batching.collate(ex, rows, 0, device, True, 64)
    with modeling.autocast(device, dtype):
        eager = loss_and_grads(peft_model, b)
    lm = modeling.causal_lm(peft_model)
    regional.compile_layers(lm)
    try:
        with modeling.autocast(device, dtype):
            compiled = loss_and_grads(peft_model, b)
    finally:
        regional.uncompile_layers(lm)
    return eager, compiled


def test_compiled_layers_with_an_nf4_base_match_eager(tiny_model, cache):
    (le, ge), (lc, gc) = _compiled_nf4_step(tiny_model, CPU, torch.float32)
    assert lc == pytest.approx(le, rel=1e-5)
    for k in ge:
        assert torch.allclose(ge[k], gc[k], rtol=1e-4, atol=1e-6), k


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_compiled_layers_with_an_nf4_base_match_eager_on_cuda(tiny_model, cache):
    (le, ge), (lc, gc) = _compiled_nf4_step(tiny_model, torch.device("cuda"), torch.bfloat16)
    assert lc == pytest.approx(le, rel=1e-2)
    diff = sum(((ge[k].float() - gc[k].float()) ** 2).sum() for k in ge).sqrt()
    norm = sum((ge[k].float() ** 2).sum() for k in ge).sqrt()
    assert (diff / norm).item() < 5e-2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_the_worker_trains_and_generates_on_an_nf4_base_on_cuda(tiny_model, splits, tmp_path,
                                                                 cache):
    """bf16, compiled layers (the CUDA default), packing: the configuration nf4_bench.py times."""
    model = {"quantization": "nf4", "dtype": "auto"}
    spec = make_spec("train", tiny_model, splits, tmp_path / "run", device="gpu", model=model,
                     train={"epochs": 2, "batching": "packing", "save_every_steps": -1,
                            "eval_every_steps": -1})
    code, events, stderr = run_worker("train", spec, tmp_path)
    assert code == 0, stderr
    assert "decoder layers on the first step" in json.dumps(events)
    evals = [e["eval_loss"] for e in events if e["event"] == "metrics" and "eval_loss" in e]
    assert len(evals) == 2 and evals[1] < evals[0]
    gen = make_spec("generate", tiny_model, splits, tmp_path / "gen", device="gpu", model=model,
                    generate={"adapter": events[-1]["outputs"][-1],
                              "strategies": [strategy({"name": "greedy"})]})
    code, events, stderr = run_worker("generate", gen, tmp_path, "gen.json")
    assert code == 0, stderr
    assert "read from" in stderr


def test_the_worker_trains_scores_and_generates_on_an_nf4_base_without_bitsandbytes(
        tiny_model, splits, tmp_path, cache):
    model = {"quantization": "nf4", "nf4_backend": "builtin"}
    spec = make_spec("train", tiny_model, splits, tmp_path / "run", model=model,
                     train={"epochs": 2, "save_every_steps": -1, "eval_every_steps": -1})
    code, events, stderr = run_worker("train", spec, tmp_path)
    assert code == 0, stderr
    assert "NF4 base: 14 projections quantized" in stderr
    evals = [e["eval_loss"] for e in events if e["event"] == "metrics" and "eval_loss" in e]
    assert len(evals) == 2 and evals[1] < evals[0]
    ckpt = events[-1]["outputs"][-1]

    ev = make_spec("eval_loss", tiny_model, splits, tmp_path / "eval", model=model,
                   eval_loss={"checkpoints": [None, ckpt]})
    code, events, stderr = run_worker("eval_loss", ev, tmp_path, "ev.json")
    assert code == 0, stderr
    assert "read from" in stderr  # the cache the training run wrote
    doc = json.loads((tmp_path / "eval" / "eval_loss.json").read_text())
    # training logs the token-weighted mean (docs/evaluation.md); eval_loss.json has both
    assert doc["checkpoints"][0]["eval_loss_token_weighted"] == pytest.approx(evals[-1], rel=1e-5)

    gen = make_spec("generate", tiny_model, splits, tmp_path / "gen", model=model,
                    generate={"adapter": ckpt, "strategies": [strategy({"name": "greedy"})]})
    code, events, stderr = run_worker("generate", gen, tmp_path, "gen.json")
    assert code == 0, stderr
    assert kinds(events)[-1] == "done"
    assert len((tmp_path / "gen" / "greedy.jsonl").read_text().splitlines()) == 10
