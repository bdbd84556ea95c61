"""Writes the chat-template vectors both test suites check (src/test/resources/fixtures/chat-template/).

transformers is the reference: each case is rendered and tokenized by ``AutoTokenizer`` loaded from
the fixture's model directory (``apply_chat_template``, ids without added special tokens). The
directory itself comes from the JVM (``io.tunecard.model.ChatTemplateFixture``).

    /work/venv/bin/python scripts/chat_template_vectors.py src/test/resources/fixtures/chat-template
"""

import json
import sys
from pathlib import Path

CASES = [
    ("What is (are) Glaucoma ?",
     "Glaucoma is a group of diseases that can damage the eye's optic nerve."),
    ("What causes gout? ", "  Gout is caused by too much uric acid in the blood.\n"),
    ("¿Qué es la enfermedad de Ménière?", "Es un trastorno del oído interno — vértigo y acúfenos."),
    ("How is Sjögren syndrome treated?", "Treatment eases dryness.\u00a0"),
    ("What does [INST] mean in a question?", "It is only text here."),
    ("Line one\nline two?", ""),
]


def main(directory: str) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(directory)
    out = []
    for question, answer in CASES:
        user = [{"role": "user", "content": question}]
        both = user + [{"role": "assistant", "content": answer}]
        out.append({
            "question": question,
            "answer": answer,
            "prompt_text": tok.apply_chat_template(user, add_generation_prompt=True, tokenize=False),
            "prompt_ids": tok.apply_chat_template(user, add_generation_prompt=True, tokenize=True,
                                                  return_dict=False),
            "text": tok.apply_chat_template(both, tokenize=False),
            "ids": tok.apply_chat_template(both, tokenize=True, return_dict=False),
        })
    doc = {
        "_about": "Rendered and tokenized by transformers' apply_chat_template from this folder's "
                  "tokenizer_config.json (Mistral-7B-Instruct-v0.3's template) and tokenizer.json; "
                  "written by scripts/chat_template_vectors.py.",
        "special_ids": {"bos": 1, "eos": [2], "pad": 5},
        "cases": out,
        "eval_loss": {
            "_about": "Per-row (summed answer-token NLL, tokens) in split order, batch size 2: "
                      "batches (2+6)/(1+3)=2, (1+9)/(1+2)=10/3, 4/4=1; eval_loss = (2*2 + 2*10/3 "
                      "+ 1*1)/5 = 7/3; token-weighted = 22/11 = 2.",
            "rows": [[2.0, 1], [6.0, 3], [1.0, 1], [9.0, 2], [4.0, 4]],
            "batch_size": 2,
            "eval_loss": 7 / 3,
            "eval_loss_token_weighted": 2.0,
        },
    }
    Path(directory, "vectors.json").write_text(
        json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
