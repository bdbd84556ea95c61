"""AdamW and the learning-rate schedule (transformers' get_*_schedule_with_warmup, step for step)."""

import math

import torch


def warmup_steps(warmup_ratio: float, total_steps: int) -> int:
    return math.ceil(warmup_ratio * total_steps)


def lr_factor(schedule: str, step: int, warmup: int, total: int) -> float:
    """Multiplier of the base lr for optimizer step ``step`` (0-based): linear warm-up from 0, then
    cosine to 0, linear to 0, or constant."""
    if step < warmup:
        return step / max(1, warmup)
    if schedule == "constant":
        return 1.0
    progress = (step - warmup) / max(1, total - warmup)
    if schedule == "linear":
        return max(0.0, 1.0 - progress)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def adamw(params: list, train: dict, device: torch.device) -> torch.optim.AdamW:
    """torch AdamW (decoupled weight decay on every LoRA tensor); fused kernels on CUDA."""
    return torch.optim.AdamW(
        params, lr=train["lr"], betas=(train["adam_beta1"], train["adam_beta2"]),
        eps=train["adam_eps"], weight_decay=train["weight_decay"],
        fused=device.type == "cuda")
