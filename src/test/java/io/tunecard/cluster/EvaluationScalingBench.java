package io.tunecard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.pipeline.Runners;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 3 of docs/flink.md: generation throughput with two TaskManagers against one, on the same
 * cluster in the same run. Each TaskManager has one slot and one CPU share (libtorch uses one
 * thread), so one worker uses one core and two use two. The workload is {@link GenerationJob}: the
 * evaluation stage's shape on the quickstart's model size. Throughput counts questions over the
 * generation span (first batch start to last batch end, all workers), not job submission; the job's
 * wall time is printed too. Prints {@code ratio 2 TM / 1 TM}.
 */
@Tag("cluster")
@Tag("bench")
class EvaluationScalingBench {
  static final int BATCHES = 16;
  static final int BATCH_SIZE = 16;
  static final int PROMPT = 64;
  static final int NEW_TOKENS = 48;
  static final int REPEATS = 3;

  @TempDir Path tmp;

  record Measure(
      double questionsPerSecond,
      double spanSeconds,
      double jobSeconds,
      Map<Long, Integer> batchesPerWorker,
      List<String> workerSpans) {}

  @Test
  void twoTaskManagersAgainstOne() throws IOException {
    double loadBefore = load();
    double machine = threadScaling();
    try (LocalFlinkCluster cluster =
        LocalFlinkCluster.start(ClusterSpec.of(2, 1, Path.of("/tmp/benchflink")), true)) {
      // Warm-up: both TaskManagers load libtorch once, as a long-lived cluster would have.
      run(cluster, 2, tmp.resolve("warmup"), 2);
      // Interleaved repeats: the machine is shared, so its load drifts; medians over pairs.
      List<Measure> ones = new ArrayList<>();
      List<Measure> twos = new ArrayList<>();
      for (int r = 0; r < REPEATS; r++) {
        ones.add(run(cluster, 1, tmp.resolve("p1-" + r), BATCHES));
        twos.add(run(cluster, 2, tmp.resolve("p2-" + r), BATCHES));
        assertThat(Files.readAllBytes(tmp.resolve("p2-" + r).resolve(WorkerJobs.OUTPUT)))
            .as("the same generations whatever the number of workers")
            .isEqualTo(Files.readAllBytes(tmp.resolve("p1-0").resolve(WorkerJobs.OUTPUT)));
        assertThat(ones.get(r).batchesPerWorker()).hasSize(1);
        assertThat(twos.get(r).batchesPerWorker()).hasSize(2);
      }
      int questions = BATCHES * BATCH_SIZE;
      System.out.printf(
          Locale.ROOT,
          "generation of %d questions (%d batches of %d, prompt %d, %d new tokens), %d repeats,"
              + " load average before %.2f:%n",
          questions,
          BATCHES,
          BATCH_SIZE,
          PROMPT,
          NEW_TOKENS,
          REPEATS,
          loadBefore);
      ones.forEach(m -> print("1 TaskManager ", m));
      twos.forEach(m -> print("2 TaskManagers", m));
      double one = median(ones.stream().map(Measure::questionsPerSecond).toList());
      double two = median(twos.stream().map(Measure::questionsPerSecond).toList());
      double jobOne = median(ones.stream().map(Measure::jobSeconds).toList());
      double jobTwo = median(twos.stream().map(Measure::jobSeconds).toList());
      System.out.printf(
          Locale.ROOT,
          "median: 1 TM %.2f questions/s, 2 TM %.2f questions/s; job %.1f s vs %.1f s%n",
          one,
          two,
          jobOne,
          jobTwo);
      System.out.printf(
          Locale.ROOT,
          "ratio 2 TM / 1 TM: %.2f (generation throughput), %.2f (job wall time); load average"
              + " after %.2f; this machine's own ratio (2 threads / 1 thread of plain Java"
              + " arithmetic, measured before) %.2f%n",
          two / one,
          jobOne / jobTwo,
          load(),
          machine);
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /**
   * How much faster two threads do independent arithmetic than one, right now: the most any
   * two-worker run can gain on this machine while its other work runs (2.0 on two idle cores).
   */
  static double threadScaling() {
    return rate(2) / rate(1);
  }

  private static double rate(int threads) {
    long[] counts = new long[threads];
    long end = System.nanoTime() + 3_000_000_000L;
    Thread[] ts = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      int k = i;
      ts[i] =
          new Thread(
              () -> {
                double x = 1;
                long n = 0;
                while (System.nanoTime() < end) {
                  for (int j = 0; j < 100_000; j++) {
                    x = x * 1.0000001 + 1e-9;
                  }
                  n++;
                }
                counts[k] = n + (x > 0 ? 0 : 1);
              });
      ts[i].start();
    }
    for (Thread t : ts) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return java.util.Arrays.stream(counts).sum() / 3.0;
  }

  /** The one-minute load average (Linux), to read the figures against. */
  static double load() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static void print(String what, Measure m) {
    System.out.printf(
        Locale.ROOT,
        "  %s  %6.2f questions/s  span %5.1f s  job %5.1f s  batches per worker %s, busy %s%n",
        what,
        m.questionsPerSecond(),
        m.spanSeconds(),
        m.jobSeconds(),
        m.batchesPerWorker().values(),
        m.workerSpans());
  }

  private static Measure run(LocalFlinkCluster cluster, int parallelism, Path work, int batches)
      throws IOException {
    Files.createDirectories(work);
    Pipeline p =
        Pipeline.create(Runners.options(Runners.Kind.FLINK, cluster.restAddress(), parallelism));
    GenerationJob.generate(p, work, batches, BATCH_SIZE, PROMPT, NEW_TOKENS);
    long start = System.nanoTime();
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
    double job = (System.nanoTime() - start) / 1e9;
    List<String> log = Files.readAllLines(work.resolve(GenerationJob.BATCH_LOG));
    assertThat(log).hasSize(batches);
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    Map<Long, Integer> perWorker = new TreeMap<>();
    Map<Long, long[]> spans = new TreeMap<>();
    for (String line : log) {
      String[] f = line.split(" ");
      long pid = Long.parseLong(f[1]);
      long from = Long.parseLong(f[2]);
      long to = Long.parseLong(f[3]);
      perWorker.merge(pid, 1, Integer::sum);
      spans.merge(
          pid,
          new long[] {from, to},
          (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
      first = Math.min(first, from);
      last = Math.max(last, to);
    }
    long t0 = first;
    List<String> workerSpans =
        spans.values().stream()
            .map(
                w ->
                    String.format(Locale.ROOT, "%.1f-%.1f s", (w[0] - t0) / 1e3, (w[1] - t0) / 1e3))
            .toList();
    double span = (last - first) / 1e3;
    assertThat(Files.readAllLines(work.resolve(WorkerJobs.OUTPUT))).hasSize(batches * BATCH_SIZE);
    return new Measure(batches * BATCH_SIZE / span, span, job, perWorker, workerSpans);
  }
}
