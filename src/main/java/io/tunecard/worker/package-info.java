/**
 * The worker protocol (docs/worker-protocol.md): the parent side that builds and validates a {@link
 * io.tunecard.worker.WorkerSpec}, launches a child ({@link io.tunecard.worker.WorkerCommand}) and
 * supervises it ({@link io.tunecard.worker.WorkerSupervisor}); the JVM child side ({@link
 * io.tunecard.worker.WorkerMain}, {@link io.tunecard.worker.EventWriter}); and what both share
 * (checkpoints, DONE.json, the schemas). No Beam, no DJL, no stage: both engines and every stage
 * may use it.
 */
package io.tunecard.worker;
