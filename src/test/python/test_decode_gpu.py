"""decode.py on a CUDA GPU: the step replayed from CUDA graphs equals the eager step token for
token, and equals transformers' `generate` (skipped where torch sees no CUDA device)."""

import pytest
import torch
from conftest import qa_rows, strategy

from tunecard_worker import decode, generate

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
GPU = torch.device("cuda")
NEW = 40
CHOSEN = [
    {"name": "greedy"},
    {"name": "beam_4", "num_beams": 4},
    {"name": "beam_4_early", "num_beams": 4, "early_stopping": True, "min_new_tokens": 3},
    {"name": "topp_0.9", "do_sample": True, "top_p": 0.9, "top_k": 50},
    {"name": "temp_1.2", "do_sample": True, "temperature": 1.2, "top_k": 50},
]


def load(tiny_model, dtype):
    from transformers import AutoModelForCausalLM

    from tunecard_worker import attention

    model = AutoModelForCausalLM.from_pretrained(
        tiny_model, dtype=dtype, attn_implementation=attention.register()).to(GPU).eval()
    with torch.no_grad():  # answers end at different steps (test_decode.py's lm)
        model.lm_head.weight[model.config.eos_token_id] += 0.04
    return model


def questions(tiny_model, model, n=40):
    from tokenizers import Tokenizer

    from tunecard_worker.chat import ChatTemplate

    tok = Tokenizer.from_file(str(tiny_model / "tokenizer.json"))
    template = ChatTemplate.load({"chat_template": "mistral-inst"}, tiny_model, tok,
                                     model.config)
    rows = qa_rows(n, 9, "g")
    return template.prompts([r["question"] + " " + r["answer"][:(i * 11) % 70]
                             for i, r in enumerate(rows)])


@pytest.fixture
def recorded(monkeypatch):
    made = []

    class Recording(decode.StepGraphs):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            made.append(self)

    monkeypatch.setattr(decode, "StepGraphs", Recording)
    return made


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32], ids=["bf16", "fp32"])
@pytest.mark.parametrize("s", CHOSEN, ids=lambda s: s["name"])
def test_graph_replay_equals_the_eager_step(tiny_model, recorded, dtype, s):
    model = load(tiny_model, dtype)
    prompts = questions(tiny_model, model)
    s = strategy(s)
    args = (model, prompts, s, NEW, model.config.pad_token_id, model.config.eos_token_id, GPU, 5)
    eager = decode.generate_all(*args, width=16, graphs=False)
    graphed = decode.generate_all(*args, width=16, graphs=True)
    assert graphed == eager
    steps = recorded[-1]
    assert steps.failed is None and steps.enabled
    # refills, then halvings (16 -> 8 slots) and longer spans: more than one graph
    assert len(steps.graphs) >= 3, sorted(steps.graphs)
    ended = [len(ids) for ids, eos in eager if eos]
    assert ended and len(set(ended)) >= 3


@pytest.mark.parametrize("s", CHOSEN[:3], ids=lambda s: s["name"])
def test_graph_replay_equals_generate_in_fp32(tiny_model, s):
    model = load(tiny_model, torch.float32)
    prompts = questions(tiny_model, model, 24)
    s = strategy(s)
    pad, eos = model.config.pad_token_id, model.config.eos_token_id
    expected = generate.generate_batch(model, prompts, s, NEW, pad, eos, GPU, 1)
    assert decode.generate_all(model, prompts, s, NEW, pad, eos, GPU, 1, width=8) == expected
