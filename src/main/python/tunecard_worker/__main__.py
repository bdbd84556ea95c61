"""``python3 -m tunecard_worker <train|generate|eval_loss|evaluate|pretrain> <spec.json>``.

stdout carries protocol events only; everything else goes to stderr. Exit code 0 after `done`,
else the code of the error kind (events.EXIT_CODES). ``doctor`` is not a protocol command: it
prints what this interpreter has for the worker (doctor.py).
"""

import os
import sys
import traceback

USAGE = ("usage: python3 -m tunecard_worker <train|generate|eval_loss|evaluate|pretrain> "
         "<spec.json>, or doctor [--json] [--packages]")
COMMANDS = ("train", "generate", "eval_loss", "evaluate", "pretrain")


def _environment() -> None:
    # Nothing is ever downloaded: a base is a local directory or already in the local cache.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Variable sequence lengths fragment the CUDA caching allocator less with growable segments.
    os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")


def main(argv: list) -> int:
    if argv[:1] == ["doctor"]:
        from .doctor import main as doctor

        return doctor(argv[1:])
    _environment()
    from .events import EXIT_CODES, Events, WorkerError, claim_stdout

    events = Events(claim_stdout())
    try:
        if len(argv) != 2 or argv[0] not in COMMANDS:
            raise WorkerError("bad_input", f"{USAGE} (got {' '.join(argv) or 'no arguments'})")
        command, spec_path = argv
        from . import spec as spec_module

        spec = spec_module.load(spec_path, command)
        import torch

        try:
            if command == "train":
                from .train import run
            elif command == "generate":
                from .generate import run
            elif command == "evaluate":
                from .evaluate import run
            else:
                from .eval_loss import run
            run(spec, events)
        except torch.cuda.OutOfMemoryError as e:
            raise WorkerError("out_of_memory", f"CUDA out of memory during {command}: "
                              f"{str(e).splitlines()[0]} (lower train.micro_batch, "
                              "generate.batch, eval.bertscore.batch or model.max_seq_len)") from e
        return 0
    except WorkerError as e:
        print(f"tunecard_worker: {e.kind}: {e.message}", file=sys.stderr, flush=True)
        events.emit("error", kind=e.kind, message=e.message)
        return EXIT_CODES[e.kind]
    except Exception as e:  # noqa: BLE001 - reported to the parent, never swallowed
        traceback.print_exc(file=sys.stderr)
        events.emit("error", kind="internal", message=f"{type(e).__name__}: {e}")
        return EXIT_CODES["internal"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
