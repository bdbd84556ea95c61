#!/usr/bin/env python3
"""Logits of a base model with a PEFT adapter, computed by transformers + PEFT in fp32 on the CPU
with eager attention: the reference the JVM engine's logits are compared with (the hf engine's
end-to-end test, HfEngineEndToEndTest, and scripts/crosscheck/cross_engine.py do the same).

    python3 scripts/crosscheck/peft_logits.py BASE_DIR ADAPTER_DIR BATCH_JSON OUT.safetensors

BATCH_JSON holds {"input_ids": [[...]], "attention_mask": [[...]]}; OUT gets one tensor, "logits"
(batch, seq, vocab).
"""
import json
import sys

import torch
from peft import PeftModel
from safetensors.torch import save_file
from transformers import MistralForCausalLM


def main(base: str, adapter: str, batch_file: str, out: str) -> None:
    with open(batch_file, encoding="utf-8") as f:
        batch = json.load(f)
    ids = torch.tensor(batch["input_ids"])
    mask = torch.tensor(batch["attention_mask"])
    model = MistralForCausalLM.from_pretrained(base, dtype=torch.float32,
                                               attn_implementation="eager")
    model = PeftModel.from_pretrained(model, adapter).eval()
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits.float().contiguous()
    save_file({"logits": logits}, out)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
