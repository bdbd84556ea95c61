"""Compiled decoder layers (regional.py) and varlen attention compute what the eager path does."""

import random
import types

import pytest
import torch
from tunecard_worker import attention, batching, lean_lora, modeling, regional
from tunecard_worker.chat import Example

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def devices():
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def examples(n, seed):
    rng = random.Random(seed)
    return [Example([rng.randrange(5, 300) for _ in range(rng.randint(5, 40))], 3)
            for _ in range(n)]


def lora_model(tiny_model, attn, dropout=0.0, device="cpu"):
    from transformers import AutoModelForCausalLM

    attention.register()
    model = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation=attn)
    model.to(device).requires_grad_(False)
    model.config.use_cache = False
    peft_model = modeling.apply_lora(model, {"r": 4, "alpha": 8, "dropout": dropout,
                                             "targets": TARGETS}, seed=1)
    with torch.no_grad():  # a non-zero adapter, so the LoRA branches matter
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(2)) * 0.05)
    peft_model.train()
    return peft_model


def loss_and_grads(peft_model, batch):
    params = modeling.lora_parameters(peft_model)
    loss = modeling.answer_loss_sum(modeling.causal_lm(peft_model), batch)
    loss.backward()
    grads = {k: p.grad.clone() for k, p in params.items()}
    for p in params.values():
        p.grad = None
    return loss.item(), grads


def test_cu_seqlens_delimit_every_row_and_padding_tail():
    ex = [Example(list(range(5, 5 + n)), 2) for n in (9, 6, 12, 16)]
    b = batching.collate(ex, [[0, 1], [2], [3]], 0, torch.device("cpu"), True, 16)
    assert b.cu_seqlens.dtype == torch.int32
    assert b.cu_seqlens.tolist() == [0, 9, 15, 16, 28, 32, 48]
    rows = torch.searchsorted(b.cu_seqlens[1:], torch.arange(48), right=True)
    # each token's row is its (bin, segment id) pair, numbered in order
    key = (torch.arange(3)[:, None] * 100 + b.segments).reshape(-1)
    expected = torch.cat([torch.zeros(1, dtype=torch.long), (torch.diff(key) != 0).cumsum(0)])
    assert torch.equal(rows, expected)
    assert batching.collate(ex, [[0]], 0, torch.device("cpu"), False, 0).cu_seqlens is None


@pytest.mark.parametrize("device", devices())
def test_varlen_attention_equals_the_masked_path(tiny_model, device):
    ex = examples(12, 3)
    rows = batching.plan_epoch([len(e.ids) for e in ex], "packing", 3, 64, 1, 0)[0]
    b = batching.collate(ex, rows, 0, torch.device(device), True, 64)
    results = []
    for attn in ("sdpa", attention.VARLEN):
        torch.manual_seed(0)
        peft_model = lora_model(tiny_model, attn, device=device)
        peft_model.eval()  # no dropout
        results.append(loss_and_grads(peft_model, b))
    (la, ga), (lb, gb) = results
    assert lb == pytest.approx(la, rel=1e-5)
    for k in ga:
        assert torch.allclose(ga[k], gb[k], rtol=1e-4, atol=1e-6), k


def test_compiled_layers_match_eager_and_compile_once(tiny_model):
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()
    ex = examples(40, 4)
    lengths = [len(e.ids) for e in ex]
    plan = batching.plan_epoch(lengths, "packing", 3, 64, 1, 0)
    chosen = [plan[0], plan[1][:2], plan[-1][:1]]  # 3 bins, 2 bins, then a 1-bin remainder
    peft_model = lora_model(tiny_model, attention.VARLEN)
    cpu = torch.device("cpu")
    batches = [batching.collate(ex, rows, 0, cpu, True, 64) for rows in chosen]
    expected = [loss_and_grads(peft_model, b) for b in batches]
    lm = modeling.causal_lm(peft_model)
    assert regional.compile_layers(lm) == 2
    try:
        got = [loss_and_grads(peft_model, b) for b in batches]
    finally:
        regional.uncompile_layers(lm)
    # one graph for the first layer (its input needs no gradient), one for the others; the
    # 2-bin micro-batch reuses them and the 1-bin remainder runs eagerly
    assert counters["stats"]["unique_graphs"] == 2
    for (le, ge), (lc, gc) in zip(expected, got):
        assert lc == pytest.approx(le, rel=1e-5)
        for k in ge:
            assert torch.allclose(ge[k], gc[k], rtol=1e-4, atol=1e-6), k
    assert "forward" not in lm.get_decoder().layers[0].__dict__


def test_the_compiled_lora_branch_has_the_gradients_of_the_plain_one():
    torch.manual_seed(0)
    x = torch.randn(2, 7, 64, requires_grad=True)
    a = torch.randn(4, 64, requires_grad=True)
    b = torch.randn(10, 4, requires_grad=True)
    keep = torch.rand(2, 7, 64) > 0.25
    p, s = 0.25, 1.7
    compiled = torch.compile(lambda *t: lean_lora.LoraBranch.apply(*t, s, p, keep), dynamic=False)
    out = compiled(x, a, b)
    expected = ((x * keep / (1 - p)) @ a.t()) @ b.t() * s
    assert torch.allclose(out, expected, atol=1e-5)
    w = torch.randn_like(out)
    got = torch.autograd.grad((out * w).sum(), (x, a, b))
    ref = torch.autograd.grad((expected * w).sum(), (x, a, b))
    for g, r in zip(got, ref):
        assert torch.allclose(g, r, rtol=1e-4, atol=1e-4)


def test_compiled_dropout_drops_the_expected_share(tiny_model):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(2)
    m = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                       LoraConfig(r=4, lora_alpha=8, lora_dropout=0.5, target_modules=["q_proj"]))
    layer = m.base_model.model.model.layers[0].self_attn.q_proj
    layer._tunecard_eager_forward = None
    layer.forward = types.MethodType(regional._lora_forward, layer)
    x = torch.ones(4, 64, 64)
    layer.train()
    with torch.no_grad():
        layer.lora_B["default"].weight.fill_(1.0)
        layer.lora_A["default"].weight.fill_(1.0 / 64)
        delta = torch.compile(lambda t: layer(t) - layer.base_layer(t))(x)
    # each output is scaling (2) * r (4) * the mean over inputs of keep / (1 - p): about 8
    assert delta.mean().item() == pytest.approx(8.0, rel=0.05)
    assert delta.std().item() > 0.1


def test_compiling_is_on_for_cuda_unless_turned_off(monkeypatch):
    monkeypatch.delenv(regional.ENV, raising=False)
    assert regional.wanted(torch.device("cuda"))
    assert not regional.wanted(torch.device("cpu"))
    monkeypatch.setenv(regional.ENV, "0")
    assert not regional.wanted(torch.device("cuda"))
    monkeypatch.setenv(regional.ENV, "1")
    assert regional.wanted(torch.device("cpu"))
