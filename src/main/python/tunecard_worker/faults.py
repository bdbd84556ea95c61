"""Crash tests of the hf worker, as the JVM engine's FaultInjection: armed by an environment
variable ``<step>:<token file>`` and fired once (the token file is deleted first, so the worker the
parent restarts runs through). Without the variable nothing happens.

``TUNECARD_FAULT_HOLD_AFTER_ROW``: after the training ``metrics`` row of ``<step>`` (before that
step's evaluation and checkpoint) the worker waits to be killed, so a parent that kills it once the
token is gone always kills it at the same point, however slowly it looks.
"""

import os
import sys
import time

HOLD = "TUNECARD_FAULT_HOLD_AFTER_ROW"
WAIT_S = 60


def after_training_row(step: int) -> None:
    if not _fires(HOLD, step):
        return
    print(f"fault injection: holding after step {step}'s row until killed", file=sys.stderr,
          flush=True)
    time.sleep(WAIT_S)
    raise RuntimeError("fault injection: the held worker was not killed")


def _fires(variable: str, step: int) -> bool:
    """Whether ``variable`` names ``step`` and its token file was there (now deleted)."""
    value = os.environ.get(variable)
    if not value:
        return False
    at, _, token = value.partition(":")
    if int(at) != step:
        return False
    try:
        os.remove(token)
    except FileNotFoundError:
        return False
    return True
