"""A base model whose decoder projections are NF4 (``model.quantization: nf4`` with the builtin
backend): read one tensor at a time from the base's safetensors, projections quantized on the
target device, everything else in the compute dtype; no bitsandbytes, any device.

Quantize once: the quantized base is written to ``<cache>/nf4/<key>.safetensors`` (projections as
codes, the other tensors as the base stores them: about 4 GB for Mistral-7B instead of 14.5),
keyed by the base's fingerprint (every file's relative path, size and modification time, as the
JVM's BaseFingerprint) and the format, so a later load reads that file and quantizes nothing, and
a changed base gets a new entry (the old entries of the same base directory are removed).
``<cache>`` is TUNECARD_CACHE, else $XDG_CACHE_HOME/tunecard, else ~/.cache/tunecard;
TUNECARD_CACHE=off turns the cache off.
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import torch
from torch import nn

from . import nf4
from .events import WorkerError

FORMAT = "tunecard-nf4/1"
CACHE_ENV = "TUNECARD_CACHE"
_PARTS = ("packed", "absmax", "absmax_codes", "absmax_scales", "absmax_offset")


def cache_root() -> Path | None:
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "tunecard"


def fingerprint(directory: Path) -> str:
    """sha256 over every file's relative path, size and modification time (ms)."""
    md = hashlib.sha256()
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    for f in files:
        st = f.stat()
        md.update(f"{f.relative_to(directory)}\t{st.st_size}\t{st.st_mtime_ns // 1_000_000}\n"
                  .encode())
    return md.hexdigest()


def cache_file(directory: Path, double_quant: bool) -> Path | None:
    root = cache_root()
    if root is None:
        return None
    key = hashlib.sha256(f"{FORMAT}\n{double_quant}\n{fingerprint(directory)}".encode())
    return root / "nf4" / f"{key.hexdigest()[:40]}.safetensors"


def _base_files(directory: Path) -> dict:
    """{tensor name: safetensors file} of a Hugging Face model directory."""
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (ValueError, KeyError) as e:
            raise WorkerError("bad_input", f"{index}: not a safetensors index ({e})") from e
        return {k: directory / v for k, v in weight_map.items()}
    single = directory / "model.safetensors"
    if not single.is_file():
        raise WorkerError("bad_input", f"{directory}: NF4 (builtin) reads safetensors weights; "
                          "found neither model.safetensors nor model.safetensors.index.json")
    from safetensors import safe_open

    with safe_open(str(single), framework="pt") as f:
        return {k: single for k in f.keys()}


class _Reader:
    """Tensors by name from several safetensors files, each opened once."""

    def __init__(self, files: dict):
        self.files = files
        self.open = {}

    def has(self, name: str) -> bool:
        return name in self.files

    def get(self, name: str) -> torch.Tensor:
        from safetensors import safe_open

        path = self.files[name]
        if path not in self.open:
            self.open[path] = safe_open(str(path), framework="pt")
        try:
            return self.open[path].get_tensor(name)
        except Exception as e:  # noqa: BLE001 - safetensors raises plain errors
            hint = "; it is an NF4 cache entry: delete it" if path.parent.name == "nf4" else ""
            raise WorkerError("bad_input", f"{path}: cannot read tensor '{name}' ({e}){hint}") from e


def _quantized_names(lm) -> list:
    """Module names of the decoder's bias-free linear layers (the seven projections)."""
    decoder = lm.get_decoder()
    prefix = next(n for n, m in lm.named_modules() if m is decoder)
    return [f"{prefix}.layers.{i}.{n}" for i, layer in enumerate(decoder.layers)
            for n, m in layer.named_modules() if type(m) is nn.Linear and m.bias is None]


def _set(lm, name: str, module: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(lm.get_submodule(parent), child, module)


def load(directory: Path, config, device: torch.device, dtype: torch.dtype, attn: str,
         double_quant: bool = True):
    """The frozen CausalLM with NF4 projections; ``lm.tunecard_nf4`` says how it was made."""
    from transformers import AutoModelForCausalLM
    from transformers import initialization

    t0 = time.perf_counter()
    with initialization.no_init_weights():  # memory is claimed only by the tensors assigned
        lm = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation=attn)
    names = _quantized_names(lm)
    cache = cache_file(directory, double_quant)
    cached = cache is not None and _valid(cache, directory)
    reader = _Reader(_cache_files(cache) if cached else _base_files(directory))
    keep = {}  # what the cache file will hold, on the CPU
    for name in names:
        key = f"{name}.weight"
        if cached:
            q = _read_quantized(reader, key, lm.get_submodule(name), device)
        else:
            if not reader.has(key):
                raise WorkerError("bad_input", f"{directory}: the weights lack '{key}'")
            q = nf4.quantize(reader.get(key).to(device), double_quant)
            if cache is not None:
                keep.update(_parts(key, q))
        _set(lm, name, nf4.Nf4Linear(q))
    tied = set()
    out = lm.get_output_embeddings()
    if getattr(lm.config, "tie_word_embeddings", False) and out is not None:
        tied = {n + ".weight" for n, m in lm.named_modules() if m is out}
    for key, tensor in lm.state_dict(keep_vars=True).items():
        if any(key.startswith(f"{n}.") for n in names):
            continue
        if not reader.has(key):
            if key in tied:
                continue
            raise WorkerError("bad_input", f"{directory}: the weights lack '{key}'")
        value = reader.get(key)
        if tuple(value.shape) != tuple(tensor.shape):
            raise WorkerError("bad_input", f"{directory}: '{key}' has shape {tuple(value.shape)}, "
                              f"the config implies {tuple(tensor.shape)}")
        if not cached and cache is not None:
            keep[key] = value
        module, _, leaf = key.rpartition(".")
        owner = lm.get_submodule(module)
        moved = value.to(device=device, dtype=tensor.dtype)
        if leaf in owner._parameters:
            owner._parameters[leaf] = nn.Parameter(moved, requires_grad=False)
        else:
            owner._buffers[leaf] = moved
    if tied:
        lm.tie_weights()
    lm.to(device)  # non-persistent buffers (rotary frequencies)
    seconds = time.perf_counter() - t0
    written = None
    if cache is not None and not cached:
        written = _write(cache, keep, directory, double_quant)
    lm.tunecard_nf4 = {"from_cache": cached, "cache": str(cache) if cache else None,
                       "cache_written": written, "seconds": round(seconds, 2),
                       "projections": len(names), "double_quant": double_quant}
    print(f"NF4 base: {len(names)} projections {'read from ' + str(cache) if cached else 'quantized'}"
          f" in {seconds:.1f} s" + (f"; cached at {written}" if written else ""), file=sys.stderr)
    return lm


def _parts(key: str, q: nf4.Quantized) -> dict:
    out = {f"{key}.packed": q.packed}
    if isinstance(q.absmax, nf4.DoubleQuant):
        out.update({f"{key}.absmax_codes": q.absmax.codes, f"{key}.absmax_scales": q.absmax.scales,
                    f"{key}.absmax_offset": q.absmax.offset})
    else:
        out[f"{key}.absmax"] = q.absmax
    return {k: v.detach().to("cpu").contiguous() for k, v in out.items()}


def _read_quantized(reader: _Reader, key: str, linear: nn.Linear, device) -> nf4.Quantized:
    shape = (linear.out_features, linear.in_features)
    part = {p: reader.get(f"{key}.{p}").to(device) for p in _PARTS if reader.has(f"{key}.{p}")}
    if "packed" not in part:
        raise WorkerError("bad_input", f"{reader.files.get(key, 'the NF4 cache')}: no '{key}'")
    absmax = part.get("absmax")
    if absmax is None:
        absmax = nf4.DoubleQuant(part["absmax_codes"], part["absmax_scales"],
                                 part["absmax_offset"])
    return nf4.Quantized(part["packed"], absmax, shape)


def _cache_files(cache: Path) -> dict:
    from safetensors import safe_open

    with safe_open(str(cache), framework="pt") as f:
        return {k: cache for k in f.keys()}


def _metadata(path: Path) -> dict:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            return f.metadata() or {}
    except Exception:  # noqa: BLE001 - an unreadable entry is simply not valid
        return {}


def _valid(cache: Path, directory: Path) -> bool:
    if not cache.is_file():
        return False
    meta = _metadata(cache)
    return meta.get("format") == FORMAT and meta.get("fingerprint") == fingerprint(directory)


def _write(cache: Path, tensors: dict, directory: Path, double_quant: bool) -> str | None:
    """Writes the entry atomically and drops older entries of the same base directory; a failure
    (a full disk, a read-only cache) costs only the next run's quantization."""
    from safetensors.torch import save_file

    meta = {"format": FORMAT, "fingerprint": fingerprint(directory),
            "base": str(directory.resolve()), "double_quant": str(double_quant).lower()}
    tmp = cache.with_name(f".{cache.name}.tmp-{os.getpid()}")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(tmp), metadata=meta)
        os.replace(tmp, cache)
        for other in cache.parent.glob("*.safetensors"):
            if other != cache and _metadata(other).get("base") == meta["base"]:
                other.unlink(missing_ok=True)
        return str(cache)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        print(f"NF4 base: not cached ({e})", file=sys.stderr)
        return None
