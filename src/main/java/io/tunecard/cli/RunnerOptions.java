package io.tunecard.cli;

import io.tunecard.files.BadInputException;
import io.tunecard.pipeline.Runners;
import picocli.CommandLine.Option;

/** Which Beam runner executes a command's pipeline; shared by commands that run stages. */
public final class RunnerOptions {
  @Option(
      names = "--runner",
      paramLabel = "RUNNER",
      description =
          "local (the stage's steps in this JVM, no Beam runner), direct (Beam's DirectRunner)"
              + " or flink (default: direct for ingest, flink for run).")
  String runner;

  @Option(
      names = "--flink-master",
      paramLabel = "HOST:PORT",
      description = "A Flink cluster to run on (implies --runner flink; default [local]).")
  String flinkMaster;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      description = "Workers for the pipeline (default: one per core).")
  int parallelism;

  Runners.Kind kind(Runners.Kind fallback) {
    if (runner != null) {
      try {
        return Runners.Kind.parse(runner);
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
    }
    return flinkMaster != null ? Runners.Kind.FLINK : fallback;
  }

  /** The runner, refusing a Flink master for any other. */
  Runners.Kind checked(Runners.Kind fallback) {
    Runners.Kind kind = kind(fallback);
    if (kind != Runners.Kind.FLINK && flinkMaster != null) {
      throw new BadInputException("--flink-master needs --runner flink");
    }
    return kind;
  }

  String describe(Runners.Kind fallback) {
    Runners.Kind kind = kind(fallback);
    return switch (kind) {
      case LOCAL -> "local (in-process, " + Runners.workers(parallelism) + " threads)";
      case DIRECT -> "Beam DirectRunner";
      case FLINK -> "Flink " + (flinkMaster == null ? Runners.LOCAL : flinkMaster);
    };
  }
}
