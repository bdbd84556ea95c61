#!/usr/bin/env python3
"""Writes the answer-length table of the bench's "real lengths" run: the answers of MedQuAD's
test split (as `tunecard ingest` splits the reference workflow), counted in tokens of a byte-level
BPE with Mistral-7B-v0.3's vocabulary size (32,768), trained here on the train split (no
download: Mistral's own tokenizer is not available offline).

    ./tunecard ingest workflows/medquad-mistral7b-lora-r32.yaml --run-dir /tmp/ref
    python3 scripts/bench/medquad_lengths.py /tmp/ref/dataset scripts/bench/medquad_test_answer_tokens.json

A BPE trained on the same domain splits its words into fewer pieces than a general-purpose
tokenizer would, so the table leans short; the characters/4 rule of thumb is recorded beside it.
"""

import json
import statistics
import sys
from pathlib import Path


def read(path: Path) -> list:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def main(dataset: str, out: str) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    train, test = read(Path(dataset) / "train.jsonl"), read(Path(dataset) / "test.jsonl")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator((f"{r['question']} {r['answer']}" for r in train),
                            trainers.BpeTrainer(vocab_size=32768, show_progress=False,
                                                initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    lengths = [len(e.ids) for e in tok.encode_batch([r["answer"] for r in test])]
    quarter = [max(1, round(len(r["answer"]) / 4)) for r in test]
    doc = {
        "what": "answer lengths of MedQuAD's test split (reference workflow's split), in tokens",
        "tokenizer": "byte-level BPE, vocabulary 32768, trained on the train split's questions "
                     "and answers",
        "questions": len(test),
        "median": statistics.median(lengths),
        "share_over_256": sum(n > 256 for n in lengths) / len(lengths),
        "chars_over_4_median": statistics.median(quarter),
        "chars_over_4_share_over_256": sum(n > 256 for n in quarter) / len(quarter),
        "lengths": lengths,
        "lengths_chars_over_4": quarter,
    }
    Path(out).write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print({k: v for k, v in doc.items() if not k.startswith("lengths")})


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: medquad_lengths.py DATASET_DIR OUT.json")
    main(sys.argv[1], sys.argv[2])
