package io.tunecard.workflow;

import java.util.List;

/**
 * The LoRA fine-tune. Steps are optimizer steps: one step consumes {@code micro_batch * grad_accum}
 * training rows.
 *
 * @param engine {@code djl} (the JVM engine) or {@code hf} (the transformers + PEFT worker)
 * @param epochs passes over the training rows (fractional passes allowed)
 * @param maxSteps stop after this many optimizer steps even if epochs remain (null: no cap)
 * @param limit use only the first N training rows in split order (null: all)
 * @param evalLimit score only the first N validation rows in split order at each evaluation during
 *     training (null: all); bounds the CPU time of the quickstart's evaluations
 * @param evalEvery {@code epoch} or a number of optimizer steps
 * @param saveEvery {@code epoch}, {@code eval} (with each evaluation) or a number of steps
 * @param keepLast checkpoints kept besides the best one
 * @param batching {@code length-grouped} micro-batches of similar length, or {@code packing}
 * @param python the interpreter that runs the {@code hf} worker
 * @param retries how often a crashed training child is restarted from its last checkpoint
 */
public record TrainSpec(
    String engine,
    String device,
    double epochs,
    Integer maxSteps,
    Integer limit,
    Integer evalLimit,
    int microBatch,
    int gradAccum,
    double lr,
    String schedule,
    double warmupRatio,
    double weightDecay,
    double adamBeta1,
    double adamBeta2,
    double adamEps,
    double maxGradNorm,
    int logEvery,
    String evalEvery,
    String saveEvery,
    int keepLast,
    long seed,
    String batching,
    String python,
    int retries) {

  public static final List<String> ENGINES = List.of("djl", "hf");
  public static final List<String> DEVICES = List.of("auto", "cpu", "gpu");
  public static final List<String> SCHEDULES = List.of("cosine", "linear", "constant");
  public static final List<String> BATCHING = List.of("length-grouped", "packing");

  /** Rows of one micro-batch; a larger effective batch comes from grad_accum. */
  public static final int MAX_MICRO_BATCH = 1024;

  /** Tokens of one micro-batch (micro_batch x max_seq_len): its activations are held at once. */
  public static final int MAX_MICRO_BATCH_TOKENS = 1 << 20;

  public TrainSpec {
    Check c =
        new Check()
            .oneOf("engine", engine, ENGINES)
            .oneOf("device", device, DEVICES)
            .range("epochs", epochs, 0, 10_000, true);
    if (maxSteps != null) {
      c.atLeast("max_steps", maxSteps, 1);
    }
    if (limit != null) {
      c.atLeast("limit", limit, 1);
    }
    if (evalLimit != null) {
      c.atLeast("eval_limit", evalLimit, 1);
    }
    c.between(
            "micro_batch",
            microBatch,
            1,
            MAX_MICRO_BATCH,
            "a micro-batch is held in memory at once; raise grad_accum for a larger effective"
                + " batch")
        .between(
            "grad_accum",
            gradAccum,
            1,
            1 << 16,
            "an optimizer step would then see more rows than MedQuAD has")
        .range("lr", lr, 0, 1, true)
        .oneOf("schedule", schedule, SCHEDULES)
        .range("warmup_ratio", warmupRatio, 0, 0.999, false)
        .range("weight_decay", weightDecay, 0, 1, false)
        .range("adam_beta1", adamBeta1, 0, 0.999999, false)
        .range("adam_beta2", adamBeta2, 0, 0.999999, false)
        .range("adam_eps", adamEps, 0, 1, true)
        .range("max_grad_norm", maxGradNorm, 0, Double.MAX_VALUE, false)
        .atLeast("log_every", logEvery, 1)
        .between(
            "keep_last",
            keepLast,
            1,
            1000,
            "each kept checkpoint holds the adapter and its optimizer state on disk")
        .oneOf("batching", batching, BATCHING);
    if ("packing".equals(batching) && "djl".equals(engine)) {
      c.fail(
          "batching",
          "packing is implemented by the hf engine only; with engine djl use"
              + " length-grouped (on a CPU, length-grouped micro-batches already waste little"
              + " padding)");
    }
    c.present("python", python)
        .between("retries", retries, 0, 100, "a child that crashed 100 times will crash again")
        .done();
  }

  public int effectiveBatch() {
    return microBatch * gradAccum;
  }

  /** Steps between evaluations, or -1 for once per epoch. */
  public int evalEverySteps() {
    return Interval.steps(evalEvery);
  }

  /** Steps between checkpoints, or -1 for once per epoch; {@code eval} follows eval_every. */
  public int saveEverySteps() {
    return "eval".equals(saveEvery) ? evalEverySteps() : Interval.steps(saveEvery);
  }

  static TrainSpec read(Section s) {
    return new TrainSpec(
        s.oneOf("engine", "djl", ENGINES),
        s.oneOf("device", "auto", DEVICES),
        s.number("epochs", 1.0),
        s.integer("max_steps", null),
        s.integer("limit", null),
        s.integer("eval_limit", null),
        s.integer("micro_batch", 4),
        s.integer("grad_accum", 2),
        s.number("lr", 2e-4),
        s.oneOf("schedule", "cosine", SCHEDULES),
        s.number("warmup_ratio", 0.03),
        s.number("weight_decay", 0.0),
        s.number("adam_beta1", 0.9),
        s.number("adam_beta2", 0.999),
        s.number("adam_eps", 1e-8),
        s.number("max_grad_norm", 1.0),
        s.integer("log_every", 10),
        s.integerOrWord("eval_every", "epoch", List.of("epoch")),
        s.integerOrWord("save_every", "eval", List.of("epoch", "eval")),
        s.integer("keep_last", 2),
        s.longValue("seed", 42L),
        s.oneOf("batching", "length-grouped", BATCHING),
        s.string("python", "python3"),
        s.integer("retries", 1));
  }

  /** Parses {@code epoch} or a step count. */
  static final class Interval {
    private Interval() {}

    static int steps(String value) {
      return "epoch".equals(value) ? -1 : Integer.parseInt(value);
    }
  }
}
