"""decode.py against transformers' `generate` on the tiny Mistral: equal token ids for greedy and
beam search, equal processed next-token distributions for every sampling strategy."""

import pytest
import torch
from conftest import STRATEGIES, qa_rows, strategy

from tunecard_worker import choosers, decode, generate
from tunecard_worker.decode_step import unsupported

CPU = torch.device("cpu")
NEW = 24
SAMPLING = [s for s in STRATEGIES if s.get("do_sample")]


@pytest.fixture(scope="module")
def lm(tiny_model):
    """The tiny model with its eos row raised a little, so answers end at different steps
    (2 to 20 new tokens, some never) instead of never."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation="sdpa").eval()
    with torch.no_grad():
        model.lm_head.weight[model.config.eos_token_id] += 0.04
    return model


@pytest.fixture(scope="module")
def prompts(tiny_model, lm):
    from tokenizers import Tokenizer

    from tunecard_worker.chat import ChatTemplate

    tok = Tokenizer.from_file(str(tiny_model / "tokenizer.json"))
    template = ChatTemplate.load({"chat_template": "mistral-inst"}, tiny_model, tok,
                                     lm.config)
    rows = qa_rows(12, 5, "x")  # mixed prompt lengths: 10 to 20 tokens
    return template.prompts([r["question"] + " " + r["answer"][:(i * 7) % 60]
                             for i, r in enumerate(rows)])


def reference(lm, prompts, s, seed=1):
    return generate.generate_batch(lm, prompts, s, NEW, lm.config.pad_token_id,
                                   lm.config.eos_token_id, CPU, seed)


def ours(lm, prompts, s, width, seed=1, new=NEW, **kw):
    return decode.generate_all(lm, prompts, s, new, lm.config.pad_token_id,
                               lm.config.eos_token_id, CPU, seed, width, **kw)


@pytest.mark.parametrize("s", [
    {"name": "greedy"},
    {"name": "greedy_min", "min_new_tokens": 5},
    {"name": "beam_4", "num_beams": 4},
    {"name": "beam_4_early", "num_beams": 4, "early_stopping": True},
    {"name": "beam_4_short", "num_beams": 4, "length_penalty": 0.6, "min_new_tokens": 3},
    {"name": "beam_4_long", "num_beams": 4, "length_penalty": 1.5},
    {"name": "beam_2", "num_beams": 2, "early_stopping": True, "length_penalty": 1.2},
], ids=lambda s: s["name"])
def test_token_ids_equal_generate(lm, prompts, s):
    s = strategy(s)
    expected = reference(lm, prompts, s)
    ended = [len(ids) for ids, eos in expected if eos]
    assert ended
    if s["length_penalty"] <= 1:  # (a penalty above 1 favours the longest hypotheses)
        assert len(set(ended)) >= 3  # answers end at different steps
    if s["min_new_tokens"]:
        assert min(ended) >= s["min_new_tokens"]
    assert ours(lm, prompts, s, len(prompts)) == expected  # one batch, as generate
    assert ours(lm, prompts, s, 3) == expected  # 3 slots, refilled as questions end


def test_the_batch_halves_when_no_question_waits(lm, prompts):
    s = strategy({"name": "greedy"})
    many = prompts * 3
    caps = [4 + (i * 5) % 21 for i in range(len(many))]  # one cap per question: 4..24
    seen = []
    expected = [(ids[:c], eos and len(ids) < c) for (ids, eos), c in
                zip(ours(lm, many, s, len(many)), caps)]
    got = ours(lm, many, s, 32, new=caps, progress=lambda d, t: seen.append(d))
    assert got == expected
    assert seen[-1] == len(many)


@pytest.mark.parametrize("s", SAMPLING, ids=lambda s: s["name"])
@pytest.mark.parametrize("min_new", [0, 4])
def test_sampling_draws_from_the_distribution_generate_draws_from(lm, prompts, s, min_new):
    """generate's processed scores at every step (output_scores) against the scores this loop
    draws from, fed the same tokens: equal after softmax, with the same tokens removed."""
    from transformers import GenerationConfig

    s = strategy(dict(s, min_new_tokens=min_new))
    ids, mask = left_pad(prompts, lm.config.pad_token_id)
    kw = generate.generation_kwargs(s, NEW, lm.config.pad_token_id, lm.config.eos_token_id)
    torch.manual_seed(3)
    with torch.inference_mode():
        out = lm.generate(input_ids=ids, attention_mask=mask, generation_config=GenerationConfig(
            **kw, output_scores=True, return_dict_in_generate=True))
    tokens = out.sequences[:, ids.shape[1]:]
    expected = torch.stack(out.scores, 1)  # (questions, steps, V)

    eos = torch.tensor([lm.config.eos_token_id])
    seen = {}

    class Replay(choosers.Picks):
        def choose(self, scores, questions, n):
            for row, (q, k) in enumerate(zip(questions.tolist(), n.tolist())):
                if q >= 0 and k < tokens.shape[1]:
                    seen.setdefault((q, k), scores[row].clone())
            return tokens[questions.clamp(min=0), n.clamp(max=tokens.shape[1] - 1)]

    replay = Replay(s, eos, lm.config.vocab_size, None)
    answers = ours(lm, prompts, s, 5, picks=replay)
    for q, (new, ended) in enumerate(answers):
        steps = len(new) + (1 if ended else 0)
        assert new == tokens[q, :len(new)].tolist()
        for k in range(steps):
            mine, theirs = seen[(q, k)], expected[q, k]
            assert torch.equal(mine.isinf(), theirs.isinf()), (q, k)
            torch.testing.assert_close(mine.softmax(-1), theirs.softmax(-1), atol=1e-6,
                                       rtol=1e-5)
    assert sum(len(a[0]) + a[1] for a in answers) == len(seen)


def left_pad(prompts, pad):
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p)
        mask[i, width - len(p):] = 1
    return ids, mask


@pytest.mark.parametrize("s", SAMPLING + [{"name": "greedy"}], ids=lambda s: s["name"])
def test_the_processors_equal_transformers_list_on_ties_and_padding(s):
    """Picks.process against transformers' LogitsProcessorList on logits full of ties."""
    from transformers import GenerationConfig, MistralConfig, MistralForCausalLM

    s = strategy(dict(s, min_new_tokens=3))
    model = MistralForCausalLM(MistralConfig(vocab_size=64, hidden_size=8, intermediate_size=8,
                                             num_hidden_layers=1, num_attention_heads=2,
                                             num_key_value_heads=1, eos_token_id=2))
    kw = generate.generation_kwargs(s, 8, 0, [2, 5])
    config = model._prepare_generation_config(GenerationConfig(**kw))[0]
    model._prepare_special_tokens(config, device=CPU)
    processors = model._get_logits_processor(config, input_ids_seq_length=4, device=CPU)
    picks = choosers.Picks(s, torch.tensor([2, 5]), 64, None)
    g = torch.Generator().manual_seed(0)
    for new in range(6):
        logits = torch.randint(-4, 4, (16, 64), generator=g).float() / 2  # many equal scores
        theirs = processors(torch.zeros(16, 4 + new, dtype=torch.long), logits.clone())
        mine = picks.process(logits.clone(), torch.full((16,), new))
        assert torch.equal(mine, theirs), new


def test_sampling_is_reproducible_for_a_batch_plan(lm, prompts):
    s = strategy(SAMPLING[0])
    a, b = ours(lm, prompts, s, 4, seed=7), ours(lm, prompts, s, 4, seed=7)
    assert a == b
    assert ours(lm, prompts, s, 4, seed=8) != a


def test_what_the_loop_refuses(lm, prompts):
    with pytest.raises(ValueError, match="beam sampling"):
        ours(lm, prompts, strategy({"name": "x", "num_beams": 2, "do_sample": True}), 2)
    with pytest.raises(ValueError, match="at least one token"):
        ours(lm, [[]], strategy({"name": "greedy"}), 2)
    assert unsupported(lm) is None
    lm.config.model_type = "gpt2"
    try:
        with pytest.raises(ValueError, match="model_type 'gpt2'.*generate.loop: hf"):
            ours(lm, prompts, strategy({"name": "greedy"}), 2)
    finally:
        lm.config.model_type = "mistral"


def test_the_worker_writes_the_same_answers_with_either_loop(tiny_model, splits, tmp_path):
    import json

    from conftest import make_spec, run_worker

    chosen = [strategy({"name": "greedy"}), strategy({"name": "beam_4", "num_beams": 4})]
    files = {}
    for loop in ("hf", "tunecard"):
        spec = make_spec("generate", tiny_model, splits, tmp_path / loop,
                         generate={"strategies": chosen, "loop": loop, "batch": 8})
        code, events, stderr = run_worker("generate", spec, tmp_path, f"{loop}.json")
        assert code == 0, stderr
        assert events[-1]["event"] == "done"
        files[loop] = [[json.loads(x) for x in open(tmp_path / loop / f"{s['name']}.jsonl")]
                       for s in chosen]
    assert files["tunecard"] == files["hf"]


@pytest.mark.parametrize("beams", [1, 4])
def test_both_attentions_of_the_step_give_the_same_logits(lm, prompts, beams):
    """Stack.attention: the two batched products (greedy, sampling) and the fused kernel (beam
    search) compute the same step: equal logits in float32 after a prefill and a few steps."""
    from tunecard_worker.decode_step import Stack

    logits = {}
    for kind in ("matmul", "sdpa"):
        torch.manual_seed(0)
        stack = Stack(lm, len(prompts), beams, 32, 16)
        stack.attention = kind
        ids = torch.zeros(len(prompts), max(map(len, prompts)), dtype=torch.long)
        for r, p in enumerate(prompts):
            ids[r, :len(p)] = torch.tensor(p)
        lens = torch.tensor([len(p) for p in prompts])
        slots = torch.arange(len(prompts))
        with torch.inference_mode():
            stack.prefill(slots, ids, lens)
            stack.plen[:] = lens
            out = []
            for step in range(4):
                stack.n[:] = step + 1
                stack.origin[:, :, step] = torch.arange(beams).flip(0)  # beams read another's
                stack.tokens[:] = torch.arange(stack.tokens.numel()) % 50 + 3
                out.append(stack.step(len(prompts), 16))
        logits[kind] = torch.stack(out)
    assert torch.isfinite(logits["matmul"]).all()
    torch.testing.assert_close(logits["matmul"], logits["sdpa"], rtol=1e-5, atol=1e-5)
