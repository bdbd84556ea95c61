package io.tunecard.worker;

import io.tunecard.files.AtomicFiles;
import io.tunecard.files.BadInputException;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.worker.Checkpoints.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs a worker child for one spec and sees it through: writes the spec to {@code
 * logs/<command>-spec.json}, holds the run's training lock, streams progress to the console and
 * {@code metrics} events into metrics.jsonl, copies stderr to {@code logs/<command>.log}, and
 * reports a death precisely.
 *
 * <p><b>Resume and retry.</b> Before every launch of {@code train} (the first one too), incomplete
 * checkpoints and temporary directories are removed and reported, and metrics rows after the last
 * complete checkpoint are dropped. The child always resumes by itself from the last complete
 * checkpoint when one exists; there is no flag to ask for it. A crashed child (a signal, an exit,
 * out of memory, an internal error) is started again up to {@code retries} times; bad input ({@code
 * error} kind {@code bad_input}) ends at once with a {@link BadInputException} (tunecard exits with
 * status 2), a missing dependency or a protocol error with a {@link WorkerFailedException}. A
 * training whose {@code DONE.json} is trusted (see {@link Checkpoints#finished}) is not started
 * again, so a retried Beam bundle skips it.
 */
public final class WorkerSupervisor {

  /**
   * How to supervise.
   *
   * @param retries restarts after a crash (the workflow's {@code train.retries})
   * @param lock take the run's training lock ({@code train/.lock}, {@link
   *     RunDirectoryLock#training}) for pretrain and train
   * @param retention apply {@link Checkpoints#retain} after each checkpoint of train
   */
  public record Options(
      int retries,
      ProgressDisplay display,
      WorkerListener listener,
      boolean lock,
      boolean retention) {
    public Options {
      if (retries < 0) {
        throw new IllegalArgumentException("retries: expected >= 0, found " + retries);
      }
    }

    /** No retry, console progress on stderr, lock and retention on. */
    public static Options defaults() {
      return new Options(0, ConsoleProgress.stderr(), WorkerListener.none(), true, true);
    }

    public Options withRetries(int n) {
      return new Options(n, display, listener, lock, retention);
    }

    public Options withDisplay(ProgressDisplay d) {
      return new Options(retries, d, listener, lock, retention);
    }

    public Options withListener(WorkerListener l) {
      return new Options(retries, display, l, lock, retention);
    }
  }

  private final RunDirectory run;
  private final WorkerCommand worker;
  private final Options options;

  public WorkerSupervisor(RunDirectory run, WorkerCommand worker, Options options) {
    this.run = run;
    this.worker = worker;
    this.options = options;
  }

  /**
   * Runs {@code spec} to completion.
   *
   * @throws BadInputException when the child reports bad input
   * @throws WorkerFailedException when it fails for good
   * @throws RunDirectoryLock.LockedException when another training of this run is running
   */
  public WorkerOutcome run(WorkerSpec spec) {
    Command command = spec.command();
    RunDirectoryLock lock =
        options.lock() && command.trains() ? RunDirectoryLock.training(run) : null;
    Path specFile = run.logs().resolve(logStem(spec) + "-spec.json");
    try (ChildLog log = ChildLog.open(run.logs().resolve(logStem(spec) + ".log"))) {
      Consumer<String> report =
          line -> {
            log.note(line);
            options.display().message(line);
          };
      spec.write(specFile);
      return supervise(spec, specFile, log, report);
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }

  /**
   * {@code <command>}, the name of the worker's spec file and log in {@code logs/}; a {@code
   * generate} worker's also names its output folder, because the hf evaluation runs one per model
   * at the same time (the fine-tune's and the base's), which must not share a spec file.
   */
  static String logStem(WorkerSpec spec) {
    String stem = spec.command().wire();
    if (spec.command() == Command.GENERATE) {
      stem += "-" + spec.outputDir().getFileName().toString().replaceFirst("^\\.+", "");
    }
    return stem;
  }

  private WorkerOutcome supervise(
      WorkerSpec spec, Path specFile, ChildLog log, Consumer<String> report) {
    Command command = spec.command();
    if (command == Command.TRAIN) {
      Optional<TrainingDone> finished = Checkpoints.finished(spec.outputDir());
      if (finished.isPresent()) {
        report.accept(
            "training already finished at step "
                + finished.get().finalStep()
                + " ("
                + spec.outputDir().resolve(TrainingDone.FILE)
                + "); not starting it again");
        return new WorkerOutcome(command, null, 0, List.of(), finished);
      }
    }
    Path metricsFile = metricsFile(command);
    List<ChildFailure> failures = new ArrayList<>();
    int attempts = options.retries() + 1;
    for (int attempt = 1; ; attempt++) {
      long resume = 0;
      if (command == Command.TRAIN) {
        resume =
            Checkpoints.prepareResume(spec.checkpointsDir(), report)
                .map(Checkpoint::step)
                .orElse(0L);
      }
      if (metricsFile != null) {
        MetricsLog.truncateAfter(metricsFile, resume, report);
      }
      if (attempt > 1) {
        report.accept(
            "retrying "
                + command
                + " (attempt "
                + attempt
                + " of "
                + attempts
                + ")"
                + (command != Command.TRAIN
                    ? ""
                    : resume > 0 ? " from checkpoint step-" + resume : " from the start"));
      }
      log.newAttempt("attempt " + attempt + " of " + attempts);
      Attempt.Result result;
      try {
        result =
            new Attempt(spec, specFile, worker, run.logs(), log, metricsFile, options, report)
                .run(resume);
      } catch (IOException e) {
        ChildFailure f = ChildFailure.notStarted("cannot start the worker: " + e.getMessage());
        throw new WorkerFailedException(command, spec.engine(), f, attempt, log.file());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while supervising the " + command + " worker");
      }
      if (result.done() != null) {
        return finish(spec, result, attempt, failures, log);
      }
      ChildFailure f = result.failure();
      failures.add(f);
      report.accept(command + " worker failed: " + f.summary());
      if (f.kind() == ChildFailure.Kind.BAD_INPUT) {
        throw new BadInputException(
            command + " worker: " + f.summary() + " (log: " + log.file() + ")");
      }
      if (!f.retryable() || attempt >= attempts) {
        throw new WorkerFailedException(command, spec.engine(), f, attempt, log.file());
      }
    }
  }

  private WorkerOutcome finish(
      WorkerSpec spec,
      Attempt.Result result,
      int attempt,
      List<ChildFailure> failures,
      ChildLog log) {
    Command command = spec.command();
    Optional<TrainingDone> training = Optional.empty();
    if (command == Command.TRAIN) {
      training = Checkpoints.finished(spec.outputDir());
      if (training.isEmpty()) {
        ChildFailure f =
            new ChildFailure(
                ChildFailure.Kind.PROTOCOL,
                "protocol error: the worker sent done, but "
                    + spec.outputDir().resolve(TrainingDone.FILE)
                    + " is missing or names a checkpoint that is not complete",
                result.exitCode(),
                null,
                null,
                log.tail());
        throw new WorkerFailedException(command, spec.engine(), f, attempt, log.file());
      }
    } else if (command == Command.PRETRAIN) {
      Path rows = metricsFile(command);
      if (Files.isRegularFile(rows)) {
        try {
          AtomicFiles.writeBytes(
              spec.outputDir().resolve("metrics.jsonl"), Files.readAllBytes(rows));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot copy the pre-training metrics", e);
        }
      }
    }
    return new WorkerOutcome(command, result.done(), attempt, failures, training);
  }

  /**
   * Where metrics rows go: {@code train/metrics.jsonl} for train; for pretrain a file in logs/,
   * copied into the base directory once it is complete (the child creates that directory whole).
   */
  private Path metricsFile(Command command) {
    return switch (command) {
      case TRAIN -> run.trainMetrics();
      case PRETRAIN -> run.logs().resolve("pretrain-metrics.jsonl");
      default -> null;
    };
  }
}
