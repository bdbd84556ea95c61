"""Loading the base model, its tokenizer and LoRA adapters; the answer-token loss.

Hugging Face and PEFT names live here: ``model.layers.{i}.self_attn.q_proj`` modules, PEFT keys
``base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight`` (parameter names carry the
adapter name, ``...lora_A.default.weight``, which PEFT drops in its files).
"""

import contextlib
import importlib.util
import os
from pathlib import Path

import torch
import torch.nn.functional as F

from . import attention, lean_lora, nf4, nf4_base
from .events import WorkerError

ADAPTER = "default"


def resolve_device(name: str) -> torch.device:
    if name == "gpu":
        if not torch.cuda.is_available():
            raise WorkerError("bad_input", "device: gpu was asked for, but torch sees no CUDA device")
        return torch.device("cuda")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device("cpu")


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    if name == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[name]


def autocast(device: torch.device, dtype: torch.dtype):
    """bf16/fp16 compute for the fp32 LoRA weights; a no-op in fp32."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def model_dir(base: str) -> Path:
    """A local Hugging Face model directory, or the snapshot of a Hub id in the local cache."""
    path = Path(base)
    if path.is_dir():
        return path
    try:
        from huggingface_hub import snapshot_download

        # org/name@revision pins a branch, tag or commit, as tunecard's workflow files write it.
        repo, _, revision = base.partition("@")
        return Path(snapshot_download(repo, revision=revision or None, local_files_only=True))
    except Exception as e:  # noqa: BLE001 - any failure means: not available offline
        raise WorkerError("bad_input", f"model.base: '{base}' is neither a directory nor a model in "
                          f"the local Hugging Face cache (nothing is downloaded): {e}") from e


def load_tokenizer(spec_model: dict, directory: Path):
    from tokenizers import Tokenizer

    path = Path(spec_model.get("tokenizer") or directory / "tokenizer.json")
    if not path.is_file():
        raise WorkerError("bad_input", f"{path}: tokenizer file not found (model.tokenizer, or "
                          "tokenizer.json in the base directory)")
    try:
        return Tokenizer.from_file(str(path))
    except Exception as e:  # noqa: BLE001 - the Rust library raises plain Exceptions
        raise WorkerError("bad_input", f"{path}: not a readable tokenizer.json ({e})") from e


def load_config(directory: Path):
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(directory)
    except Exception as e:  # noqa: BLE001
        raise WorkerError("bad_input", f"{directory / 'config.json'}: cannot read the model "
                          f"config ({e})") from e


def special_ids(config, tokenizer, tokenizer_config) -> tuple:
    """(bos, [eos, ...], pad), the JVM's SpecialIds rule: each is config.json's id (every eos id);
    else the id of the token tokenizer_config.json names; else of <s>, </s>, <pad>; a token's id is
    ``tokenizer.token_to_id`` (added tokens, then the vocabulary). pad falls back to the first eos."""

    def lookup(named, fallback):
        found = tokenizer.token_to_id(named) if named is not None else None
        return found if found is not None else tokenizer.token_to_id(fallback)

    tc = tokenizer_config
    bos = config.bos_token_id if config.bos_token_id is not None else lookup(tc.bos_token, "<s>")
    eos = config.eos_token_id
    eos = list(eos) if isinstance(eos, (list, tuple)) else ([] if eos is None else [eos])
    if not eos:
        found = lookup(tc.eos_token, "</s>")
        eos = [] if found is None else [found]
    pad = getattr(config, "pad_token_id", None)
    pad = pad if pad is not None else lookup(tc.pad_token, "<pad>")
    if bos is None or not eos:
        raise WorkerError("bad_input", "the base defines no bos/eos token (config.json "
                          "bos_token_id/eos_token_id, tokenizer_config.json bos_token/eos_token, "
                          "or <s>/</s> in tokenizer.json)")
    return bos, eos, eos[0] if pad is None else pad


def nf4_backend(spec_model: dict) -> str:
    """``model.nf4_backend`` of a spec: ``builtin`` (nf4.py, any device) unless it names
    ``bitsandbytes``."""
    return spec_model.get("nf4_backend") or "builtin"


def check_quantization(quantization: str, device: torch.device, backend: str = "builtin") -> None:
    if quantization != "nf4" or backend == "builtin":
        return
    if importlib.util.find_spec("bitsandbytes") is None:
        raise WorkerError("missing_dependency", "model.nf4_backend: bitsandbytes needs the Python "
                          "package bitsandbytes, which is not installed for this interpreter; "
                          "install it (pip install bitsandbytes) or set nf4_backend: builtin")
    if device.type != "cuda":
        raise WorkerError("bad_input", "model.nf4_backend: bitsandbytes runs on a CUDA GPU only "
                          "(nf4_backend: builtin runs anywhere)")


def load_base(directory: Path, device: torch.device, dtype: torch.dtype, quantization: str,
              attn: str | None = None, nf4_backend: str = "builtin"):
    """The base model, frozen. ``attn``: transformers' attention implementation; default
    ``tunecard_sdpa`` (attention.py: decoding without K/V copies); training passes ``sdpa``,
    which measured slightly faster for packed training steps (docs/benchmarks.md). An NF4 base
    comes from nf4_base (builtin backend) or from bitsandbytes through transformers; both double
    quantize the absmax values."""
    from transformers import AutoModelForCausalLM

    check_quantization(quantization, device, nf4_backend)
    attn = attn or attention.register()
    if quantization == "nf4" and nf4_backend == "builtin":
        model = nf4_base.load(directory, load_config(directory), device, dtype, attn)
        model.requires_grad_(False)
        model.config.use_cache = False
        return model
    kwargs = {"dtype": dtype, "attn_implementation": attn}
    if quantization == "nf4":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype)
    if device.type == "cuda":
        kwargs["device_map"] = {"": device.index or 0}
    try:
        model = AutoModelForCausalLM.from_pretrained(directory, **kwargs)
    except torch.cuda.OutOfMemoryError:
        raise
    except Exception as e:  # noqa: BLE001
        raise WorkerError("bad_input", f"{directory}: cannot load the model ({e})") from e
    if device.type != "cuda":
        model.to(device)
    model.requires_grad_(False)
    model.config.use_cache = False
    return model


def dense_base(model, dtype: torch.dtype):
    """``model`` with NF4 projections dequantized to ``dtype`` (builtin: nf4.dense_copy;
    bitsandbytes: transformers' ``dequantize``); any other model as it is."""
    if getattr(model, "is_loaded_in_4bit", False):
        return model.dequantize(dtype=dtype)
    return nf4.dense_copy(model, dtype)


def apply_lora(model, lora: dict, seed: int, lean: bool | None = None):
    """Wraps the base with a fresh LoRA adapter (A: seeded Kaiming-uniform, B: zeros), fp32.

    ``lean`` (default: environment TUNECARD_LEAN_LORA=1) swaps PEFT's branch for lean_lora's,
    which keeps dropout masks as bits: less activation memory, but slower on the GPU (many more
    small kernels; docs/benchmarks.md), so it is for GPUs short of memory. Compiled layers
    (regional.py) use that branch anyway, fused.
    """
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"],
                        target_modules=list(lora["targets"]), bias="none", task_type="CAUSAL_LM")
    torch.manual_seed(seed)
    peft_model = get_peft_model(model, config, autocast_adapter_dtype=True)
    no_input_casts(peft_model)
    if lean if lean is not None else os.environ.get("TUNECARD_LEAN_LORA") == "1":
        lean_lora.patch(peft_model)
    return peft_model


def no_input_casts(peft_model) -> None:
    """Lets bf16 activations reach the fp32 LoRA weights as they are: autocast runs those matmuls
    in bf16, instead of PEFT copying every activation to fp32 first."""
    for module in peft_model.modules():
        if hasattr(module, "cast_input_dtype_enabled"):
            module.cast_input_dtype_enabled = False


def lora_parameters(peft_model) -> dict:
    """{PEFT file key: trainable parameter}, in model order."""
    marker = f".{ADAPTER}."
    return {name.replace(marker, "."): p
            for name, p in peft_model.named_parameters() if p.requires_grad}


def causal_lm(model):
    """The transformers CausalLM inside a PeftModel (LoRA layers injected), or the model itself."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def answer_loss_sum(lm, batch) -> torch.Tensor:
    """Sum of the next-token NLL over the batch's answer positions; fp32 scalar on the device.

    The vocabulary projection runs only on those positions (N of B*T), not on prompts or padding.
    Packed bins reach ``tunecard_varlen`` attention as row boundaries, any other as a (B, 1, T, T)
    mask.
    """
    if batch.cu_seqlens is not None and lm.config._attn_implementation == attention.VARLEN:
        t = batch.input_ids.shape[1]
        rows = {"cu_seq_lens_q": batch.cu_seqlens, "cu_seq_lens_k": batch.cu_seqlens,
                "max_length_q": t, "max_length_k": t}
        out = lm.get_decoder()(input_ids=batch.input_ids, position_ids=batch.position_ids,
                               use_cache=False, **rows)
    else:
        out = lm.get_decoder()(input_ids=batch.input_ids, position_ids=batch.position_ids,
                               attention_mask=batch.attention_mask(), use_cache=False)
    hidden = out.last_hidden_state  # (B, T, H)
    hidden = hidden.reshape(-1, hidden.shape[-1]).index_select(0, batch.sel)  # (N, H)
    logits = lm.get_output_embeddings()(hidden)  # (N, V)
    return F.cross_entropy(logits.float(), batch.tgt, reduction="sum")
