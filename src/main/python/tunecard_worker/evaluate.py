"""The `evaluate` command: the heavy part of the evaluation stage in one process (hf engine).

It loads the base once and writes into ``output_dir``, in this order:

    eval_loss/base.json                 the base's validation loss (eval_loss.model_loss)
    generations-base/<strategy>.jsonl   the base's answers (with generate.compare_base)
    eval_loss/<checkpoint>.json         each checkpoint's loss, its adapter beside the weights
    generations/<strategy>.jsonl        the best checkpoint's answers, its adapter merged
    bertscore[-base]/<strategy>.jsonl   per-answer BERTScore P/R/F of each answer file
    eval_loss.json                      the report, in the `eval_loss` command's shape

The base answers before any adapter is attached, so the best one can then be merged into the same
weights. The best checkpoint has the lowest loss, the earlier step on a tie (as the JVM picks it).
Answers go through ``generate.answer_all`` (one decoding entry point) and BERTScore is
``bertscore.Scorer``, after the language model is freed. Every file is written atomically. A
retried run of the same spec on the same inputs (``output_dir/fingerprint``) skips each file it
finds, so a crash costs only the part in progress; a different fingerprint clears the parts first.
The parent aggregates: text metrics, bootstrap intervals and metrics.json stay on the JVM.
"""

import gc
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import torch

from . import bertscore, chat, eval_loss, generate, modeling
from .checkpoints import write_atomic
from .events import WorkerError

BASE, ADAPTER = "base", "fine-tune"
PARTS = ("eval_loss", "generations", "generations-base", "bertscore", "bertscore-base")
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def java_order(text: str) -> bytes:
    """Sort key equal to Java's String.compareTo (UTF-16 code units): the JVM pairs answers by id
    in that order, and BERTScore's batches depend on the order."""
    return text.encode("utf-16-be", "surrogatepass")


def fingerprint(spec: dict) -> str:
    """What the files depend on: the spec (but where they are) and the two data files."""
    kept = {k: v for k, v in spec.items() if k != "output_dir"}
    h = hashlib.sha256(json.dumps(kept, sort_keys=True).encode("utf-8"))
    for path in (spec["data"]["validation"], spec["data"]["questions"]):
        h.update(chat.sha256_file(path).encode("ascii"))
    return h.hexdigest()


class Parts:
    """The files of one evaluation under ``out``; stale ones (another fingerprint) are removed."""

    def __init__(self, out: Path, stamp: str, events):
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        marker = out / "fingerprint"
        if marker.is_file() and marker.read_text(encoding="utf-8") == stamp:
            events.log(f"{out}: resuming; files of an earlier attempt are kept")
        else:
            for name in PARTS:
                shutil.rmtree(out / name, ignore_errors=True)
            (out / "eval_loss.json").unlink(missing_ok=True)
            write_atomic(marker, stamp)
        for name in PARTS:
            (out / name).mkdir(exist_ok=True)

    def loss(self, label: str) -> Path:
        return self.out / "eval_loss" / f"{label}.json"

    def answers(self, model: str, strategy: str) -> Path:
        folder = "generations-base" if model == BASE else "generations"
        return self.out / folder / f"{strategy}.jsonl"

    def scores(self, model: str, strategy: str) -> Path:
        return self.out / ("bertscore-base" if model == BASE else "bertscore") / f"{strategy}.jsonl"


def _check(spec: dict) -> list:
    """The checkpoint entries in step order; bad ones are bad input."""
    entries = spec["eval_loss"]["checkpoints"]
    adapters = [e for e in entries if e is not None]
    if not adapters:
        raise WorkerError("bad_input", "eval_loss.checkpoints: no checkpoint to evaluate (only the "
                          "base); run training first")
    for entry in adapters:
        if not (Path(entry) / "adapter_config.json").is_file():
            raise WorkerError("bad_input", f"eval_loss.checkpoints: {entry}: not a PEFT adapter "
                              "directory (no adapter_config.json)")
    labels = [Path(e).name for e in adapters]
    if len(set(labels)) != len(labels) or BASE in labels:
        raise WorkerError("bad_input", f"eval_loss.checkpoints: directory names must be unique and "
                          f"not '{BASE}', found {labels}")
    names = [s["name"] for s in spec["generate"]["strategies"]]
    if len(set(names)) != len(names):
        raise WorkerError("bad_input", f"generate.strategies: names must be unique, found {names}")
    step = eval_loss._step_of
    base = [None] if None in entries else []
    return base + sorted(adapters, key=lambda e: (step(Path(e)) is None, step(Path(e)) or 0))


class Evaluation:
    def __init__(self, spec: dict, events):
        self.spec, self.events = spec, events
        self.entries = _check(spec)
        self.device = modeling.resolve_device(spec["device"])
        self.dtype = modeling.resolve_dtype(spec["model"]["dtype"], self.device)
        g = spec["generate"]
        self.strategies = g["strategies"]
        self.models = [ADAPTER] + ([BASE] if g.get("compare_base", True) else [])
        data = spec["data"]
        self.questions = chat.read_rows(data["questions"], ("id", "question", "answer"))
        self.validation = chat.read_rows(data["validation"], ("question", "answer"),
                                         data.get("validation_limit"))
        self.parts = Parts(Path(spec["output_dir"]), fingerprint(spec), events)
        self.outputs = []

    def skipped(self, path: Path) -> bool:
        if path.is_file():
            self.events.log(f"{path}: written by an earlier attempt; kept")
            self.outputs.append(str(path))
            return True
        return False

    def label(self, entry) -> str:
        return BASE if entry is None else Path(entry).name

    def missing_answers(self, model: str) -> list:
        return [s for s in self.strategies
                if model in self.models and not self.parts.answers(model, s["name"]).is_file()]

    # -- eval loss and generation: the language model -----------------------------------------

    def language_model(self) -> None:
        todo = [e for e in self.entries if not self.parts.loss(self.label(e)).is_file()]
        if not todo and not self.missing_answers(BASE) and not self.missing_answers(ADAPTER):
            for e in self.entries:
                self.skipped(self.parts.loss(self.label(e)))
            return
        model, template, pad = generate.load_for_inference(self.spec, self.device, self.dtype)
        examples = None
        if todo:
            examples = eval_loss.encode_validation(self.validation, template, self.spec,
                                                   self.events)
        batch = self.spec["eval_loss"].get("batch") or eval_loss.DEFAULT_BATCH
        if None in self.entries and not self.skipped(self.parts.loss(BASE)):
            self.loss(model, None, examples, batch, pad)
        self.answer(model, template, pad, BASE)
        peft_model, names = None, {}
        for n, entry in enumerate(self.entries):
            if entry is None or self.skipped(self.parts.loss(self.label(entry))):
                continue
            peft_model, names[entry] = eval_loss.attach(model, peft_model, entry, f"a{n}")
            self.loss(peft_model, entry, examples, batch, pad)
        if self.missing_answers(ADAPTER):
            best = self.best()["checkpoint"]
            base = model if peft_model is None else peft_model.unload()
            peft_model = None
            # merged into a dense copy of the base, never into NF4 codes (generate.with_adapter)
            model = generate.with_adapter(base, best, self.dtype)
            del base
            self.events.log(f"answering with {Path(best).name} (lowest eval loss), its adapter "
                            "merged into the weights")
        self.answer(model, template, pad, ADAPTER)
        del model, peft_model
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def loss(self, model, entry, examples, batch, pad) -> None:
        label = self.label(entry)

        def progress(done, total):
            self.events.progress("eval_loss", done, total, label=label)

        model.config.use_cache = False
        losses = eval_loss.model_loss(model, examples, batch, pad, self.device, self.dtype,
                                      progress)
        path = self.parts.loss(label)
        # "loss" is the Trainer-compatible eval_loss: the best checkpoint is chosen by it
        write_atomic(path, json.dumps({"checkpoint": entry, "loss": losses["eval_loss"], **losses,
                                       "batch_size": batch}) + "\n")
        self.outputs.append(str(path))

    def results(self) -> list:
        return [json.loads(self.parts.loss(self.label(e)).read_text(encoding="utf-8"))
                for e in self.entries]

    def best(self) -> dict:
        checkpoints = [r for r in self.results() if r["checkpoint"] is not None]
        return min(checkpoints, key=lambda r: r["loss"])  # step order: the earlier wins a tie

    def answer(self, model, template, pad, which: str) -> None:
        todo = self.missing_answers(which)
        for s in self.strategies:
            if which in self.models and s not in todo:
                self.skipped(self.parts.answers(which, s["name"]))
        if not todo:
            return
        g = self.spec["generate"]
        model = modeling.dense_base(model, self.dtype)  # an NF4 base decoded once, not per step
        model.config.use_cache = True
        model.eval()
        prompts = generate.fit_prompts(template, [r["question"] for r in self.questions],
                                       self.spec["model"]["max_seq_len"])
        cache = generate.decode_cache(self.device)
        loop = generate.pick_loop(g, model, self.events)
        for strategy in todo:
            label, t0 = f"{strategy['name']} ({which})", time.perf_counter()

            def progress(done, total, produced, label=label, t0=t0):
                self.events.progress("generate", done, total, label=label,
                                     tokens_per_s=round(produced / (time.perf_counter() - t0), 1))

            results = generate.answer_all(model, prompts, strategy, g["max_new_tokens"],
                                          g["batch"], pad, template.eos_ids, self.device, loop,
                                          cache, progress)
            path = self.parts.answers(which, strategy["name"])
            write_atomic(path, generate.answer_lines(self.questions, results, template))
            self.outputs.append(str(path))

    # -- BERTScore: the encoder, once the language model is gone ---------------------------------

    def bertscore(self) -> None:
        b = self.spec.get("bertscore")
        if not b:
            self.events.log("bertscore: no encoder in the spec; not computed")
            return
        jobs = [(m, s["name"]) for m in self.models for s in self.strategies
                if not self.skipped(self.parts.scores(m, s["name"]))]
        if not jobs:
            return
        scorer = bertscore.Scorer(b["model"], b["layer"], b["batch"], b["rescale_with_baseline"],
                                  self.device, DTYPES[b["dtype"]])
        for model, name in jobs:
            rows = [json.loads(line) for line in
                    self.parts.answers(model, name).read_text(encoding="utf-8").splitlines()]
            rows.sort(key=lambda r: java_order(r["id"]))
            label = f"{name} ({model})"
            progress = bertscore.Throttle(
                lambda done, total, rate, label=label: self.events.progress(
                    "bertscore", done, total, label=label, tokens_per_s=rate))
            references = [r["reference"] for r in rows]
            prf = scorer.score([r["prediction"] for r in rows], references, progress)
            lines = [json.dumps({"id": r["id"], "precision": p, "recall": rc, "f1": f},
                                ensure_ascii=False, separators=(",", ":"))
                     for r, (p, rc, f) in zip(rows, prf)]
            path = self.parts.scores(model, name)
            write_atomic(path, "\n".join(lines) + "\n")
            self.outputs.append(str(path))
            scorer.forget(keep=references)

    def report(self) -> dict:
        results = self.results()
        base = next((r for r in results if r["checkpoint"] is None), None)
        doc = eval_loss.report(
            results[0]["rows"], results[0]["batch_size"],
            eval_loss.base_entry(base) if base else None,
            [eval_loss.checkpoint_entry(r["checkpoint"], r)
             for r in results if r["checkpoint"] is not None])
        path = self.parts.out / "eval_loss.json"
        write_atomic(path, json.dumps(doc, indent=1) + "\n")
        self.outputs.insert(0, str(path))
        self.events.emit("eval_loss", results=[
            {"checkpoint": r["checkpoint"], "loss": r["loss"], "tokens": r["tokens"]}
            for r in results])
        return doc


def run(spec: dict, events) -> None:
    from .train import device_name

    ev = Evaluation(spec, events)
    events.emit("started", engine="hf", device=device_name(ev.device), pid=os.getpid(),
                total_steps=None, resumed_from=None)
    ev.language_model()
    ev.bertscore()
    doc = ev.report()
    events.emit("done", final_step=None, final_loss=None, best_checkpoint=doc["best"],
                outputs=ev.outputs)
