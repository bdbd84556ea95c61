"""tunecard's ``hf`` engine: a transformers + PEFT worker behind the worker protocol.

The parent (the JVM) writes a JSON spec (``spec.schema.json``) and runs
``python3 -m tunecard_worker <command> <spec.json>``; this package answers with JSON lines on
stdout (``events.schema.json``) and writes the run-directory artifacts (docs/run-directory.md).
The protocol is described for this engine in docs/worker-protocol-python.md.
"""

PROTOCOL = 1
ENGINE = "hf"
