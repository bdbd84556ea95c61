package io.tunecard.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.rundir.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child-side harness: arguments, spec checks, and failures turned into error events. */
class WorkerMainTest {
  @TempDir Path tmp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private Path spec() {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    Path file = run.logs().resolve("train-spec.json");
    WorkerFixtures.trainSpec(run).write(file);
    return file;
  }

  private int run(WorkerMain.Task task, String... args) {
    return WorkerMain.run(args, task, new EventWriter(out));
  }

  private WorkerEvent lastEvent() {
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    return WorkerEvent.parse(lines[lines.length - 1]);
  }

  @Test
  void aTaskThatEndsWithDoneExitsZero() {
    int status =
        run((spec, events) -> events.done(null, null, null, List.of()), "train", spec().toString());
    assertThat(status).isZero();
    assertThat(lastEvent().name()).isEqualTo("done");
  }

  @Test
  void wrongArgumentsAndAMismatchedSpecAreBadInput() {
    assertThat(run((s, e) -> {}, "train")).isEqualTo(WorkerMain.EXIT_BAD_INPUT);
    assertThat(lastEvent().text("kind")).isEqualTo("bad_input");
    assertThat(lastEvent().text("message")).startsWith("usage:");
    assertThat(run((s, e) -> {}, "generate", spec().toString())).isEqualTo(2);
    assertThat(lastEvent().text("message")).contains("the spec is for 'train', not 'generate'");
    assertThat(run((s, e) -> {}, "fly", spec().toString())).isEqualTo(2);
    assertThat(lastEvent().text("message")).contains("command: expected one of");
    assertThat(run((s, e) -> {}, "train", tmp.resolve("nope.json").toString())).isEqualTo(2);
    assertThat(lastEvent().text("message")).contains("nope.json: worker spec not found");
  }

  @Test
  void failuresBecomeErrorEventsOfTheirKind() {
    assertThat(run((s, e) -> {}, "train", spec().toString())).isEqualTo(1);
    assertThat(lastEvent().text("message")).isEqualTo("the worker ended without a done event");
    assertThat(
            run(
                (s, e) -> {
                  throw WorkerException.missingDependency("bitsandbytes is not installed");
                },
                "train",
                spec().toString()))
        .isEqualTo(1);
    assertThat(lastEvent().text("kind")).isEqualTo("missing_dependency");
    assertThat(
            run(
                (s, e) -> {
                  throw new ArithmeticException("boom");
                },
                "train",
                spec().toString()))
        .isEqualTo(1);
    assertThat(lastEvent().text("kind")).isEqualTo("internal");
    assertThat(lastEvent().text("message")).isEqualTo("java.lang.ArithmeticException: boom");
  }
}
