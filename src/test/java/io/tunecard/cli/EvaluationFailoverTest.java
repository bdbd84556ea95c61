package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunecard.cluster.ClusterSpec;
import io.tunecard.cluster.FlinkProcess;
import io.tunecard.cluster.FlinkRest;
import io.tunecard.cluster.LocalFlinkCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 2 of docs/flink.md on tunecard itself: {@code tunecard run workflows/quickstart.yaml} on a
 * cluster of two TaskManagers, one of them SIGKILLed (and replaced) while it generates answers for
 * the evaluation; the run succeeds, Flink recorded the failover, and every generations file has
 * each evaluated test question exactly once. The same mechanism on a small job, with and without a
 * rerun of the training task, is {@code io.tunecard.cluster.TaskManagerFailoverTest}.
 */
@Tag("cluster")
class EvaluationFailoverTest {
  static final String[] COMMAND = {"run", "workflows/quickstart.yaml"};
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GENERATING_BEFORE_KILL_NANOS = 5_000_000_000L;

  @TempDir Path tmp;

  @Test
  void aTaskManagerKilledDuringEvaluationLosesNoQuestionAndDuplicatesNone() throws Exception {
    Path runDir = tmp.resolve("run");
    try (LocalFlinkCluster cluster =
        LocalFlinkCluster.start(ClusterSpec.of(2, 1, tmp.resolve("flink")), true)) {
      CompletableFuture<MainTest.Result> run =
          CompletableFuture.supplyAsync(
              () ->
                  MainTest.run(
                      Stream.concat(
                              Stream.of(COMMAND),
                              Stream.of(
                                  "--run-dir",
                                  runDir.toString(),
                                  "--reports",
                                  tmp.resolve("reports").toString(),
                                  "--flink-master",
                                  cluster.restAddress()))
                          .toArray(String[]::new)));

      // The victim: a TaskManager that has been generating answers for a few seconds.
      Optional<String> evaluating = Optional.empty();
      long seenSince = 0;
      while (!run.isDone()) {
        Optional<String> now = generatingTaskManager(cluster.rest());
        if (now.isEmpty() || !now.equals(evaluating)) {
          evaluating = now;
          seenSince = System.nanoTime();
        } else if (System.nanoTime() - seenSince > GENERATING_BEFORE_KILL_NANOS) {
          break;
        }
        Thread.sleep(500);
      }
      if (run.isDone()) {
        MainTest.Result r = run.get();
        assertThat(r.code()).as(r.err()).isZero();
        throw new AssertionError(
            "tunecard run finished before a TaskManager had generated answers for "
                + GENERATING_BEFORE_KILL_NANOS / 1_000_000_000L
                + " s: nothing was killed. Output:\n"
                + r.out());
      }
      String victimId = evaluating.orElseThrow();
      FlinkProcess victim =
          cluster.taskManagers().stream()
              .filter(tm -> tm.id().equals(victimId))
              .findFirst()
              .orElseThrow();
      long killed = System.nanoTime();
      cluster.kill(victim);
      cluster.startTaskManager();
      System.out.printf(
          Locale.ROOT, "killed %s (pid %d) while it generated answers%n", victimId, victim.pid());

      MainTest.Result r = run.get(30, TimeUnit.MINUTES);
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      List<String> failures = new ArrayList<>();
      for (FlinkRest.Job job : cluster.rest().jobs()) {
        failures.addAll(cluster.rest().failures(job.id()));
      }
      assertThat(failures).as("Flink failed over after the kill").isNotEmpty();
      System.out.printf(
          Locale.ROOT,
          "run done %.1f s after the kill; failovers: %s%n",
          (System.nanoTime() - killed) / 1e9,
          failures);
    }

    Set<String> testIds = ids(runDir.resolve("dataset/test.jsonl"));
    // The fine-tune's answers (eval/generations/) and the base's (eval/generations-base/).
    List<Path> files;
    try (Stream<Path> s = Files.walk(runDir.resolve("eval"))) {
      files =
          s.filter(f -> f.getParent().getFileName().toString().startsWith("generations"))
              .filter(f -> f.toString().endsWith(".jsonl"))
              .sorted()
              .toList();
    }
    assertThat(files).isNotEmpty();
    long expected =
        JSON.readTree(runDir.resolve("eval/metrics.json").toFile()).path("n_questions").asLong();
    assertThat(expected).as("eval/metrics.json n_questions").isPositive();
    for (Path f : files) {
      List<String> rows = idsInOrder(f);
      Map<String, Long> counts =
          rows.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(counts.values()).as(f + ": each question once").allMatch(n -> n == 1);
      assertThat(testIds).as(f + ": only test questions").containsAll(counts.keySet());
      assertThat(rows).as(f + ": every evaluated question").hasSize((int) expected);
    }
    System.out.printf(
        Locale.ROOT,
        "%d generations files, %d questions each, each question once%n",
        files.size(),
        expected);
  }

  /** A TaskManager running the evaluation's generation task now, if any. */
  private static Optional<String> generatingTaskManager(FlinkRest rest) throws IOException {
    for (FlinkRest.Job job : rest.jobs()) {
      if (!job.state().equals("RUNNING")) {
        continue;
      }
      for (FlinkRest.Task t : rest.tasks(job.id())) {
        if (t.status().equals("RUNNING")
            && t.name().toLowerCase(Locale.ROOT).contains("generate")) {
          Set<String> on = new TreeSet<>(rest.runningOn(job.id(), t.id()));
          if (!on.isEmpty()) {
            return Optional.of(on.iterator().next());
          }
        }
      }
    }
    return Optional.empty();
  }

  private static Set<String> ids(Path jsonl) throws IOException {
    return new HashSet<>(idsInOrder(jsonl));
  }

  private static List<String> idsInOrder(Path jsonl) throws IOException {
    try (Stream<String> lines = Files.lines(jsonl)) {
      return lines
          .filter(l -> !l.isBlank())
          .map(
              l -> {
                try {
                  JsonNode n = JSON.readTree(l);
                  return n.path("id").asText();
                } catch (IOException e) {
                  throw new AssertionError(jsonl + ": not JSON: " + l, e);
                }
              })
          .toList();
    }
  }
}
