package io.tunecard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.pipeline.Runners;
import io.tunecard.testing.SessionCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.flink.api.common.ExecutionMode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 2 of docs/flink.md: a TaskManager SIGKILLed while a job runs on a real session cluster
 * (separate JVMs). The job recovers and every question's answer is written exactly once, though
 * some were computed twice; with tunecard's blocking exchanges training does not run again, where
 * Flink's default (pipelined) exchanges would restart the whole job. The job has the evaluation
 * stage's shape ({@link WorkerJobs#failover}); the same check on {@code tunecard run} itself is
 * {@code io.tunecard.cli.EvaluationFailoverTest}.
 */
@Tag("cluster")
@ExtendWith(SessionCluster.class)
class TaskManagerFailoverTest {
  static final int QUESTIONS = 60;
  static final long MILLIS = 250;

  /** The JVM's session cluster, with two live TaskManagers at the start of each test. */
  private final LocalFlinkCluster cluster;

  @TempDir Path tmp;

  TaskManagerFailoverTest(LocalFlinkCluster cluster) {
    this.cluster = cluster;
  }

  @Test
  void killingTheTaskManagerThatDidNotTrainRestartsOnlyEvaluation() throws Exception {
    // No replacement: the survivor's one slot runs the restarted tasks after its own, which
    // blocking exchanges allow (each task is its own region and needs only one slot).
    Outcome o = runAndKill(false, false, FlinkSubmission.EXECUTION_MODE);
    assertThat(o.trainLog()).as("training ran once and was not retried").hasSize(1);
    assertExactlyOnce(o);
  }

  @Test
  void killingTheTaskManagerThatTrainedRerunsTrainingWhichSkips() throws Exception {
    Outcome o = runAndKill(true, true, FlinkSubmission.EXECUTION_MODE);
    // The checkpoint's path was lost with the TaskManager that produced it, so Flink reruns the
    // training task; the training step finds its checkpoint COMPLETE and does not train again.
    assertThat(o.trainLog()).hasSize(2);
    assertThat(o.trainLog().get(0)).startsWith("trained");
    assertThat(o.trainLog().get(1)).startsWith("skipped");
    assertExactlyOnce(o);
  }

  @Test
  void withPipelinedExchangesTheSameFailureRestartsTraining() throws Exception {
    // Flink's default for DataSet jobs: one pipelined region, so the whole job restarts.
    Outcome o = runAndKill(false, true, ExecutionMode.PIPELINED);
    assertThat(o.trainLog()).hasSize(2);
    assertThat(o.trainLog().get(1)).startsWith("skipped");
    assertExactlyOnce(o);
  }

  record Outcome(
      List<String> trainLog, List<String> output, List<String> attempts, List<String> failures) {}

  private Outcome runAndKill(boolean killTrainer, boolean replace, ExecutionMode mode)
      throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    PipelineOptions options = Runners.options(Runners.Kind.FLINK, cluster.restAddress(), 2);
    options.as(FlinkPipelineOptions.class).setExecutionModeForBatch(mode.name());
    Pipeline p = Pipeline.create(options);
    WorkerJobs.failover(p, work, QUESTIONS, MILLIS);
    CompletableFuture<PipelineResult.State> job =
        CompletableFuture.supplyAsync(() -> p.run().waitUntilFinish());

    // Wait until both TaskManagers answer questions, a quarter of them done.
    awaitTrue(() -> attempts(work).size() >= QUESTIONS / 4 && trainers(work).size() == 1);
    long trainer = Long.parseLong(trainers(work).get(0).split(" ")[1]);
    FlinkProcess victim =
        cluster.taskManagers().stream()
            .filter(tm -> (tm.pid() == trainer) == killTrainer)
            .findFirst()
            .orElseThrow();
    awaitTrue(() -> attempts(work).stream().anyMatch(a -> a.contains("-" + victim.pid() + "-")));
    int answered = attempts(work).size();
    long before = System.nanoTime();
    cluster.kill(victim);
    if (replace) {
      // A supervisor (or a person) replaces the lost machine; its slot joins the job.
      cluster.startTaskManager();
    }
    assertThat(job.get(5, TimeUnit.MINUTES)).isEqualTo(PipelineResult.State.DONE);
    System.out.printf(
        "%s: killed %s (pid %d, %s) with %d of %d questions answered, %s; job done %.1f s later%n",
        mode,
        victim.id(),
        victim.pid(),
        killTrainer ? "it trained" : "it did not train",
        answered,
        QUESTIONS,
        replace ? "replaced it" : "no replacement",
        (System.nanoTime() - before) / 1e9);
    String jobId =
        cluster.rest().jobs().stream()
            .max(Comparator.comparingLong(FlinkRest.Job::startTime))
            .orElseThrow()
            .id();
    return new Outcome(
        Files.readAllLines(work.resolve(WorkerJobs.TRAIN_LOG)),
        Files.readAllLines(work.resolve(WorkerJobs.OUTPUT)),
        attempts(work),
        cluster.rest().failures(jobId));
  }

  private static void assertExactlyOnce(Outcome o) {
    Map<Long, Long> perId =
        o.output().stream().collect(Collectors.groupingBy(WorkerJobs::id, Collectors.counting()));
    assertThat(perId.keySet())
        .containsExactlyInAnyOrderElementsOf(
            Stream.iterate(0L, i -> i + 1).limit(QUESTIONS).toList());
    assertThat(perId.values()).allMatch(n -> n == 1);
    assertThat(o.output()).hasSize(QUESTIONS);
    // Proof that the kill mattered: some answers were computed twice, and Flink failed over.
    assertThat(o.attempts().size()).isGreaterThan(QUESTIONS);
    assertThat(o.failures()).isNotEmpty();
    System.out.printf(
        "  %d answers written once each; %d attempts; training log %s; failovers %s%n",
        o.output().size(), o.attempts().size(), o.trainLog(), o.failures());
  }

  static List<String> attempts(Path work) {
    try (Stream<Path> s = Files.list(work.resolve(WorkerJobs.ATTEMPTS))) {
      return s.map(f -> f.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  static List<String> trainers(Path work) {
    try {
      return Files.readAllLines(work.resolve(WorkerJobs.TRAIN_LOG));
    } catch (IOException e) {
      return List.of();
    }
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  static void awaitTrue(Condition c) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (!c.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for the job to reach the kill point");
      }
      Thread.sleep(100);
    }
  }
}
