"""The worker's side of the JSON-lines protocol: one event object per stdout line, flushed."""

import json
import math
import os
import sys

# Exit codes of the worker process, by error kind (0 after `done`).
EXIT_CODES = {"internal": 1, "bad_input": 2, "missing_dependency": 2, "out_of_memory": 3}


class WorkerError(Exception):
    """An error the worker reports as an `error` event of the given kind, then exits."""

    def __init__(self, kind: str, message: str):
        if kind not in EXIT_CODES:
            raise ValueError(f"unknown error kind {kind}")
        super().__init__(message)
        self.kind = kind
        self.message = message


def claim_stdout():
    """Keeps the real stdout for events and points fd 1 (and sys.stdout) at stderr.

    Libraries and native code sometimes print to stdout; anything that is not an event line is a
    protocol error for the parent, so only the returned stream may write to the real stdout.
    """
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(events_fd, "w", encoding="utf-8", buffering=1)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        raise WorkerError("internal", f"a non-finite number ({value}) cannot be sent as JSON")
    return value


class Events:
    """Writes protocol events; every line is flushed at once so the parent sees it live."""

    def __init__(self, stream):
        self._out = stream

    def emit(self, event: str, **fields) -> None:
        obj = {"event": event}
        obj.update({k: _finite(v) for k, v in fields.items()})
        self._out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._out.flush()

    def log(self, message: str, level: str = "info") -> None:
        print(message, file=sys.stderr, flush=True)
        self.emit("log", level=level, message=message)

    def progress(self, phase: str, done: int, total: int, **extra) -> None:
        self.emit("progress", phase=phase, done=done, total=total, **extra)


class NullEvents(Events):
    """Swallows events (the benchmark drives the training loop without a parent)."""

    def __init__(self):
        super().__init__(None)

    def emit(self, event: str, **fields) -> None:
        pass
