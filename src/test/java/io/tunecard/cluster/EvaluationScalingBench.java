package io.tunecard.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunecard.testing.ClusterWorkload;
import io.tunecard.testing.SessionCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Check 3 of docs/flink.md: the evaluation stage's throughput with two TaskManagers against one, on
 * one cluster, for one trained run.
 *
 * <p>The run is a copy of the JVM's trained {@link ClusterWorkload} (what the evaluation costs does
 * not depend on how long it was trained beyond the answers' lengths), evaluated with {@link #WORK}:
 * all of its test questions, six strategies, the fine-tuned model and the base. {@code tunecard
 * evaluate} evaluates it on the cluster with {@code --parallelism 1} (one TaskManager's slot) and
 * {@code --parallelism 2} (both TaskManagers; each has one slot and one CPU share), alternately.
 *
 * <p>Throughput counts the answers generated over the span of the job's generation task (its first
 * subtask's start to its last one's end, from Flink's REST API); the wall time of the whole {@code
 * tunecard evaluate} (eval loss of base and checkpoints, generation, scoring, job submission) is
 * printed too. Both settings must write the same generations. Prints {@code ratio 2 TM / 1 TM}.
 */
@Tag("cluster")
@Tag("bench")
@ExtendWith(SessionCluster.class)
class EvaluationScalingBench {
  /** More evaluation work than the other checks need, so that fixed costs do not hide scaling. */
  static final String[] WORK = {"eval.limit=null", "eval.max_new_tokens=48"};

  /** Pairs of evaluations (1 TM, 2 TM), interleaved; {@code -Dtunecard.bench.repeats=N}. */
  static final int REPEATS = Integer.getInteger("tunecard.bench.repeats", 3);

  @TempDir Path tmp;

  /**
   * One evaluation: answers generated, the generation task's span and its subtasks' durations (one
   * per worker), the eval-loss scoring task's span, and the wall time of {@code tunecard evaluate}.
   */
  record Measure(
      int answers,
      double generateSeconds,
      List<Long> generateSubtaskMillis,
      double evalLossSeconds,
      double evaluateSeconds,
      List<String> generations) {
    double answersPerSecond() {
      return answers / generateSeconds;
    }
  }

  @Test
  void twoTaskManagersAgainstOne(LocalFlinkCluster cluster) throws IOException {
    double loadBefore = load();
    double machine = threadScaling();
    Path run = ClusterWorkload.copyOfTrained(tmp.resolve("run"));
    List<Measure> ones = new ArrayList<>();
    List<Measure> twos = new ArrayList<>();
    for (int r = 0; r < REPEATS; r++) {
      ones.add(evaluate(cluster, run, 1));
      twos.add(evaluate(cluster, run, 2));
      assertThat(twos.get(r).generations())
          .as("the same generations whatever the number of workers")
          .isEqualTo(ones.get(0).generations());
    }
    System.out.printf(
        Locale.ROOT,
        "evaluation of the tiny run (%d answers: test questions x strategies x"
            + " {fine-tuned, base}), %d pair(s), load average before %.2f:%n",
        ones.get(0).answers(),
        REPEATS,
        loadBefore);
    ones.forEach(m -> print("1 TaskManager ", m));
    twos.forEach(m -> print("2 TaskManagers", m));
    double one = median(ones.stream().map(Measure::answersPerSecond).toList());
    double two = median(twos.stream().map(Measure::answersPerSecond).toList());
    double wallOne = median(ones.stream().map(Measure::evaluateSeconds).toList());
    double wallTwo = median(twos.stream().map(Measure::evaluateSeconds).toList());
    double lossOne = median(ones.stream().map(Measure::evalLossSeconds).toList());
    double lossTwo = median(twos.stream().map(Measure::evalLossSeconds).toList());
    System.out.printf(
        Locale.ROOT,
        "median: 1 TM %.2f answers/s, 2 TM %.2f answers/s; tunecard evaluate %.1f s vs %.1f s%n",
        one,
        two,
        wallOne,
        wallTwo);
    System.out.printf(
        Locale.ROOT,
        "ratio 2 TM / 1 TM: %.2f (generation throughput), %.2f (eval-loss scoring), %.2f"
            + " (tunecard evaluate wall time); load average after %.2f; this machine's own ratio"
            + " (2 threads / 1 thread of plain Java arithmetic, measured before) %.2f%n",
        two / one,
        lossOne / lossTwo,
        wallOne / wallTwo,
        load(),
        machine);
  }

  private Measure evaluate(LocalFlinkCluster cluster, Path run, int parallelism)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("evaluate", ClusterWorkload.WORKFLOW));
    args.addAll(ClusterWorkload.options(WORK));
    args.addAll(
        List.of(
            "--run-dir",
            run.toString(),
            "--flink-master",
            cluster.restAddress(),
            "--parallelism",
            String.valueOf(parallelism)));
    long start = System.nanoTime();
    ClusterWorkload.cli(args);
    double wall = (System.nanoTime() - start) / 1e9;
    FlinkRest.Job job =
        cluster.rest().jobs().stream()
            .max(Comparator.comparingLong(FlinkRest.Job::startTime))
            .orElseThrow();
    List<FlinkRest.Task> tasks = cluster.rest().tasks(job.id());
    List<FlinkRest.Task> generate = named(tasks, "generate/parmultido(answer)");
    assertThat(generate).as("the job's generation task").hasSize(1);
    assertThat(generate.get(0).parallelism()).isEqualTo(parallelism);
    FlinkRest.Task g = generate.get(0);
    List<Long> shares = cluster.rest().subtaskDurations(job.id(), g.id());
    List<FlinkRest.Task> loss = named(tasks, "scorevalidationbatches");
    double lossSeconds =
        loss.isEmpty() ? Double.NaN : (loss.get(0).endTime() - loss.get(0).startTime()) / 1e3;
    List<String> generations = new ArrayList<>();
    int answers = 0;
    for (Path f : generationFiles(run)) {
      List<String> lines = Files.readAllLines(f);
      answers += lines.size();
      generations.add(run.relativize(f) + "\n" + String.join("\n", lines));
    }
    return new Measure(
        answers, (g.endTime() - g.startTime()) / 1e3, shares, lossSeconds, wall, generations);
  }

  private static List<FlinkRest.Task> named(List<FlinkRest.Task> tasks, String part) {
    return tasks.stream().filter(t -> t.name().toLowerCase(Locale.ROOT).contains(part)).toList();
  }

  /** {@code eval/generations*}{@code /*.jsonl}, sorted. */
  private static List<Path> generationFiles(Path run) throws IOException {
    try (Stream<Path> s = Files.walk(run.resolve("eval"))) {
      return s.filter(Files::isRegularFile)
          .filter(f -> f.getParent().getFileName().toString().startsWith("generations"))
          .filter(f -> f.toString().endsWith(".jsonl"))
          .sorted()
          .toList();
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
    return Arrays.stream(counts).sum() / 3.0;
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
        "  %s  %6.2f answers/s  generation %5.1f s (per worker %s ms)  eval-loss scoring %5.1f s"
            + "  tunecard evaluate %6.1f s%n",
        what,
        m.answersPerSecond(),
        m.generateSeconds(),
        m.generateSubtaskMillis(),
        m.evalLossSeconds(),
        m.evaluateSeconds());
  }
}
