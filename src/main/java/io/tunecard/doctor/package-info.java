/**
 * {@code tunecard doctor}: whether this host has what a run of a workflow needs, checked in the
 * order a run needs it, with one fix per missing thing. The hf engine's half is the worker's own
 * report ({@code python -m tunecard_worker doctor --json}, read by {@link
 * io.tunecard.worker.PythonReport}), so the Python requirements are declared once, in the worker
 * package.
 */
package io.tunecard.doctor;
