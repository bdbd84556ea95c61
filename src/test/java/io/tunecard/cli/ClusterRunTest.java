package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunecard.cluster.FlinkRest;
import io.tunecard.cluster.LocalFlinkCluster;
import io.tunecard.testing.ClusterWorkload;
import io.tunecard.testing.SessionCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 1 of docs/flink.md: {@code tunecard run} (every stage: ingest, base, train, evaluate, card)
 * submitted to a session cluster of one JobManager and two TaskManagers (separate JVMs) writes the
 * same dataset splits, tokenizer, base weights, metrics and generations (of the fine-tune and of
 * the base) as the run on Flink embedded. The workload is {@link ClusterWorkload}'s; the cluster
 * run starts from scratch, and the embedded run is the JVM's trained {@link ClusterWorkload}
 * (ingest, base and train on Flink embedded) continued with evaluate and card on Flink embedded.
 */
@Tag("cluster")
@ExtendWith(SessionCluster.class)
class ClusterRunTest {
  static final List<String> DATASET =
      List.of("train.jsonl", "validation.jsonl", "test.jsonl", "stats.json", "rejected.jsonl");

  /** What the base stage writes that the later stages read. */
  static final List<String> BASE = List.of("tokenizer/tokenizer.json", "base/model.safetensors");

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void aRunOnAClusterWritesWhatTheEmbeddedRunWrites(LocalFlinkCluster cluster) throws IOException {
    Path embedded = ClusterWorkload.copyOfTrained(tmp.resolve("embedded"));
    Path clustered = tmp.resolve("cluster");
    long start = System.nanoTime();
    String local = ClusterWorkload.cli(run(embedded, "--runner", "flink"));
    double localSeconds = (System.nanoTime() - start) / 1e9;
    assertThat(local).contains("Flink [local]").contains("train     skipped (up to date");
    System.out.printf(Locale.ROOT, "embedded evaluate and card: %.1f s%n", localSeconds);

    long since = System.currentTimeMillis();
    start = System.nanoTime();
    String remote = ClusterWorkload.cli(run(clustered, "--flink-master", cluster.restAddress()));
    double seconds = (System.nanoTime() - start) / 1e9;
    assertThat(remote).contains("Flink " + cluster.restAddress());
    // The work ran on the cluster, spread over both TaskManagers' slots.
    List<FlinkRest.Job> jobs = SessionCluster.jobsSince(cluster, since);
    assertThat(jobs).isNotEmpty().allMatch(j -> j.state().equals("FINISHED"));
    for (FlinkRest.Job j : jobs) {
      assertThat(cluster.rest().tasks(j.id())).anyMatch(t -> t.parallelism() == 2);
    }
    System.out.printf(
        Locale.ROOT, "every stage on the cluster: %d job(s), %.1f s%n", jobs.size(), seconds);

    List<String> compared = new ArrayList<>();
    for (String f : DATASET) {
      compared.add("dataset/" + f);
    }
    compared.addAll(BASE);
    compared.add("eval/metrics.json");
    List<String> generations = generations(embedded);
    assertThat(generations(clustered)).as("generation files").isEqualTo(generations);
    assertThat(generations).as("generation files").isNotEmpty();
    compared.addAll(generations);

    List<String> differ = new ArrayList<>();
    for (String f : compared) {
      assertThat(clustered.resolve(f)).as(f).exists();
      if (!sameBytes(embedded.resolve(f), clustered.resolve(f))) {
        differ.add(f + ": " + firstDifference(embedded.resolve(f), clustered.resolve(f)));
      }
    }
    if (!differ.isEmpty()) {
      // Whether training already differed, to tell a difference born in training from one born
      // later (the djl child's determinism, docs/training.md).
      differ.add("train/metrics.jsonl: " + trainingDifference(embedded, clustered));
    }
    assertThat(differ).as("files that differ between the embedded and the cluster run").isEmpty();
    assertThat(Files.readAllLines(clustered.resolve("dataset/rejected.jsonl")))
        .as("rows ingestion rejected (MedQuAD's removed answers)")
        .isNotEmpty();
    System.out.printf("identical: %s%n", compared);
    System.out.println("train/metrics.jsonl: " + trainingDifference(embedded, clustered));
  }

  private static List<String> run(Path runDir, String... runner) {
    List<String> args = new ArrayList<>(List.of("run", ClusterWorkload.WORKFLOW));
    args.addAll(ClusterWorkload.options());
    args.addAll(List.of("--run-dir", runDir.toString()));
    // Each run renders its card into a folder of its own, not the working tree's reports/.
    args.addAll(
        List.of("--reports", runDir.resolveSibling(runDir.getFileName() + "-reports").toString()));
    args.addAll(List.of(runner));
    return args;
  }

  /**
   * The generations of a run ({@code eval/generations/*}: the fine-tune's, {@code
   * eval/generations-base/*}: the base's), relative to the run, sorted.
   */
  private static List<String> generations(Path run) throws IOException {
    Path eval = run.resolve("eval");
    if (!Files.isDirectory(eval)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(eval)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> p.getParent().getFileName().toString().startsWith("generations"))
          .map(p -> run.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  /**
   * How the two runs' training logs differ, throughput ({@code tokens_per_s}, a timing) left out:
   * "identical", or the rows that differ and the largest difference of a loss.
   */
  static String trainingDifference(Path a, Path b) {
    try {
      List<String> x = Files.readAllLines(a.resolve("train/metrics.jsonl"));
      List<String> y = Files.readAllLines(b.resolve("train/metrics.jsonl"));
      if (x.size() != y.size()) {
        return x.size() + " rows vs " + y.size();
      }
      int rows = 0;
      String first = null;
      double largest = 0;
      for (int i = 0; i < x.size(); i++) {
        JsonNode p = JSON.readTree(x.get(i));
        JsonNode q = JSON.readTree(y.get(i));
        ((ObjectNode) p).remove("tokens_per_s");
        ((ObjectNode) q).remove("tokens_per_s");
        if (p.equals(q)) {
          continue;
        }
        rows++;
        if (first == null) {
          first = "embedded " + p + "\n  cluster  " + q;
        }
        for (String k : List.of("loss", "eval_loss", "base_eval_loss")) {
          if (p.path(k).isNumber() && q.path(k).isNumber()) {
            largest = Math.max(largest, Math.abs(p.path(k).asDouble() - q.path(k).asDouble()));
          }
        }
      }
      return rows == 0
          ? "identical (tokens_per_s aside)"
          : String.format(
              Locale.ROOT,
              "%d of %d rows differ (tokens_per_s aside), largest loss difference %.3g; first:%n  %s",
              rows,
              x.size(),
              largest,
              first);
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  /** Whether two files hold the same bytes. */
  private static boolean sameBytes(Path a, Path b) {
    try {
      return Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The first line where two JSON(L) files differ, both sides shortened, and the line counts; for
   * other files their sizes.
   */
  static String firstDifference(Path a, Path b) {
    if (!a.getFileName().toString().endsWith("json")
        && !a.getFileName().toString().endsWith("jsonl")) {
      try {
        return "the bytes differ (" + Files.size(a) + " vs " + Files.size(b) + " bytes)";
      } catch (IOException e) {
        return "unreadable: " + e.getMessage();
      }
    }
    try {
      List<String> x = Files.readAllLines(a, StandardCharsets.UTF_8);
      List<String> y = Files.readAllLines(b, StandardCharsets.UTF_8);
      int n = Math.min(x.size(), y.size());
      int differing = 0;
      int first = -1;
      for (int i = 0; i < n; i++) {
        if (!x.get(i).equals(y.get(i))) {
          differing++;
          if (first < 0) {
            first = i;
          }
        }
      }
      if (first < 0) {
        return "lines " + x.size() + " vs " + y.size() + " (one is a prefix of the other)";
      }
      return String.format(
          Locale.ROOT,
          "%d of %d line(s) differ; first at line %d:%n  embedded %s%n  cluster  %s",
          differing,
          n,
          first + 1,
          around(x.get(first), y.get(first)),
          around(y.get(first), x.get(first)));
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  /** {@code s} from a little before its first difference with {@code other}, at most 240 chars. */
  private static String around(String s, String other) {
    int i = 0;
    while (i < s.length() && i < other.length() && s.charAt(i) == other.charAt(i)) {
      i++;
    }
    int from = Math.max(0, i - 80);
    return (from > 0 ? "..." : "") + s.substring(from, Math.min(s.length(), from + 240));
  }
}
