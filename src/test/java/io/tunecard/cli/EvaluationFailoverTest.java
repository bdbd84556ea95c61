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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 2 of docs/flink.md on tunecard itself: {@code tunecard run workflows/quickstart.yaml} on a
 * cluster of two TaskManagers, one of them SIGKILLed while it generates answers for the evaluation;
 * the run succeeds and every generations file has each evaluated test question exactly once.
 *
 * <p>NEEDS THE EVALUATION STAGE: until {@code tunecard run} evaluates, no evaluation task ever runs
 * on the cluster and this test reports itself skipped (aborted assumption), never passed. The
 * mechanism it relies on is proven now by {@code io.tunecard.cluster.TaskManagerFailoverTest}.
 */
@Tag("cluster")
class EvaluationFailoverTest {
  static final String[] COMMAND = {"run", "workflows/quickstart.yaml"};
  private static final ObjectMapper JSON = new ObjectMapper();

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
                                  "--flink-master",
                                  cluster.restAddress()))
                          .toArray(String[]::new)));

      Optional<String> evaluating = Optional.empty();
      while (!run.isDone() && evaluating.isEmpty()) {
        evaluating = evaluatingTaskManager(cluster.rest());
        Thread.sleep(500);
      }
      if (evaluating.isEmpty()) {
        MainTest.Result r = run.get(30, TimeUnit.MINUTES);
        assertThat(r.code()).as(r.err()).isZero();
      }
      Assumptions.assumeTrue(
          evaluating.isPresent(),
          "tunecard run ran no evaluation task on the cluster: the evaluation stage has not"
              + " landed yet");
      String victimId = evaluating.get();
      FlinkProcess victim =
          cluster.taskManagers().stream()
              .filter(tm -> tm.id().equals(victimId))
              .findFirst()
              .orElseThrow();
      cluster.kill(victim);
      cluster.startTaskManager();
      System.out.printf(
          Locale.ROOT, "killed %s (pid %d) during evaluation%n", victimId, victim.pid());

      MainTest.Result r = run.get(30, TimeUnit.MINUTES);
      assertThat(r.code()).as(r.err()).isZero();
    }

    Set<String> testIds = ids(runDir.resolve("dataset/test.jsonl"));
    Path generations = runDir.resolve("eval/generations");
    List<Path> files;
    try (Stream<Path> s = Files.list(generations)) {
      files = s.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    long expected = -1;
    for (Path f : files) {
      List<String> rows = idsInOrder(f);
      Map<String, Long> counts =
          rows.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(counts.values()).as(f + ": each question once").allMatch(n -> n == 1);
      assertThat(testIds).as(f + ": only test questions").containsAll(counts.keySet());
      if (expected < 0) {
        expected = rows.size();
      }
      assertThat(rows)
          .as(f + ": as many questions as every other strategy")
          .hasSize((int) expected);
    }
  }

  /** A TaskManager running an evaluation (generation) task now, if any. */
  private static Optional<String> evaluatingTaskManager(FlinkRest rest) throws IOException {
    for (FlinkRest.Job job : rest.jobs()) {
      if (!job.state().equals("RUNNING")) {
        continue;
      }
      for (FlinkRest.Task t : rest.tasks(job.id())) {
        String name = t.name().toLowerCase(Locale.ROOT);
        if (t.status().equals("RUNNING")
            && (name.contains("evaluat") || name.contains("generat"))) {
          Set<String> on = rest.runningOn(job.id(), t.id());
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
