"""Fixtures: a tiny random Mistral with a byte-level BPE tokenizer, made here (no download), the
QA splits it trains on, and helpers to write specs and run the worker as the parent does."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

# Tiny models: one thread each, so parallel test runs on few cores do not thrash OpenMP.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[3]
PACKAGE_ROOT = REPO / "src" / "main" / "python"
sys.path.insert(0, str(PACKAGE_ROOT))

TOPICS = ["anemia", "asthma", "gout", "measles", "mumps", "rickets", "scurvy", "tetanus",
          "glaucoma", "eczema", "angina", "lupus"]
ORGANS = ["blood", "lungs", "joints", "skin", "eyes", "heart"]
CARE = ["rest", "iron", "vitamins", "steroids", "surgery", "drops"]


def qa_rows(n: int, seed: int, prefix: str) -> list:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        organ, care = ORGANS[i % len(ORGANS)], rng.choice(CARE)
        tail = " ".join(rng.choice(CARE) for _ in range(rng.randint(0, 12)))
        rows.append({"id": f"{prefix}-{i:03d}", "question": f"What is {topic}?",
                     "answer": f"{topic} affects the {organ}. It is treated with {care}. {tail}"})
    return rows


def write_jsonl(path: Path, rows: list) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def build_tiny_model(directory: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import MistralConfig, MistralForCausalLM, PreTrainedTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    specials = ["<s>", "</s>", "[INST]", "[/INST]", "<pad>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [f"{r['question']} {r['answer']}" for r in qa_rows(200, 7, "c")]
    tok.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                            pad_token="<pad>").save_pretrained(directory)
    config = MistralConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=64, intermediate_size=128,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
        max_position_embeddings=512, rope_theta=10000.0, rms_norm_eps=1e-5, sliding_window=None,
        tie_word_embeddings=False, bos_token_id=tok.token_to_id("<s>"),
        eos_token_id=tok.token_to_id("</s>"), pad_token_id=tok.token_to_id("<pad>"))
    torch.manual_seed(0)
    MistralForCausalLM(config).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-mistral"))


@pytest.fixture(scope="session")
def splits(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("dataset")
    return {
        "train": write_jsonl(d / "train.jsonl", qa_rows(48, 1, "t")),
        "validation": write_jsonl(d / "validation.jsonl", qa_rows(12, 2, "v")),
        "test": write_jsonl(d / "test.jsonl", qa_rows(10, 3, "q")),
    }


STRATEGIES = [
    {"name": "beam_4", "num_beams": 4},
    {"name": "topp_0.9", "do_sample": True, "top_p": 0.9, "top_k": 50},
    {"name": "temp_1.2", "do_sample": True, "temperature": 1.2, "top_k": 50},
    {"name": "greedy"},
    {"name": "temp_0.9", "do_sample": True, "temperature": 0.9, "top_k": 50},
    {"name": "topk_50", "do_sample": True, "top_k": 50},
]


def strategy(s: dict) -> dict:
    full = {"num_beams": 1, "length_penalty": 1.0, "early_stopping": False, "do_sample": False,
            "temperature": 1.0, "top_k": 0, "top_p": 1.0, "min_new_tokens": 0, "seed": 42}
    full.update(s)
    return full


def make_spec(command: str, model_dir: Path, splits: dict, out: Path, **sections) -> dict:
    spec = {
        "protocol": 1, "command": command, "engine": "hf", "device": "cpu", "seed": 42,
        "output_dir": str(out),
        "model": {"base": str(model_dir), "tokenizer": None, "quantization": "none",
                  "dtype": "fp32", "max_seq_len": 64, "chat_template": "mistral-inst",
                  "scratch": None},
        "lora": {"r": 4, "alpha": 8, "dropout": 0.1,
                 "targets": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                             "down_proj"]},
        "data": {"train": splits["train"], "validation": splits["validation"],
                 "questions": splits["test"], "train_limit": None, "validation_limit": None},
        "train": {"epochs": 8, "max_steps": None, "micro_batch": 4, "grad_accum": 2, "lr": 3e-3,
                  "schedule": "cosine", "warmup_ratio": 0.1, "weight_decay": 0.01,
                  "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_eps": 1e-8,
                  "max_grad_norm": 1.0, "log_every": 4, "eval_every_steps": 8,
                  "save_every_steps": 8, "keep_last": 2, "batching": "length-grouped"},
        "generate": {"adapter": None, "max_new_tokens": 12, "batch": 4,
                     "strategies": [strategy(s) for s in STRATEGIES]},
        "eval_loss": {"checkpoints": [None], "batch": 5},
    }
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(spec.get(name), dict):
            spec[name].update(value)
        else:
            spec[name] = value
    return spec


def worker_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PACKAGE_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def worker_cmd(command: str, spec_path: Path) -> list:
    return [sys.executable, "-m", "tunecard_worker", command, str(spec_path)]


def run_worker(command: str, spec: dict, tmp: Path, name: str = "spec.json"):
    """Runs the worker to its end; returns (exit code, events, stderr). Asserts stdout is pure
    JSON lines."""
    path = tmp / name
    path.write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.run(worker_cmd(command, path), env=worker_env(), capture_output=True,
                          text=True, timeout=600)
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    return proc.returncode, events, proc.stderr


def kinds(events: list) -> list:
    return [e["event"] for e in events]
