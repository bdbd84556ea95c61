"""The GQA attention and the lean LoRA branch compute what transformers and PEFT compute."""

import pytest
import torch
from tunecard_worker import attention, batching, lean_lora, modeling
from tunecard_worker.chat import Example


def devices():
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", devices())
def test_gqa_attention_equals_transformers_sdpa(tiny_model, device):
    from transformers import AutoModelForCausalLM

    dtype = torch.float32
    ref = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation="sdpa",
                                               dtype=dtype).to(device).eval()
    ours = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=dtype,
                                                attn_implementation=attention.register())
    ours = ours.to(device).eval()
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, ref.config.vocab_size, (3, 24), generator=g).to(device)
    padding = torch.ones(3, 24, dtype=torch.long, device=device)
    padding[0, :7] = 0
    padding[2, :1] = 0
    ex = [Example(list(range(5, 5 + n)), 2) for n in (9, 6, 12, 20, 7)]
    packed = batching.collate(ex, [[0, 1, 2], [3, 4]], 0, torch.device(device), True, 32)
    with torch.no_grad():
        for mask in (None, padding):
            a = ref(input_ids=ids, attention_mask=mask).logits
            b = ours(input_ids=ids, attention_mask=mask).logits
            keep = torch.ones_like(ids, dtype=torch.bool) if mask is None else mask.bool()
            assert (a - b)[keep].abs().max().item() < 1e-5
        a = modeling.answer_loss_sum(ref, packed)
        b = modeling.answer_loss_sum(ours, packed)
        assert b.item() == pytest.approx(a.item(), rel=1e-6)
        kw = dict(input_ids=ids, attention_mask=padding, max_new_tokens=6, do_sample=False,
                  pad_token_id=0)
        expected = ref.generate(**kw)
        assert torch.equal(ours.generate(**kw), expected)
        assert torch.equal(ours.generate(**kw, cache_implementation="static",
                                         disable_compile=True), expected)


def test_bit_packing_round_trips():
    keep = torch.rand(3, 5, 64) > 0.3
    packed = lean_lora.pack(keep)
    assert packed.shape == (3, 5, 8) and packed.dtype == torch.uint8
    assert torch.equal(lean_lora.unpack(packed, keep.shape), keep)


@pytest.mark.parametrize("width", [64, 12])  # packed masks, and plain ones when width % 8 != 0
def test_the_lean_branch_has_the_gradients_of_the_plain_one(width):
    torch.manual_seed(0)
    x = torch.randn(2, 7, width, dtype=torch.float64, requires_grad=True)
    a = torch.randn(4, width, dtype=torch.float64, requires_grad=True)
    b = torch.randn(10, 4, dtype=torch.float64, requires_grad=True)
    keep = torch.rand(2, 7, width) > 0.25
    p, s = 0.25, 1.7
    out = lean_lora.LoraBranch.apply(x, a, b, s, p, keep)
    expected = ((x * keep / (1 - p)) @ a.t()) @ b.t() * s
    assert torch.allclose(out, expected)
    w = torch.randn_like(out)
    got = torch.autograd.grad((out * w).sum(), (x, a, b))
    ref = torch.autograd.grad((expected * w).sum(), (x, a, b))
    for g, r in zip(got, ref):
        assert torch.allclose(g, r)


def test_a_patched_peft_model_matches_peft_without_dropout(tiny_model):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    def build(patched):
        torch.manual_seed(1)
        m = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                           LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False,
                                      target_modules=["q_proj", "k_proj", "down_proj"]))
        if patched:
            assert lean_lora.patch(m) == 6
        return m

    ids = torch.randint(5, 300, (2, 16))
    grads = []
    for patched in (False, True):
        m = build(patched)
        loss = m(input_ids=ids, labels=ids).loss
        loss.backward()
        grads.append({n: p.grad for n, p in m.named_parameters() if p.requires_grad})
    assert grads[0].keys() == grads[1].keys()
    for n in grads[0]:
        assert torch.allclose(grads[0][n], grads[1][n], atol=1e-6), n


def test_dropout_masks_drop_the_expected_share(tiny_model):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(2)
    m = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                       LoraConfig(r=4, lora_alpha=8, lora_dropout=0.5, target_modules=["q_proj"]))
    lean_lora.patch(m)
    layer = m.base_model.model.model.layers[0].self_attn.q_proj
    x = torch.ones(4, 64, 64)
    layer.train()
    with torch.no_grad():
        layer.lora_B["default"].weight.fill_(1.0)
        layer.lora_A["default"].weight.fill_(1.0 / 64)
        delta = layer(x) - layer.base_layer(x)
    # each output is scaling (2) * r (4) * the mean over inputs of keep / (1 - p): about 8
    assert delta.mean().item() == pytest.approx(8.0, rel=0.05)
    assert delta.std().item() > 0.1
    layer.eval()
    with torch.no_grad():
        assert torch.allclose(layer(x) - layer.base_layer(x), torch.full_like(delta, 8.0))
