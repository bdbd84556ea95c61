package io.tunecard.worker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.files.Jsonl;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The child's side of the event stream: one JSON object per line on stdout, flushed at once, each
 * checked against {@code events.schema.json} before it leaves (an engine bug shows here, not as a
 * protocol error in the parent). Numbers must be finite: a NaN loss is a failure to report, not a
 * value to log. Thread-safe.
 */
public final class EventWriter {
  /** The {@code kind} of an {@code error} event. */
  public enum ErrorKind {
    /** The input is wrong (a file, a value); not retried, tunecard exits with status 2. */
    BAD_INPUT("bad_input"),
    /** Host or device memory ran out. */
    OUT_OF_MEMORY("out_of_memory"),
    /** A library the engine needs is not installed (e.g. bitsandbytes); not retried. */
    MISSING_DEPENDENCY("missing_dependency"),
    /** Anything else. */
    INTERNAL("internal");

    private final String wire;

    ErrorKind(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public static ErrorKind fromWire(String wire) {
      for (ErrorKind k : values()) {
        if (k.wire.equals(wire)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown error kind '" + wire + "'");
    }
  }

  /** One logged training step; null fields are left out of the event. */
  public record StepMetrics(
      long step,
      double epoch,
      Double loss,
      Double lr,
      Double gradNorm,
      Double tokensPerS,
      Double evalLoss) {

    /** An evaluation row: step, epoch and eval_loss only. */
    public static StepMetrics eval(long step, double epoch, double evalLoss) {
      return new StepMetrics(step, epoch, null, null, null, null, evalLoss);
    }
  }

  /** One scored model of an {@code eval_loss} event; a null checkpoint is the base model. */
  public record EvalLossResult(String checkpoint, double loss, long tokens) {}

  private final OutputStream out;
  private boolean doneSent;

  public EventWriter(OutputStream out) {
    this.out = out;
  }

  public void started(String engine, String device, Long totalSteps, Long resumedFrom) {
    ObjectNode e = event("started");
    e.put("engine", engine);
    e.put("device", device);
    e.put("pid", ProcessHandle.current().pid());
    e.put("total_steps", totalSteps);
    e.put("resumed_from", resumedFrom);
    emit(e);
  }

  /** Progress of a phase; send it at most every second or so, the parent draws the bar. */
  public void progress(
      String phase, long done, long total, String label, Double loss, Double tokensPerS) {
    ObjectNode e = event("progress");
    e.put("phase", phase);
    e.put("done", done);
    e.put("total", total);
    if (label != null) {
      e.put("label", label);
    }
    e.put("loss", finite("loss", loss));
    e.put("tokens_per_s", finite("tokens_per_s", tokensPerS));
    emit(e);
  }

  /** A metrics row; send step N's rows before writing checkpoint N (resume keeps rows <= N). */
  public void metrics(StepMetrics m) {
    ObjectNode e = event("metrics");
    e.put("step", m.step());
    e.put("epoch", finite("epoch", m.epoch()));
    putIfPresent(e, "loss", m.loss());
    putIfPresent(e, "lr", m.lr());
    putIfPresent(e, "grad_norm", m.gradNorm());
    putIfPresent(e, "tokens_per_s", m.tokensPerS());
    putIfPresent(e, "eval_loss", m.evalLoss());
    emit(e);
  }

  /** Sent after {@code path} is complete (its COMPLETE marker written and renamed into place). */
  public void checkpoint(long step, Path path, Double evalLoss) {
    ObjectNode e = event("checkpoint");
    e.put("step", step);
    e.put("path", path.toAbsolutePath().toString());
    e.put("eval_loss", finite("eval_loss", evalLoss));
    emit(e);
  }

  public void evalLoss(List<EvalLossResult> results) {
    ObjectNode e = event("eval_loss");
    ArrayNode list = e.putArray("results");
    for (EvalLossResult r : results) {
      ObjectNode o = list.addObject();
      o.put("checkpoint", r.checkpoint());
      o.put("loss", finite("loss", r.loss()));
      o.put("tokens", r.tokens());
    }
    emit(e);
  }

  /** A line for the user's console ({@code debug} goes to the log file only). */
  public void log(String level, String message) {
    ObjectNode e = event("log");
    e.put("level", level);
    e.put("message", message);
    emit(e);
  }

  public void error(ErrorKind kind, String message) {
    ObjectNode e = event("error");
    e.put("kind", kind.wire());
    e.put("message", message);
    emit(e);
  }

  /** The last event of a successful run; for train, after DONE.json is written. */
  public void done(Long finalStep, Double finalLoss, String bestCheckpoint, List<String> outputs) {
    ObjectNode e = event("done");
    e.put("final_step", finalStep);
    e.put("final_loss", finite("final_loss", finalLoss));
    e.put("best_checkpoint", bestCheckpoint);
    ArrayNode list = e.putArray("outputs");
    outputs.forEach(list::add);
    emit(e);
  }

  /**
   * Writes one event after checking it against the events schema.
   *
   * @throws IllegalArgumentException when the event does not match the schema
   */
  public synchronized void emit(ObjectNode event) {
    List<String> violations = WorkerEvent.SCHEMA.violations(event);
    if (!violations.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid worker event " + event + ": " + String.join("; ", violations));
    }
    try {
      out.write((Jsonl.write(event) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to the parent (stdout closed?)", e);
    }
    if (event.get("event").asText().equals("done")) {
      doneSent = true;
    }
  }

  public synchronized boolean doneSent() {
    return doneSent;
  }

  private static ObjectNode event(String name) {
    return Jsonl.MAPPER.createObjectNode().put("event", name);
  }

  private static void putIfPresent(ObjectNode e, String key, Double value) {
    if (value != null) {
      e.put(key, finite(key, value));
    }
  }

  private static Double finite(String key, Double value) {
    if (value != null && !Double.isFinite(value)) {
      throw new IllegalArgumentException(
          key + " is " + value + "; JSON has no such number (report a diverged run as an error)");
    }
    return value;
  }
}
