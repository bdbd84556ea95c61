"""`eval_loss`: the answer-only loss, checked against transformers' own masked loss."""

import json
import math

import pytest
import torch
from conftest import make_spec, run_worker


def hf_reference(model_dir, rows, max_seq_len, batch):
    """Both definitions computed by transformers itself: the rows formatted by AutoTokenizer's
    apply_chat_template (the tiny base has no template of its own, so tunecard's bundled
    mistral-inst one is given), labels -100 on the prompt; ``eval_loss`` from ``Trainer.evaluate``
    with ``per_device_eval_batch_size=batch``, the token-weighted mean from per-row losses."""
    from transformers import (AutoModelForCausalLM, AutoTokenizer, Trainer,
                              TrainingArguments)
    from tunecard_worker.chat import bundled

    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    tok.chat_template = bundled("mistral-inst")
    data, total, count = [], 0.0, 0
    for r in rows:
        user = [{"role": "user", "content": r["question"]}]
        prompt = tok.apply_chat_template(user, add_generation_prompt=True, return_dict=False)
        ids = tok.apply_chat_template(user + [{"role": "assistant", "content": r["answer"]}],
                                      return_dict=False)[:max_seq_len]
        labels = [-100] * len(prompt) + ids[len(prompt):]
        data.append({"input_ids": ids, "labels": labels})
        with torch.no_grad():
            out = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels]))
        n = len(ids) - len(prompt)
        total += out.loss.item() * n
        count += n

    def collate(items):
        width = max(len(i["input_ids"]) for i in items)
        pad = model.config.pad_token_id
        return {
            "input_ids": torch.tensor([i["input_ids"] + [pad] * (width - len(i["input_ids"]))
                                       for i in items]),
            "attention_mask": torch.tensor([[1] * len(i["input_ids"])
                                            + [0] * (width - len(i["input_ids"])) for i in items]),
            "labels": torch.tensor([i["labels"] + [-100] * (width - len(i["labels"]))
                                    for i in items]),
        }

    import tempfile

    with tempfile.TemporaryDirectory() as out_dir:
        args = TrainingArguments(output_dir=out_dir, per_device_eval_batch_size=batch,
                                 report_to=[], use_cpu=True)
        trainer_loss = Trainer(model=model, args=args, eval_dataset=data,
                               data_collator=collate).evaluate()["eval_loss"]
    return trainer_loss, total / count, count


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
    assert set(doc) == {"split", "rows", "batch_size", "base", "checkpoints", "best"}
    assert doc["split"] == "validation" and doc["rows"] == 12 and doc["best"] == "step-7"
    assert doc["batch_size"] == 5
    [ckpt] = doc["checkpoints"]
    assert ckpt["checkpoint"] == "step-7" and ckpt["step"] == 7
    for entry in (doc["base"], ckpt):
        assert entry["perplexity"] == pytest.approx(math.exp(entry["eval_loss"]), rel=1e-12)
        assert entry["loss"] == entry["eval_loss"]
    rows = [json.loads(line) for line in open(splits["validation"])]
    trainer, weighted, count = hf_reference(tiny_model, rows, 40, 5)
    assert doc["base"]["tokens"] == count == results[1]["tokens"]
    assert doc["base"]["eval_loss"] == pytest.approx(trainer, abs=1e-5)
    assert doc["base"]["eval_loss_token_weighted"] == pytest.approx(weighted, abs=1e-5)
    assert trainer != pytest.approx(weighted, abs=1e-4)  # 12 rows in batches of 5: they differ
    assert ckpt["eval_loss"] != pytest.approx(trainer, abs=1e-4)
    assert events[-1]["outputs"] == [str(tmp_path / "eval" / "eval_loss.json")]
