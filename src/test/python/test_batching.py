"""Plans and packing: deterministic, complete, and a packed loss equal to the unpacked one."""

import random

import pytest
import torch
from tunecard_worker import batching, modeling
from tunecard_worker.chat import Example


def examples(n, seed=0, vocab=300, max_len=60):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        length = rng.randint(6, max_len)
        prompt = rng.randint(2, length - 1)
        out.append(Example([rng.randrange(5, vocab) for _ in range(length)], prompt))
    return out


@pytest.mark.parametrize("mode", ["length-grouped", "packing"])
def test_a_plan_uses_every_row_once_and_is_seeded(mode):
    ex = examples(300)
    lengths = [len(e.ids) for e in ex]
    plan = batching.plan_epoch(lengths, mode, 4, 64, seed=9, epoch=1)
    used = sorted(i for mb in plan for row in mb for i in row)
    assert used == list(range(300))
    assert plan == batching.plan_epoch(lengths, mode, 4, 64, seed=9, epoch=1)
    assert plan != batching.plan_epoch(lengths, mode, 4, 64, seed=9, epoch=2)
    assert all(len(mb) <= 4 for mb in plan)
    if mode == "packing":
        assert all(sum(lengths[i] for i in row) <= 64 for mb in plan for row in mb)
        fill = sum(lengths) / (sum(len(mb) for mb in plan) * 64)
        assert fill > 0.9


def test_packed_loss_equals_the_sum_of_unpacked_losses(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation="sdpa").eval()
    vocab = model.config.vocab_size
    ex = examples(12, seed=3, vocab=vocab, max_len=30)
    rows = batching.plan_epoch([len(e.ids) for e in ex], "packing", 3, 64, seed=1, epoch=0)
    assert any(len(row) > 1 for mb in rows for row in mb)
    cpu = torch.device("cpu")
    with torch.no_grad():
        packed = sum(modeling.answer_loss_sum(model, batching.collate(ex, mb, 0, cpu, True, 64))
                     for mb in rows)
        single = sum(modeling.answer_loss_sum(model, batching.collate(ex, [[i]], 0, cpu, False, 0))
                     for i in range(len(ex)))
    assert packed.item() == pytest.approx(single.item(), rel=1e-5)


def test_the_schedule_matches_transformers():
    from transformers import get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup
    from tunecard_worker.optim import lr_factor

    p = torch.nn.Parameter(torch.zeros(1))
    for name, make in (("cosine", get_cosine_schedule_with_warmup),
                       ("linear", get_linear_schedule_with_warmup)):
        opt = torch.optim.SGD([p], lr=1.0)
        sched = make(opt, 7, 50)
        for step in range(50):
            assert opt.param_groups[0]["lr"] == pytest.approx(lr_factor(name, step, 7, 50))
            opt.step()
            sched.step()
