package io.tunecard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.cluster.ClusterSpec;
import io.tunecard.cluster.FlinkRest;
import io.tunecard.cluster.LocalFlinkCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 1 of docs/flink.md: the quickstart submitted to a session cluster of one JobManager and two
 * TaskManagers (separate JVMs) writes the same files as the embedded Flink run.
 */
@Tag("cluster")
class ClusterRunTest {
  /**
   * The command both runs execute. When {@code tunecard run} runs every stage, this line becomes
   * {@code {"run", "workflows/quickstart.yaml"}}; the comparison then covers {@code eval/} (metrics
   * and generations) by itself, because it compares every file the embedded run wrote there.
   */
  static final String[] COMMAND = {"ingest", "workflows/quickstart.yaml"};

  static final List<String> DATASET =
      List.of("train.jsonl", "validation.jsonl", "test.jsonl", "stats.json", "rejected.jsonl");

  @TempDir Path tmp;

  @Test
  void theQuickstartOnAClusterWritesWhatTheEmbeddedRunWrites() throws IOException {
    Path embedded = tmp.resolve("embedded");
    Path clustered = tmp.resolve("cluster");
    MainTest.Result local = run(embedded, "--runner", "flink");
    assertThat(local.code()).as(local.err()).isZero();
    assertThat(local.out()).contains("Flink [local]");

    try (LocalFlinkCluster cluster =
        LocalFlinkCluster.start(ClusterSpec.of(2, 1, tmp.resolve("flink")), true)) {
      long start = System.nanoTime();
      MainTest.Result remote = run(clustered, "--flink-master", cluster.restAddress());
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(remote.code()).as(remote.err()).isZero();
      assertThat(remote.out()).contains("Flink " + cluster.restAddress());
      // The work ran on the cluster, spread over both TaskManagers' slots.
      List<FlinkRest.Job> jobs = cluster.rest().jobs();
      assertThat(jobs).isNotEmpty().allMatch(j -> j.state().equals("FINISHED"));
      for (FlinkRest.Job j : jobs) {
        assertThat(cluster.rest().tasks(j.id())).anyMatch(t -> t.parallelism() == 2);
      }
      System.out.printf(
          "%s on the cluster: %d job(s), %.1f s%n",
          String.join(" ", COMMAND), jobs.size(), seconds);
    }

    for (String f : DATASET) {
      assertSame(embedded, clustered, "dataset/" + f);
    }
    for (String f : evalFiles(embedded)) {
      assertSame(embedded, clustered, f);
    }
  }

  private MainTest.Result run(Path runDir, String... runner) {
    List<String> args = new ArrayList<>(List.of(COMMAND));
    args.addAll(List.of("--run-dir", runDir.toString()));
    args.addAll(List.of(runner));
    return MainTest.run(args.toArray(String[]::new));
  }

  private static void assertSame(Path a, Path b, String file) throws IOException {
    assertThat(b.resolve(file)).as(file).exists();
    assertThat(Files.readAllBytes(b.resolve(file)))
        .as(file)
        .isEqualTo(Files.readAllBytes(a.resolve(file)));
  }

  /** Every file under {@code eval/} (none until the run evaluates), relative to the run. */
  private static List<String> evalFiles(Path run) throws IOException {
    Path eval = run.resolve("eval");
    if (!Files.isDirectory(eval)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(eval)) {
      return s.filter(Files::isRegularFile).map(p -> run.relativize(p).toString()).toList();
    }
  }
}
