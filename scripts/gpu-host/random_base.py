"""A randomly initialised stand-in for a Hub model, for runs on a host that lacks its weights.

    python3 scripts/gpu-host/random_base.py mistral-7b-instruct-v0.3 OUT_DIR --corpus TRAIN.jsonl \
        [--chat-template FILE]
    python3 scripts/gpu-host/random_base.py roberta-large OUT_DIR --corpus TRAIN.jsonl

--tokenizer-only writes the tokenizer alone (it needs no GPU: make it on a small machine and carry
it); --tokenizer DIR takes such a tokenizer instead of training one.

The model has the named model's exact config (architecture and every size) and random weights
(transformers' own initialisation, seeded), saved as safetensors (bf16 for Mistral, fp32 for
RoBERTa). The tokenizer is a byte-level BPE of the same vocabulary size trained on the corpus's
questions and answers (a dataset split written by `tunecard ingest`), with the original's special
tokens and, for Mistral, the chat template given. Its answers mean nothing: it exists to run every
stage for real and to measure time and memory at the real model's size.
"""

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

# Mistral-7B-Instruct-v0.3's config.json (the sizes the reference fine-tune trained).
MISTRAL_7B_V03 = dict(
    vocab_size=32768, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
    num_attention_heads=32, num_key_value_heads=8, head_dim=128, hidden_act="silu",
    max_position_embeddings=32768, rms_norm_eps=1e-5, rope_theta=1000000.0, sliding_window=None,
    tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, torch_dtype="bfloat16")

# roberta-large's config.json (BERTScore's default encoder).
ROBERTA_LARGE = dict(
    vocab_size=50265, hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
    num_attention_heads=16, max_position_embeddings=514, type_vocab_size=1,
    layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2, hidden_act="gelu")


def texts(corpus: Path):
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                yield row["question"]
                yield row["answer"]


def bpe(corpus: Path, vocab_size: int, specials: list):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts(corpus), trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok


def mistral_tokenizer(out: Path, corpus: Path, chat_template: str | None) -> None:
    from transformers import PreTrainedTokenizerFast

    tok = bpe(corpus, MISTRAL_7B_V03["vocab_size"], ["<unk>", "<s>", "</s>", "[INST]", "[/INST]"])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>")
    if chat_template:
        fast.chat_template = chat_template
    fast.save_pretrained(out)
    print(f"mistral: tokenizer {tok.get_vocab_size()} tokens", file=sys.stderr)


def mistral(out: Path, seed: int) -> None:
    import torch
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(seed)
    config = MistralConfig(**MISTRAL_7B_V03)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with torch.device(device):
        model = MistralForCausalLM(config).to(torch.bfloat16)
    model.generation_config.bos_token_id, model.generation_config.eos_token_id = 1, 2
    model.save_pretrained(out, max_shard_size="5GB")
    print(f"mistral: {sum(p.numel() for p in model.parameters()) / 1e9:.3f} B parameters",
          file=sys.stderr)


def roberta_tokenizer(out: Path, corpus: Path) -> None:
    from tokenizers import processors
    from transformers import RobertaTokenizerFast

    tok = bpe(corpus, ROBERTA_LARGE["vocab_size"] - 1, ["<s>", "<pad>", "</s>", "<unk>"])
    tok.add_special_tokens(["<mask>"])
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    RobertaTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                         cls_token="<s>", unk_token="<unk>", pad_token="<pad>",
                         mask_token="<mask>").save_pretrained(out)
    print(f"roberta: tokenizer {tok.get_vocab_size()} tokens", file=sys.stderr)


def roberta(out: Path, seed: int) -> None:
    import torch
    from transformers import RobertaConfig, RobertaModel

    torch.manual_seed(seed)
    model = RobertaModel(RobertaConfig(**ROBERTA_LARGE), add_pooling_layer=False)
    model.save_pretrained(out)
    print(f"roberta: {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters",
          file=sys.stderr)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", choices=["mistral-7b-instruct-v0.3", "roberta-large"])
    p.add_argument("out", type=Path)
    p.add_argument("--corpus", type=Path, help="a dataset split (JSON lines) to train the tokenizer")
    p.add_argument("--tokenizer", type=Path, help="a tokenizer --tokenizer-only wrote, reused")
    p.add_argument("--tokenizer-only", action="store_true", help="write the tokenizer alone")
    p.add_argument("--chat-template", type=Path, help="a Jinja chat template file (Mistral)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    if (a.corpus is None) == (a.tokenizer is None):
        p.error("give --corpus (train a tokenizer) or --tokenizer (reuse one), not both")
    if a.out.exists() and any(a.out.iterdir()):
        print(f"random_base: {a.out} is not empty", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    start = time.time()
    if a.tokenizer:
        for f in a.tokenizer.iterdir():
            shutil.copy2(f, a.out / f.name)
    elif a.model == "roberta-large":
        roberta_tokenizer(a.out, a.corpus)
    else:
        template = a.chat_template.read_text(encoding="utf-8") if a.chat_template else None
        mistral_tokenizer(a.out, a.corpus, template)
    if not a.tokenizer_only:
        (roberta if a.model == "roberta-large" else mistral)(a.out, a.seed)
    print(f"random_base: {a.model} in {a.out} ({time.time() - start:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
