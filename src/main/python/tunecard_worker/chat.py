"""Rows to token ids: the model's own chat template, truncation and the answer-only loss mask.

The rule, shared with the djl engine (io.tunecard.model.ChatTemplate; docs/worker-protocol-python.md):
the base's ``chat_template`` (tokenizer_config.json, else chat_template.jinja; a base without one
gets the bundled template ``model.chat_template`` names) rendered and tokenized by transformers'
``apply_chat_template`` (ids without added special tokens):

    prompt = apply_chat_template([user: question], add_generation_prompt=True)
    ids    = apply_chat_template([user: question, assistant: answer])[:max_seq_len]

``ids`` must start with ``prompt``; for Mistral-7B-Instruct-v0.3's template a row is
``<s>[INST] question[/INST] answer</s>`` (the answer stripped, EOS included). Loss is taken on the
answer ids only: position p predicts ids[p + 1] for p in [len(prompt) - 1, len(ids) - 2]. A row
whose prompt alone fills max_seq_len has no answer token left and is skipped (counted).
Generation feeds ``prompt`` and stops at any eos id.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from .events import WorkerError

BUNDLED = ("mistral-inst",)
_TEMPLATES = Path(__file__).resolve().parent / "chat_templates"


@dataclass(frozen=True)
class Example:
    """One tokenized row: ``ids[:prompt_len]`` is the prompt, the rest the (truncated) answer."""

    ids: list
    prompt_len: int

    @property
    def targets(self) -> int:
        return len(self.ids) - self.prompt_len


@dataclass(frozen=True)
class TokenizerConfig:
    """What a model directory says about chat (every field None when it does not say)."""

    chat_template: str | None = None
    bos_token: str | None = None
    eos_token: str | None = None
    unk_token: str | None = None
    pad_token: str | None = None
    origin: str | None = None


def _token(path: Path, root: dict, key: str):
    value = root.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    raise WorkerError("bad_input", f"{path}: key '{key}': expected a string or an object with "
                      f"'content', found {json.dumps(value)}")


def read_tokenizer_config(directory: Path) -> TokenizerConfig:
    """tokenizer_config.json's chat_template (a string, or the 'default' of a named list), else
    chat_template.jinja, and the special-token strings; the JVM's TokenizerConfig.read."""
    path, jinja = Path(directory) / "tokenizer_config.json", Path(directory) / "chat_template.jinja"
    root = {}
    if path.is_file():
        try:
            root = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise WorkerError("bad_input", f"{path}: not readable JSON ({e})") from e
        if not isinstance(root, dict):
            raise WorkerError("bad_input", f"{path}: expected a JSON object")
    template, origin = root.get("chat_template"), str(path)
    if isinstance(template, list):
        named = [t.get("template") for t in template
                 if isinstance(t, dict) and t.get("name") == "default"]
        template = named[0] if named and isinstance(named[0], str) else None
        if template is None:
            raise WorkerError("bad_input", f"{path}: key 'chat_template': expected a string or a "
                              "list of {name, template} with a 'default' entry")
    elif template is not None and not isinstance(template, str):
        raise WorkerError("bad_input", f"{path}: key 'chat_template': expected a string")
    if template is None and jinja.is_file():
        template, origin = jinja.read_text(encoding="utf-8"), str(jinja)
    return TokenizerConfig(template, _token(path, root, "bos_token"), _token(path, root, "eos_token"),
                           _token(path, root, "unk_token"), _token(path, root, "pad_token"),
                           origin if template is not None else None)


def bundled(name: str) -> str:
    if name not in BUNDLED:
        raise WorkerError("bad_input", f"model.chat_template: '{name}' is not one of {list(BUNDLED)}")
    return (_TEMPLATES / f"{name}.jinja").read_text(encoding="utf-8")


class ChatTemplate:
    """The base's chat template over a `tokenizers.Tokenizer`, with its special ids."""

    def __init__(self, tokenizer, template: str, origin: str, ids: tuple, tokens: dict):
        from transformers import PreTrainedTokenizerFast

        self.tokenizer = tokenizer
        self.origin = origin
        self.bos_id, self.eos_ids, self.pad_id = ids
        self.eos_id = self.eos_ids[0]
        self.hf = PreTrainedTokenizerFast(tokenizer_object=tokenizer, chat_template=template,
                                          clean_up_tokenization_spaces=False, **tokens)

    @classmethod
    def load(cls, spec_model: dict, directory: Path, tokenizer, config):
        from . import modeling

        tc = read_tokenizer_config(directory)
        ids = modeling.special_ids(config, tokenizer, tc)
        template = tc.chat_template
        fallback = spec_model.get("chat_template") or BUNDLED[0]
        origin = tc.origin if template is not None else f"tunecard's {fallback} template"
        if template is None:
            template = bundled(fallback)
        tokens = {"bos_token": tc.bos_token or tokenizer.id_to_token(ids[0]),
                  "eos_token": tc.eos_token or tokenizer.id_to_token(ids[1][0]),
                  "pad_token": tc.pad_token, "unk_token": tc.unk_token}
        return cls(tokenizer, template, origin, ids, {k: v for k, v in tokens.items() if v})

    def _apply(self, conversations: list, add_generation_prompt: bool) -> list:
        if not conversations:
            return []
        try:
            return self.hf.apply_chat_template(conversations, add_generation_prompt=add_generation_prompt,
                                               tokenize=True, return_dict=False)
        except Exception as e:  # noqa: BLE001 - jinja2.TemplateError and friends
            raise WorkerError("bad_input", f"{self.origin}: chat_template failed: {e}") from e

    def prompts(self, questions: list) -> list:
        return self._apply([[{"role": "user", "content": q}] for q in questions], True)

    def exchanges(self, questions: list, answers: list) -> list:
        """(ids, prompt length) of each (question, answer); the prompt must be a prefix."""
        prompts = self.prompts(questions)
        full = self._apply([[{"role": "user", "content": q}, {"role": "assistant", "content": a}]
                            for q, a in zip(questions, answers)], False)
        out = []
        for q, p, f in zip(questions, prompts, full):
            if f[:len(p)] != p:
                raise WorkerError("bad_input", f"{self.origin}: the chat template's prompt is not "
                                  f"the start of the whole exchange in token ids (question "
                                  f"{json.dumps(q, ensure_ascii=False)}), so the answer tokens "
                                  "cannot be told apart")
            out.append((f, len(p)))
        return out

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


def encode_examples(rows: list, template: ChatTemplate, max_seq_len: int) -> tuple:
    """Returns (examples, stats); rows whose prompt fills max_seq_len are skipped and counted."""
    exchanges = template.exchanges([r["question"] for r in rows], [r["answer"] for r in rows])
    examples, truncated, skipped, answer_tokens = [], 0, 0, 0
    for ids, prompt_len in exchanges:
        if len(ids) > max_seq_len:
            truncated += 1
            ids = ids[:max_seq_len]
        if prompt_len >= len(ids):
            skipped += 1
            continue
        examples.append(Example(ids, prompt_len))
        answer_tokens += len(ids) - prompt_len
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
