package io.tunecard.worker;

import io.tunecard.worker.Checkpoints.Checkpoint;
import io.tunecard.worker.WorkerEvent.ProtocolException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One child process: started, its stdout read as events, its stderr copied to the log, its death
 * classified. Events after {@code done} are not acted on; a child that breaks the protocol gets a
 * short grace period to die by itself (a JVM crash banner is printed on stdout just before the JVM
 * exits) before it is killed.
 *
 * <p>Longer than most files: the reading loop, the event handlers and the observation of the death
 * share one attempt's state, and reading them together is how the protocol is checked.
 */
final class Attempt {
  /** How long a child that broke the protocol may take to exit by itself. */
  static final long PROTOCOL_GRACE_MS = 2_000;

  /** How long a child may take to exit after its done event. */
  static final long EXIT_AFTER_DONE_MS = 60_000;

  private static final int MAX_STRAY_LINES = 40;

  /** What the attempt ended with: a done event, or a failure. */
  record Result(WorkerEvent done, ChildFailure failure, int exitCode) {}

  private final WorkerSpec spec;
  private final Path specFile;
  private final WorkerCommand worker;
  private final Path logs;
  private final ChildLog log;
  private final Path metricsFile;
  private final WorkerSupervisor.Options options;
  private final Consumer<String> report;

  private MetricsLog metrics;
  private WorkerEvent done;
  private String errorKind;
  private String errorMessage;
  private String protocolError;
  private final List<String> stray = new ArrayList<>();
  private final Set<Long> removed = new HashSet<>();
  private final AtomicBoolean killedByParent = new AtomicBoolean();

  Attempt(
      WorkerSpec spec,
      Path specFile,
      WorkerCommand worker,
      Path logs,
      ChildLog log,
      Path metricsFile,
      WorkerSupervisor.Options options,
      Consumer<String> report) {
    this.spec = spec;
    this.specFile = specFile;
    this.worker = worker;
    this.logs = logs;
    this.log = log;
    this.metricsFile = metricsFile;
    this.options = options;
    this.report = report;
  }

  /**
   * Runs the child to its end.
   *
   * @param resumeStep the checkpoint step the child should resume from (0: none)
   * @throws IOException when the child cannot be started at all
   */
  Result run(long resumeStep) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(worker.argv(spec.command(), specFile, logs));
    pb.environment().putAll(worker.environment());
    pb.directory(logs.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    p.getOutputStream().close();
    log.note("started pid " + p.pid() + ": " + commandLine(pb.command()));
    Thread hook = new Thread(() -> stop(p, 5_000), "tunecard-worker-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Thread pump = new Thread(() -> pumpStderr(p), "tunecard-worker-stderr-" + p.pid());
    pump.setDaemon(true);
    pump.start();
    try {
      readEvents(p, resumeStep);
      p.waitFor();
      pump.join(5_000);
    } catch (IOException | InterruptedException | RuntimeException e) {
      // The parent cannot follow this child any more (a full disk, an interrupt): stop it.
      log.note("stopping pid " + p.pid() + ": " + e);
      stop(p, 5_000);
      throw e;
    } finally {
      if (metrics != null) {
        metrics.close();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or will run; it stops the child.
      }
      options.display().finish();
    }
    int code = p.exitValue();
    log.note("pid " + p.pid() + " exited with status " + code);
    if (done != null) {
      if (code != 0) {
        report.accept(
            spec.command() + " worker exited with status " + code + " after its done event");
      }
      return new Result(done, null, code);
    }
    Path crash = crashReport(p.pid());
    ChildFailure failure =
        ChildFailure.classify(
            new ChildFailure.Observation(
                code,
                errorKind,
                errorMessage,
                protocolError,
                killedByParent.get(),
                List.copyOf(stray),
                log.tail(),
                crash));
    return new Result(null, failure, code);
  }

  private void readEvents(Process p, long resumeStep) throws IOException {
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = out.readLine()) != null) {
        n++;
        if (protocolError != null || done != null) {
          if (stray.size() < MAX_STRAY_LINES) {
            stray.add(line);
          }
          log.note("stdout: " + line);
          continue;
        }
        if (line.isBlank()) {
          continue;
        }
        try {
          WorkerEvent e = WorkerEvent.parse(line);
          handle(e, resumeStep);
          options.listener().onEvent(e, p.toHandle());
          if (done != null) {
            stopLater(p, EXIT_AFTER_DONE_MS, false);
          }
        } catch (ProtocolException e) {
          protocolError = "stdout line " + n + ": " + e.getMessage();
          log.note("protocol error: " + protocolError);
          stray.add(line);
          stopLater(p, PROTOCOL_GRACE_MS, true);
        }
      }
    }
  }

  private void handle(WorkerEvent e, long resumeStep) {
    switch (e.name()) {
      case "started" -> started(e, resumeStep);
      case "progress" -> options.display().progress(ProgressDisplay.Progress.of(e));
      case "metrics" -> {
        if (metricsFile == null) {
          log.note("metrics event ignored (this command keeps no metrics file): " + e.json());
        } else {
          if (metrics == null) {
            metrics = MetricsLog.open(metricsFile);
          }
          metrics.append(e.json());
        }
      }
      case "checkpoint" -> checkpoint(e);
      case "eval_loss" ->
          e.json()
              .path("results")
              .forEach(
                  r ->
                      report.accept(
                          "eval loss of "
                              + (r.path("checkpoint").isTextual()
                                  ? Path.of(r.get("checkpoint").asText()).getFileName()
                                  : "the base model")
                              + ": "
                              + r.path("loss").asText()
                              + " over "
                              + r.path("tokens").asText()
                              + " tokens"));
      case "log" -> {
        log.note("worker " + e.text("level") + ": " + e.text("message"));
        if (!"debug".equals(e.text("level"))) {
          report.accept(("warn".equals(e.text("level")) ? "warning: " : "") + e.text("message"));
        }
      }
      case "error" -> {
        errorKind = e.text("kind");
        errorMessage = e.text("message");
        log.note("worker error (" + errorKind + "): " + errorMessage);
      }
      case "done" -> done = e;
      default -> throw new ProtocolException("unhandled event " + e.name());
    }
  }

  private void started(WorkerEvent e, long resumeStep) {
    Long resumed = e.integer("resumed_from");
    Long total = e.integer("total_steps");
    report.accept(
        spec.command()
            + " worker started: "
            + e.text("engine")
            + " on "
            + e.text("device")
            + ", pid "
            + e.integer("pid")
            + (total == null ? "" : ", " + total + " steps")
            + (resumed == null ? "" : ", resuming from step-" + resumed));
    long from = resumed == null ? 0 : resumed;
    if (spec.command() == Command.TRAIN && from != resumeStep) {
      report.accept(
          "warning: the worker resumes from step "
              + from
              + ", the last complete checkpoint is step "
              + resumeStep);
      if (from < resumeStep && metricsFile != null) {
        MetricsLog.truncateAfter(metricsFile, from, report);
      }
    }
  }

  private void checkpoint(WorkerEvent e) {
    long step = e.integer("step");
    Checkpoint c = new Checkpoint(step, Path.of(e.text("path")));
    // A parent that lags behind its child may already have removed this one by retention.
    String problem = removed.contains(step) ? null : Checkpoints.incompleteReason(c);
    if (problem != null) {
      throw new ProtocolException(
          "checkpoint event for step " + step + ", but " + c.path() + " has " + problem);
    }
    Double evalLoss = e.number("eval_loss");
    report.accept(
        "checkpoint "
            + c.name()
            + " saved"
            + (evalLoss == null ? "" : String.format(" (eval loss %.4f)", evalLoss)));
    if (spec.command() == Command.TRAIN && options.retention() && spec.keepLast() > 0) {
      Checkpoints.retain(spec.checkpointsDir(), spec.keepLast(), report)
          .forEach(r -> removed.add(r.step()));
    }
  }

  private void pumpStderr(Process p) {
    try (BufferedReader err =
        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = err.readLine()) != null) {
        log.stderr(line);
      }
    } catch (IOException | UncheckedIOException e) {
      log.note("stderr of pid " + p.pid() + " could not be read to the end: " + e.getMessage());
    }
  }

  /** Kills the child (and its descendants) if it is still alive after {@code millis}. */
  private void stopLater(Process p, long millis, boolean markKilled) {
    Thread t =
        new Thread(
            () -> {
              try {
                if (!p.waitFor(millis, TimeUnit.MILLISECONDS)) {
                  killedByParent.set(markKilled);
                  log.note("pid " + p.pid() + " did not exit within " + millis + " ms; killing it");
                  p.descendants().forEach(ProcessHandle::destroyForcibly);
                  p.destroyForcibly();
                }
              } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
              }
            },
            "tunecard-worker-deadline");
    t.setDaemon(true);
    t.start();
  }

  /** Asks the child to stop (SIGTERM), then kills it; for a parent that is shutting down. */
  private static void stop(Process p, long millis) {
    if (!p.isAlive()) {
      return;
    }
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (!p.waitFor(millis, TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The command line for the log, with a class path shortened to its entry count. */
  private static String commandLine(List<String> argv) {
    List<String> shown = new ArrayList<>(argv);
    int cp = shown.indexOf("-cp");
    if (cp >= 0 && cp + 1 < shown.size()) {
      shown.set(
          cp + 1,
          "<"
              + shown.get(cp + 1).split(java.io.File.pathSeparator).length
              + " class path entries>");
    }
    return String.join(" ", shown);
  }

  /** The JVM crash report of {@code pid}, in the logs folder (-XX:ErrorFile) or elsewhere. */
  private Path crashReport(long pid) {
    String name = "hs_err_pid" + pid + ".log";
    for (Path dir : List.of(logs, Path.of("").toAbsolutePath())) {
      Path f = dir.resolve(name);
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    return null;
  }
}
