"""`eval_loss`: the answer-only loss, checked against transformers' own masked loss."""

import json
import math

import pytest
import torch
from conftest import make_spec, run_worker


def hf_reference_loss(model_dir, rows, max_seq_len):
    """Mean NLL per answer token via transformers' labels (-100 on the prompt), row by row."""
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    bos, eos = model.config.bos_token_id, model.config.eos_token_id
    total, count = 0.0, 0
    for r in rows:
        prompt = [bos] + tok.encode(f"[INST] {r['question']} [/INST]", add_special_tokens=False).ids
        answer = tok.encode(" " + r["answer"], add_special_tokens=False).ids + [eos]
        ids = (prompt + answer)[:max_seq_len]
        labels = [-100] * len(prompt) + ids[len(prompt):]
        with torch.no_grad():
            out = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels]))
        n = len(ids) - len(prompt)
        total += out.loss.item() * n
        count += n
    return total / count, count


def test_base_and_adapters(tiny_model, splits, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(5)
    peft = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                          LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "down_proj"],
                                     init_lora_weights=False))
    adapter = tmp_path / "checkpoints" / "step-7"
    peft.save_pretrained(adapter)
    spec = make_spec("eval_loss", tiny_model, splits, tmp_path / "eval",
                     model={"max_seq_len": 40},
                     eval_loss={"checkpoints": [str(adapter), None], "batch": 5})
    code, events, stderr = run_worker("eval_loss", spec, tmp_path)
    assert code == 0, stderr
    results = next(e for e in events if e["event"] == "eval_loss")["results"]
    assert [r["checkpoint"] for r in results] == [str(adapter), None]
    doc = json.loads((tmp_path / "eval" / "eval_loss.json").read_text())
    assert set(doc) == {"split", "rows", "base", "checkpoints", "best"}
    assert doc["split"] == "validation" and doc["rows"] == 12 and doc["best"] == "step-7"
    [ckpt] = doc["checkpoints"]
    assert ckpt["checkpoint"] == "step-7" and ckpt["step"] == 7
    for entry in (doc["base"], ckpt):
        assert entry["perplexity"] == pytest.approx(math.exp(entry["loss"]), rel=1e-12)
    rows = [json.loads(line) for line in open(splits["validation"])]
    expected, count = hf_reference_loss(tiny_model, rows, 40)
    assert doc["base"]["tokens"] == count == results[1]["tokens"]
    assert doc["base"]["loss"] == pytest.approx(expected, abs=1e-5)
    assert ckpt["loss"] != pytest.approx(expected, abs=1e-4)
    assert events[-1]["outputs"] == [str(tmp_path / "eval" / "eval_loss.json")]
