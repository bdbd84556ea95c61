"""`generate`: every strategy, the row shape, left padding, adapters."""

import json

import pytest
import torch
from conftest import STRATEGIES, kinds, make_spec, run_worker, strategy

ROW_KEYS = ["id", "question", "reference", "prediction", "tokens", "hit_cap"]


def read(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


@pytest.fixture(scope="module")
def base_answers(tiny_model, splits, tmp_path_factory):
    """The base model's answers under every strategy: one worker run that several tests read."""
    tmp = tmp_path_factory.mktemp("gen-base")
    spec = make_spec("generate", tiny_model, splits, tmp / "gen")
    code, events, stderr = run_worker("generate", spec, tmp)
    assert code == 0, stderr
    return tmp / "gen", events


def test_every_strategy_writes_sorted_rows_of_the_documented_shape(base_answers, splits):
    out, events = base_answers
    assert events[0]["event"] == "started" and events[-1]["event"] == "done"
    names = [s["name"] for s in STRATEGIES]
    assert events[-1]["outputs"] == [str(out / f"{n}.jsonl") for n in names]
    labels = {e["label"] for e in events if e["event"] == "progress"}
    assert labels == set(names)
    questions = {r["id"]: r for r in map(json.loads, open(splits["test"]))}
    for name in names:
        rows = read(out / f"{name}.jsonl")
        assert [r["id"] for r in rows] == sorted(questions)
        for r in rows:
            assert list(r) == ROW_KEYS
            assert r["question"] == questions[r["id"]]["question"]
            assert r["reference"] == questions[r["id"]]["answer"]
            assert 0 <= r["tokens"] <= 12 and isinstance(r["prediction"], str)
            assert r["hit_cap"] == (r["tokens"] == 12)  # no eos within max_new_tokens
    assert not list(out.glob(".*tmp*"))


def test_sampling_is_reproducible_and_strategies_differ(base_answers, tiny_model, splits, tmp_path):
    # a second run with two of the six strategies: the same samples, whatever else runs with them
    spec = make_spec("generate", tiny_model, splits, tmp_path / "b",
                     generate={"strategies": [strategy(STRATEGIES[2]), strategy(STRATEGIES[3])]})
    assert run_worker("generate", spec, tmp_path)[0] == 0
    a, b = read(base_answers[0] / "temp_1.2.jsonl"), read(tmp_path / "b" / "temp_1.2.jsonl")
    assert a == b
    greedy = read(tmp_path / "b" / "greedy.jsonl")
    assert greedy == read(base_answers[0] / "greedy.jsonl")
    assert [r["prediction"] for r in greedy] != [r["prediction"] for r in a]


def test_batched_left_padded_greedy_equals_one_prompt_at_a_time(tiny_model):
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM
    from tunecard_worker.chat import ChatTemplate
    from tunecard_worker.generate import generate_batch

    model = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation="sdpa").eval()
    tok = Tokenizer.from_file(str(tiny_model / "tokenizer.json"))
    t = ChatTemplate.load({"chat_template": "mistral-inst"}, tiny_model, tok, model.config)
    prompts = t.prompts(["What is gout?", "What is it that treats anemia in the blood?", "Why?"])
    greedy = strategy({"name": "greedy"})
    args = (greedy, 10, model.config.pad_token_id, t.eos_ids, torch.device("cpu"), 1)
    batched = generate_batch(model, prompts, *args)
    for p, row in zip(prompts, batched):
        assert generate_batch(model, [p], *args) == [row]


def test_an_adapter_changes_the_predictions(base_answers, tiny_model, splits, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(3)
    peft = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                          LoraConfig(r=4, lora_alpha=64, target_modules=["q_proj", "v_proj"],
                                     init_lora_weights=False))
    peft.save_pretrained(tmp_path / "adapter")
    greedy = [strategy({"name": "greedy"})]
    tuned = make_spec("generate", tiny_model, splits, tmp_path / "tuned",
                      generate={"strategies": greedy, "adapter": str(tmp_path / "adapter")})
    code, events, stderr = run_worker("generate", tuned, tmp_path, "b.json")
    assert code == 0, stderr
    assert read(base_answers[0] / "greedy.jsonl") != read(tmp_path / "tuned" / "greedy.jsonl")


def test_a_missing_adapter_is_bad_input(tiny_model, splits, tmp_path):
    spec = make_spec("generate", tiny_model, splits, tmp_path / "gen",
                     generate={"adapter": str(tmp_path / "nowhere")})
    code, events, _ = run_worker("generate", spec, tmp_path)
    assert code == 2 and kinds(events)[-1] == "error"
    assert "nowhere: not a PEFT adapter directory" in events[-1]["message"]


@pytest.mark.parametrize("broken", ["tokenizer.json", "config.json"])
def test_a_corrupt_model_file_is_named(tiny_model, splits, tmp_path, broken):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(tiny_model, copy)
    (copy / broken).write_text("{ not json")
    spec = make_spec("generate", copy, splits, tmp_path / "gen")
    code, events, _ = run_worker("generate", spec, tmp_path)
    assert code == 2 and events[-1]["kind"] == "bad_input"
    assert str(copy / broken) in events[-1]["message"]
