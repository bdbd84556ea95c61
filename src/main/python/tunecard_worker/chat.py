"""Rows to token ids: the `mistral-inst` chat template, truncation and the answer-only loss mask.

The rule, shared with the djl engine (docs/worker-protocol-python.md), with
``enc(text) = tokenizer.encode(text, add_special_tokens=False).ids`` of the tokenizer.json
(Hugging Face `tokenizers`: normalizer, pre-tokenizer, model and added tokens; no post-processor):

    prompt = [bos] + enc("[INST] " + question + " [/INST]")
    answer = enc(" " + answer) + [eos]
    ids    = (prompt + answer)[:max_seq_len]

Loss is taken on the answer ids only: position p predicts ids[p + 1] for p in
[len(prompt) - 1, len(ids) - 2]. A row whose prompt alone fills max_seq_len has no answer token
left and is skipped (counted). Generation feeds ``prompt`` and stops at ``eos``.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from .events import WorkerError


@dataclass(frozen=True)
class Example:
    """One tokenized row: ``ids[:prompt_len]`` is the prompt, the rest the (truncated) answer."""

    ids: list
    prompt_len: int

    @property
    def targets(self) -> int:
        return len(self.ids) - self.prompt_len


class MistralInst:
    """The `mistral-inst` template over a `tokenizers.Tokenizer`."""

    def __init__(self, tokenizer, bos_id: int, eos_id: int):
        self.tokenizer = tokenizer
        self.bos_id = bos_id
        self.eos_id = eos_id

    def _enc(self, texts: list) -> list:
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def prompts(self, questions: list) -> list:
        return [[self.bos_id] + ids for ids in self._enc([f"[INST] {q} [/INST]" for q in questions])]

    def answers(self, answers: list) -> list:
        return [ids + [self.eos_id] for ids in self._enc([f" {a}" for a in answers])]

    def decode(self, ids: list) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()


def read_rows(path: str, keys: tuple, limit: int | None = None) -> list:
    """Reads a JSONL split; every row must carry ``keys`` as strings. First ``limit`` rows only."""
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                if limit is not None and len(rows) >= limit:
                    break
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise WorkerError("bad_input", f"{path}: line {lineno}: not JSON ({e.msg})") from e
                for key in keys:
                    if not isinstance(row.get(key) if isinstance(row, dict) else None, str):
                        raise WorkerError("bad_input",
                                          f"{path}: line {lineno}: key '{key}': expected a string")
                rows.append(row)
    except OSError as e:
        raise WorkerError("bad_input", f"{path}: cannot read ({e.strerror})") from e
    if not rows:
        raise WorkerError("bad_input", f"{path}: no rows")
    return rows


def encode_examples(rows: list, template: MistralInst, max_seq_len: int) -> tuple:
    """Returns (examples, stats); rows whose prompt fills max_seq_len are skipped and counted."""
    prompts = template.prompts([r["question"] for r in rows])
    answers = template.answers([r["answer"] for r in rows])
    examples, truncated, skipped, answer_tokens = [], 0, 0, 0
    for prompt, answer in zip(prompts, answers):
        ids = prompt + answer
        if len(ids) > max_seq_len:
            truncated += 1
            ids = ids[:max_seq_len]
        if len(prompt) >= len(ids):
            skipped += 1
            continue
        examples.append(Example(ids, len(prompt)))
        answer_tokens += len(ids) - len(prompt)
    stats = {
        "rows": len(rows), "examples": len(examples), "truncated": truncated,
        "skipped_prompt_fills_max_seq_len": skipped, "answer_tokens": answer_tokens,
        "tokens": sum(len(e.ids) for e in examples),
    }
    return examples, stats


def sha256_file(path: str) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def must_exist(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise WorkerError("bad_input", f"{path}: {what} does not exist")
    return p
