package io.tunecard.worker;

import static io.tunecard.worker.WorkerFixtures.scripted;
import static io.tunecard.worker.WorkerFixtures.trainSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunecard.files.BadInputException;
import io.tunecard.rundir.RunDirectory;
import io.tunecard.rundir.RunDirectoryLock;
import io.tunecard.worker.ChildFailure.Kind;
import io.tunecard.worker.WorkerFixtures.Recorder;
import io.tunecard.worker.WorkerSupervisor.Options;
import io.tunecard.workflow.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor against real child processes: the scripted JVM worker (the djl engine's contract)
 * crashing, killed by SIGKILL, dying mid-checkpoint, and resuming.
 */
class WorkerSupervisorTest {
  @TempDir static Path shared;
  @TempDir Path tmp;

  /** metrics.jsonl of an uninterrupted run, the reference for every resumed one. */
  private static String uninterruptedMetrics;

  private final Recorder display = new Recorder();
  private final List<WorkerEvent> events = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void runUninterrupted() throws Exception {
    RunDirectory run = new RunDirectory(shared.resolve("run"));
    Recorder rec = new Recorder();
    WorkerOutcome out =
        new WorkerSupervisor(
                run,
                scripted("ok", shared.resolve("state")),
                new Options(0, rec, WorkerListener.none(), true, true))
            .run(trainSpec(run));
    assertThat(out.attempts()).isEqualTo(1);
    uninterruptedMetrics = Files.readString(run.trainMetrics());
  }

  private WorkerSupervisor supervisor(RunDirectory run, WorkerCommand worker, int retries) {
    return new WorkerSupervisor(
        run, worker, new Options(retries, display, (e, child) -> events.add(e), true, true));
  }

  private List<Long> resumedFrom() {
    return events.stream()
        .filter(e -> e.name().equals("started"))
        .map(e -> e.integer("resumed_from"))
        .toList();
  }

  @Test
  void anUninterruptedRunLogsEachRowOnceKeepsTheRightCheckpointsAndFinishes() throws Exception {
    List<String> rows = uninterruptedMetrics.lines().toList();
    assertThat(rows).doesNotHaveDuplicates();
    assertThat(rows.stream().map(l -> Long.parseLong(l.replaceAll("^\\{\"step\":(\\d+),.*", "$1"))))
        .containsExactly(2L, 4L, 5L, 6L, 8L, 10L, 10L, 12L, 14L, 15L, 16L, 18L, 20L, 20L);
    assertThat(uninterruptedMetrics.lines().findFirst().orElseThrow())
        .startsWith("{\"step\":2,\"epoch\":0.2,\"loss\":")
        .contains("\"lr\":2.0E-4,\"grad_norm\":0.5,\"tokens_per_s\":1000.0}");
    assertThat(uninterruptedMetrics).contains("{\"step\":5,\"epoch\":0.5,\"eval_loss\":");
    RunDirectory run = new RunDirectory(shared.resolve("run"));
    TrainingDone done = Checkpoints.finished(run.train()).orElseThrow();
    assertThat(done.finalStep()).isEqualTo(20);
    // keep_last 2 (step-15, step-20) plus the best by eval loss.
    List<Long> kept =
        Checkpoints.scan(run.checkpoints()).complete().stream().map(c -> c.step()).toList();
    assertThat(kept).contains(15L, 20L).hasSizeBetween(2, 3);
    assertThat(kept).contains(Long.parseLong(done.bestCheckpoint().substring(5)));
    assertThat(run.logs().resolve("train-spec.json")).exists();
    assertThat(Files.readString(run.logs().resolve("train.log")))
        .contains("scripted worker: ok, starting after step 0");
  }

  @Test
  void aSigkilledChildIsReportedAndResumedFromTheLastCompleteCheckpoint() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    WorkerSupervisor sup =
        new WorkerSupervisor(
            run,
            scripted("wait@7;ok", tmp.resolve("state")),
            new Options(
                1,
                display,
                (e, child) -> {
                  events.add(e);
                  if (e.name().equals("log") && e.text("message").startsWith("waiting")) {
                    child.destroyForcibly(); // a real SIGKILL, as the OOM killer sends
                  }
                },
                true,
                true));
    WorkerOutcome out = sup.run(trainSpec(run));
    assertThat(out.attempts()).isEqualTo(2);
    assertThat(out.recovered())
        .singleElement()
        .extracting(ChildFailure::kind)
        .isEqualTo(Kind.KILLED_POSSIBLY_OUT_OF_MEMORY);
    assertThat(out.recovered().get(0).summary())
        .contains("signal 9 (SIGKILL)", "possibly out of memory");
    assertThat(resumedFrom()).containsExactly(null, 5L);
    assertThat(display.messages)
        .contains("retrying train (attempt 2 of 2) from checkpoint step-5")
        .anyMatch(m -> m.startsWith("metrics: dropped 1 row(s) after step 5"));
    assertThat(Files.readString(run.trainMetrics())).isEqualTo(uninterruptedMetrics);
    assertThat(out.training().orElseThrow().finalStep()).isEqualTo(20);
  }

  @Test
  void aParentLaggingBehindItsChildAcceptsCheckpointsItHasSinceRemoved() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    WorkerSupervisor sup =
        new WorkerSupervisor(
            run,
            scripted("ok", tmp.resolve("state")),
            new Options(
                0,
                display,
                (e, child) -> {
                  if (e.name().equals("checkpoint") && e.integer("step") == 5) {
                    // The child writes steps 10 to 20 meanwhile; retention then removes some
                    // checkpoints whose events are still unread.
                    child.onExit().join();
                  }
                },
                true,
                true));
    WorkerOutcome out = sup.run(trainSpec(run));
    assertThat(out.training().orElseThrow().finalStep()).isEqualTo(20);
    assertThat(display.messages).anyMatch(m -> m.startsWith("removed checkpoint step-10"));
    assertThat(Files.readString(run.trainMetrics())).isEqualTo(uninterruptedMetrics);
  }

  @Test
  void checkpointsCutShortAreIgnoredReportedAndRemoved() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    WorkerOutcome out =
        supervisor(
                run, scripted("selfkill-marker@10;selfkill-staging@15;ok", tmp.resolve("state")), 2)
            .run(trainSpec(run));
    assertThat(out.attempts()).isEqualTo(3);
    assertThat(resumedFrom()).containsExactly(null, 5L, 10L);
    assertThat(display.messages)
        .contains("ignoring step-10: no COMPLETE marker (incomplete checkpoint); removed")
        .anyMatch(
            m -> m.matches("removing \\.step-15\\.tmp-.* \\(an interrupted checkpoint write\\)"));
    assertThat(Files.readString(run.trainMetrics())).isEqualTo(uninterruptedMetrics);
    try (Stream<Path> left = Files.list(run.checkpoints())) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }
  }

  @Test
  void aCrashIsRetriedThenReportedWithItsStatusAndStderr() {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    assertThatThrownBy(
            () -> supervisor(run, scripted("exit3@3", tmp.resolve("state")), 1).run(trainSpec(run)))
        .isInstanceOf(WorkerFailedException.class)
        .hasMessageContaining("train worker (djl) failed after 2 attempts: exited with status 3")
        .hasMessageContaining("| scripted worker: exiting with status 3 after step 3")
        .hasMessageContaining(run.logs().resolve("train.log").toString());
    assertThat(display.messages).contains("retrying train (attempt 2 of 2) from the start");
  }

  @Test
  void badInputIsNotRetriedAndIsABadInputError() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    assertThatThrownBy(
            () ->
                supervisor(run, scripted("bad_input@2", tmp.resolve("state")), 2)
                    .run(trainSpec(run)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("train worker: dataset/train.jsonl:3: answer: missing");
    try (Stream<Path> attempts = Files.list(tmp.resolve("state"))) {
      assertThat(attempts).hasSize(1);
    }
  }

  @Test
  void aMissingDependencyIsNotRetried() {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    assertThatThrownBy(
            () ->
                supervisor(run, scripted("missing_dep", tmp.resolve("state")), 2)
                    .run(trainSpec(run)))
        .isInstanceOf(WorkerFailedException.class)
        .hasMessageContaining("failed: missing dependency: bitsandbytes is not installed")
        .satisfies(e -> assertThat(((WorkerFailedException) e).attempts()).isEqualTo(1));
  }

  @Test
  void javaOutOfMemoryIsNamedWithTheSettingToRaise() {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    assertThatThrownBy(
            () ->
                supervisor(run, scripted("java_oom@2", tmp.resolve("state")), 0)
                    .run(trainSpec(run)))
        .isInstanceOf(WorkerFailedException.class)
        .hasMessageContaining("the worker JVM ran out of heap")
        .hasMessageContaining("Java heap space")
        .hasMessageContaining("tunecard.worker.xmx")
        .extracting(e -> ((WorkerFailedException) e).failure().kind())
        .isEqualTo(Kind.JAVA_OUT_OF_MEMORY);
  }

  @Test
  void aNativeCrashPointsToTheJvmCrashReport() {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    assertThatThrownBy(
            () ->
                supervisor(run, scripted("native_crash@2", tmp.resolve("state")), 0)
                    .run(trainSpec(run)))
        .isInstanceOf(WorkerFailedException.class)
        .hasMessageContaining("the worker JVM crashed in native code")
        .hasMessageContaining("crash report: " + run.logs().resolve("hs_err_pid"))
        .satisfies(
            e -> {
              ChildFailure f = ((WorkerFailedException) e).failure();
              assertThat(f.kind()).isEqualTo(Kind.NATIVE_CRASH);
              assertThat(f.crashReport()).exists();
            });
  }

  @Test
  void anInternalErrorEventIsReportedWithItsMessage() {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    assertThatThrownBy(
            () ->
                supervisor(run, scripted("internal@4", tmp.resolve("state")), 0)
                    .run(trainSpec(run)))
        .isInstanceOf(WorkerFailedException.class)
        .hasMessageContaining(
            "worker error: java.lang.IllegalStateException: scripted internal failure (status 1)");
  }

  @Test
  void aFinishedTrainingIsNotStartedAgain() {
    RunDirectory run = new RunDirectory(shared.resolve("run"));
    WorkerOutcome out = supervisor(run, WorkerFixtures.bash("garbage"), 0).run(trainSpec(run));
    assertThat(out.alreadyFinished()).isTrue();
    assertThat(out.training().orElseThrow().finalStep()).isEqualTo(20);
    assertThat(display.messages)
        .anyMatch(m -> m.startsWith("training already finished at step 20"));
  }

  @Test
  void aWorkerThatCannotStartIsReported() {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    WorkerCommand missing =
        new WorkerCommand.Exec(
            List.of(tmp.resolve("no-such-python").toString()), java.util.Map.of());
    assertThatThrownBy(() -> supervisor(run, missing, 2).run(trainSpec(run)))
        .isInstanceOf(WorkerFailedException.class)
        .hasMessageContaining("cannot start the worker")
        .hasMessageContaining("no-such-python");
  }

  @Test
  void theFineTunesAndTheBasesGenerateWorkersKeepTheirOwnSpecFileAndLog() {
    RunDirectory run = new RunDirectory(tmp.resolve("gen"));
    Workflow w = WorkerFixtures.workflow();
    Path questions = run.eval().resolve(".questions.jsonl");
    WorkerSpec tuned =
        WorkerSpecs.generate(
            w, run, run.checkpoint(4), questions, run.eval().resolve(".hf-generations"));
    WorkerSpec base =
        WorkerSpecs.generate(w, run, null, questions, run.eval().resolve(".hf-generations-base"));
    // Both run at once in the hf evaluation: one spec file would hand both workers one model.
    assertThat(WorkerSupervisor.logStem(tuned)).isEqualTo("generate-hf-generations");
    assertThat(WorkerSupervisor.logStem(base)).isEqualTo("generate-hf-generations-base");
    assertThat(WorkerSupervisor.logStem(WorkerFixtures.trainSpec(run))).isEqualTo("train");
  }

  @Test
  void twoTrainingsOfOneRunNeverOverlap() throws Exception {
    RunDirectory run = new RunDirectory(tmp.resolve("run"));
    CountDownLatch waiting = new CountDownLatch(1);
    ProcessHandle[] child = new ProcessHandle[1];
    WorkerSupervisor first =
        new WorkerSupervisor(
            run,
            WorkerFixtures.scripted("wait@3", tmp.resolve("state-1")),
            new Options(
                0,
                ProgressDisplay.silent(),
                (e, c) -> {
                  if (e.name().equals("log")) {
                    child[0] = c;
                    waiting.countDown();
                  }
                },
                true,
                true));
    CompletableFuture<Throwable> running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                first.run(WorkerFixtures.trainSpec(run));
                return null;
              } catch (RuntimeException e) {
                return e;
              }
            });
    assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
    WorkerSupervisor second =
        new WorkerSupervisor(
            run,
            WorkerFixtures.scripted("ok", tmp.resolve("state-2")),
            new Options(0, ProgressDisplay.silent(), WorkerListener.none(), true, true));
    assertThatThrownBy(() -> second.run(WorkerFixtures.trainSpec(run)))
        .isInstanceOf(RunDirectoryLock.LockedException.class)
        .hasMessageContaining("another training of " + run.root() + " is already running");
    child[0].destroyForcibly();
    assertThat(running.get(30, TimeUnit.SECONDS)).isInstanceOf(WorkerFailedException.class);
    assertThat(second.run(WorkerFixtures.trainSpec(run)).training()).isPresent();
    assertThat(List.of(tmp.resolve("state-2").toFile().list())).hasSize(1);
  }
}
