package io.tunecard.cluster;

import io.tunecard.files.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Pipelines of the evaluation stage's shape, for the cluster checks: a training step that runs once
 * per run id (skipping when its checkpoint is complete), a fan-out of questions spread over the
 * workers, a per-worker step that loads its model once in {@code @Setup}, and a single write of the
 * merged results at the end (sorted, temp-then-rename, so a retried write cannot duplicate).
 *
 * <p>Every step leaves evidence in a work folder that the TaskManagers and the test share: which
 * process trained (or skipped), each processing attempt of each question, each model load and each
 * write.
 */
final class WorkerJobs {
  private WorkerJobs() {}

  static final String TRAIN_LOG = "train.log";
  static final String WRITE_LOG = "writes.log";
  static final String SETUP_LOG = "setups.log";
  static final String ATTEMPTS = "attempts";
  static final String OUTPUT = "generations.jsonl";

  /**
   * run id → Train → questions 0..n-1 → Spread → Answer (slow, {@code millis} each) → one sorted
   * file.
   */
  static void failover(Pipeline p, Path work, int questions, long millis) {
    String dir = work.toString();
    p.apply("RunId", Create.of("run-1"))
        .apply("Train", ParDo.of(new TrainOnce(dir)))
        .apply("ListQuestions", ParDo.of(new ListQuestions(questions)))
        .apply("Spread", Reshuffle.of())
        .apply(Values.create())
        .apply("Answer", ParDo.of(new SlowAnswer(dir, millis)))
        .apply("WriteOnce", new WriteOnce(dir));
  }

  /** Appends one line (atomically: one small O_APPEND write) to {@code work/name}. */
  static void log(String work, String name, String line) {
    try {
      Files.write(
          Path.of(work, name),
          (line + "\n").getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long pid() {
    return ProcessHandle.current().pid();
  }

  /** Trains once per run id: a complete checkpoint makes a retry skip (and say so). */
  static final class TrainOnce extends DoFn<String, String> {
    private final String work;

    TrainOnce(String work) {
      this.work = work;
    }

    @ProcessElement
    public void process(@Element String runId, OutputReceiver<String> out) throws IOException {
      Path checkpoint = Path.of(work, "checkpoint-" + runId);
      if (Files.exists(checkpoint.resolve("COMPLETE"))) {
        log(work, TRAIN_LOG, "skipped " + pid());
      } else {
        log(work, TRAIN_LOG, "trained " + pid());
        Files.createDirectories(checkpoint);
        AtomicFiles.writeString(checkpoint.resolve("COMPLETE"), "");
      }
      out.output(checkpoint.toString());
    }
  }

  /** The test questions of the checkpoint's evaluation: ids 0..n-1, keyed for spreading. */
  static final class ListQuestions extends DoFn<String, KV<Integer, Integer>> {
    private final int n;

    ListQuestions(int n) {
      this.n = n;
    }

    @ProcessElement
    public void process(OutputReceiver<KV<Integer, Integer>> out) {
      for (int i = 0; i < n; i++) {
        out.output(KV.of(i, i));
      }
    }
  }

  /** Answers one question slowly; records each attempt with the process that made it. */
  static final class SlowAnswer extends DoFn<Integer, String> {
    private final String work;
    private final long millis;

    SlowAnswer(String work, long millis) {
      this.work = work;
      this.millis = millis;
    }

    @Setup
    public void setup() {
      log(work, SETUP_LOG, "loaded " + pid());
    }

    @ProcessElement
    public void process(@Element Integer id, OutputReceiver<String> out)
        throws IOException, InterruptedException {
      Path attempts = Path.of(work, ATTEMPTS);
      Files.createDirectories(attempts);
      Files.writeString(attempts.resolve("q" + id + "-" + pid() + "-" + System.nanoTime()), "");
      Thread.sleep(millis);
      out.output(String.format("{\"id\":%d,\"prediction\":\"answer %d\"}", id, id));
    }
  }

  /** Gathers every line on one worker and writes them sorted by id, once, temp-then-rename. */
  static final class WriteOnce
      extends org.apache.beam.sdk.transforms.PTransform<PCollection<String>, PCollection<Void>> {
    private final String work;

    WriteOnce(String work) {
      this.work = work;
    }

    @Override
    public PCollection<Void> expand(PCollection<String> lines) {
      return lines
          .apply("OneKey", WithKeys.of(""))
          .apply("Gather", GroupByKey.create())
          .apply("Write", ParDo.of(new Write(work)));
    }
  }

  static final class Write extends DoFn<KV<String, Iterable<String>>, Void> {
    private final String work;

    Write(String work) {
      this.work = work;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<String>> all) throws IOException {
      List<String> lines = new ArrayList<>();
      all.getValue().forEach(lines::add);
      lines.sort(java.util.Comparator.comparingLong(WorkerJobs::id));
      AtomicFiles.writeString(Path.of(work, OUTPUT), String.join("\n", lines) + "\n");
      log(work, WRITE_LOG, "wrote " + lines.size() + " " + pid());
    }
  }

  /** The id of a JSON line written by these jobs. */
  static long id(String jsonLine) {
    int at = jsonLine.indexOf("\"id\":") + 5;
    int end = at;
    while (end < jsonLine.length() && Character.isDigit(jsonLine.charAt(end))) {
      end++;
    }
    return Long.parseLong(jsonLine.substring(at, end));
  }
}
