package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunecard.cluster.FlinkProcess;
import io.tunecard.cluster.FlinkRest;
import io.tunecard.cluster.LocalFlinkCluster;
import io.tunecard.testing.ClusterWorkload;
import io.tunecard.testing.SessionCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 2 of docs/flink.md on tunecard itself: {@code tunecard run} on a cluster of two
 * TaskManagers, one of them SIGKILLed (and replaced) in the middle of its share of the evaluation's
 * generation; the run succeeds, Flink recorded the failover, and every generations file has each
 * evaluated test question exactly once. The run is a copy of the JVM's trained {@link
 * ClusterWorkload}, so the job evaluates and renders the card. The kill point is deterministic: the
 * TaskManagers' fault injection ({@link SessionCluster#holdToken}) makes the first one to reach its
 * second batch of questions hold there until it is killed. The same mechanism on a small job, with
 * and without a rerun of the training task, is {@code io.tunecard.cluster.TaskManagerFailoverTest}.
 */
@Tag("cluster")
@ExtendWith(SessionCluster.class)
class EvaluationFailoverTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HOLD_TIMEOUT_NANOS = 10 * 60 * 1_000_000_000L;

  @TempDir Path tmp;

  @Test
  void aTaskManagerKilledDuringEvaluationLosesNoQuestionAndDuplicatesNone(LocalFlinkCluster cluster)
      throws Exception {
    Path runDir = ClusterWorkload.copyOfTrained(tmp.resolve("run"));
    Path token = SessionCluster.holdToken(cluster);
    Path holding = token.resolveSibling(token.getFileName() + ".holding");
    Files.deleteIfExists(holding);
    Files.writeString(token, "");
    long since = System.currentTimeMillis();
    try {
      List<String> args = new ArrayList<>(List.of("run", ClusterWorkload.WORKFLOW));
      args.addAll(ClusterWorkload.options());
      args.addAll(
          List.of(
              "--run-dir",
              runDir.toString(),
              "--reports",
              tmp.resolve("reports").toString(),
              "--flink-master",
              cluster.restAddress()));
      CompletableFuture<MainTest.Result> run =
          CompletableFuture.supplyAsync(() -> MainTest.run(args.toArray(String[]::new)));

      // The victim: the TaskManager that answered a batch and now holds in the middle of its share.
      long deadline = System.nanoTime() + HOLD_TIMEOUT_NANOS;
      while (!run.isDone() && !Files.exists(holding) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      if (!Files.exists(holding)) {
        MainTest.Result r = run.isDone() ? run.get() : null;
        throw new AssertionError(
            "no TaskManager held its generation (the fault injection did not fire): "
                + (r == null
                    ? "timed out"
                    : "the run ended with exit " + r.code() + "\n" + r.out() + r.err()));
      }
      long pid = Long.parseLong(Files.readString(holding).strip());
      FlinkProcess victim =
          cluster.taskManagers().stream()
              .filter(tm -> tm.pid() == pid)
              .findFirst()
              .orElseThrow(() -> new AssertionError("process " + pid + " is no TaskManager"));
      long killed = System.nanoTime();
      cluster.kill(victim);
      cluster.startTaskManager();
      System.out.printf(
          Locale.ROOT,
          "killed %s (pid %d) in the middle of its generation, after its first batch%n",
          victim.id(),
          victim.pid());

      MainTest.Result r = run.get(30, TimeUnit.MINUTES);
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("train     skipped (up to date");
      List<String> failures = new ArrayList<>();
      for (FlinkRest.Job job : SessionCluster.jobsSince(cluster, since)) {
        failures.addAll(cluster.rest().failures(job.id()));
      }
      assertThat(failures).as("Flink failed over after the kill").isNotEmpty();
      System.out.printf(
          Locale.ROOT,
          "run done %.1f s after the kill; failovers: %s%n",
          (System.nanoTime() - killed) / 1e9,
          failures);
    } finally {
      Files.deleteIfExists(token);
      Files.deleteIfExists(holding);
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
    assertThat(files).hasSize(12);
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
