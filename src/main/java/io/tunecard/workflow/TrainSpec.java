package io.tunecard.workflow;

import java.util.List;

/**
 * The LoRA fine-tune. Steps are optimizer steps: one step consumes {@code micro_batch * grad_accum}
 * training rows. Each key's default, bounds and meaning are declared once, in the {@link Setting}
 * constants below.
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

  public static final Setting<String> ENGINE =
      Setting.choice("engine", "djl", ENGINES)
          .help("`djl` (the JVM engine, CPU) or `hf` (the transformers + PEFT worker, GPU hosts)");
  public static final Setting<String> DEVICE =
      Setting.choice("device", "auto", DEVICES)
          .help("where the training and evaluation children run; `auto`: a GPU when one is seen");
  public static final Setting<Double> EPOCHS =
      Setting.number("epochs", 1.0, 0, 10_000, true)
          .help("passes over the training rows (fractions allowed)");
  public static final Setting<Integer> MAX_STEPS =
      Setting.count("max_steps", null, 1)
          .help("stop after this many optimizer steps even if epochs remain");
  public static final Setting<Integer> LIMIT =
      Setting.count("limit", null, 1).help("use only the first N training rows (in split order)");
  public static final Setting<Integer> EVAL_LIMIT =
      Setting.count("eval_limit", null, 1)
          .help(
              "score only the first N validation rows (in split order) at each evaluation during"
                  + " training (null: all)");
  public static final Setting<Integer> MICRO_BATCH =
      Setting.count(
              "micro_batch",
              4,
              1,
              MAX_MICRO_BATCH,
              "a micro-batch is held in memory at once; raise grad_accum for a larger effective"
                  + " batch")
          .help(
              "rows per forward pass; one optimizer step = micro_batch × grad_accum rows, and"
                  + " micro_batch × max_seq_len is at most 1,048,576 tokens");
  public static final Setting<Integer> GRAD_ACCUM =
      Setting.count(
              "grad_accum",
              2,
              1,
              1 << 16,
              "an optimizer step would then see more rows than MedQuAD has")
          .help("micro-batches per optimizer step");
  public static final Setting<Double> LR =
      Setting.number("lr", 2e-4, 0, 1, true).help("peak learning rate");
  public static final Setting<String> SCHEDULE =
      Setting.choice("schedule", "cosine", SCHEDULES).help("after a linear warm-up");
  public static final Setting<Double> WARMUP_RATIO =
      Setting.number("warmup_ratio", 0.03, 0, 0.999, false)
          .help("share of the steps spent warming up");
  public static final Setting<Double> WEIGHT_DECAY =
      Setting.number("weight_decay", 0.0, 0, 1, false).help("AdamW's decoupled weight decay");
  public static final Setting<Double> ADAM_BETA1 =
      Setting.number("adam_beta1", 0.9, 0, 0.999999, false).help("AdamW");
  public static final Setting<Double> ADAM_BETA2 =
      Setting.number("adam_beta2", 0.999, 0, 0.999999, false).help("AdamW");
  public static final Setting<Double> ADAM_EPS =
      Setting.number("adam_eps", 1e-8, 0, 1, true).help("AdamW");
  public static final Setting<Double> MAX_GRAD_NORM =
      Setting.number("max_grad_norm", 1.0, 0, Double.MAX_VALUE, false)
          .help("gradient clipping (0 turns it off)");
  public static final Setting<Integer> LOG_EVERY =
      Setting.count("log_every", 10, 1).help("a row in `train/metrics.jsonl` every N steps");
  public static final Setting<String> EVAL_EVERY =
      Setting.steps("eval_every", "epoch", List.of("epoch"))
          .help("validation loss every N steps, or at each epoch's end");
  public static final Setting<String> SAVE_EVERY =
      Setting.steps("save_every", "eval", List.of("epoch", "eval"))
          .help("a checkpoint with each evaluation, at each `epoch`, or every N steps");
  public static final Setting<Integer> KEEP_LAST =
      Setting.count(
              "keep_last",
              2,
              1,
              1000,
              "each kept checkpoint holds the adapter and its optimizer state on disk")
          .help("checkpoints kept besides the best (lowest validation loss)");
  public static final Setting<Long> SEED =
      Setting.seed("seed", 42L).help("data order, dropout and initialisation");
  public static final Setting<String> BATCHING_KEY =
      Setting.choice("batching", "length-grouped", BATCHING)
          .help("micro-batches of similar length, or `packing` (hf engine only)");
  public static final Setting<String> PYTHON =
      Setting.text("python", "python3").help("the interpreter that runs the hf worker");
  public static final Setting<Integer> RETRIES =
      Setting.count("retries", 1, 0, 100, "a child that crashed 100 times will crash again")
          .help("times a crashed training child is restarted from its last complete checkpoint");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          ENGINE,
          DEVICE,
          EPOCHS,
          MAX_STEPS,
          LIMIT,
          EVAL_LIMIT,
          MICRO_BATCH,
          GRAD_ACCUM,
          LR,
          SCHEDULE,
          WARMUP_RATIO,
          WEIGHT_DECAY,
          ADAM_BETA1,
          ADAM_BETA2,
          ADAM_EPS,
          MAX_GRAD_NORM,
          LOG_EVERY,
          EVAL_EVERY,
          SAVE_EVERY,
          KEEP_LAST,
          SEED,
          BATCHING_KEY,
          PYTHON,
          RETRIES);

  public TrainSpec {
    Check c = new Check();
    ENGINE.check(c, engine);
    DEVICE.check(c, device);
    EPOCHS.check(c, epochs);
    MAX_STEPS.check(c, maxSteps);
    LIMIT.check(c, limit);
    EVAL_LIMIT.check(c, evalLimit);
    MICRO_BATCH.check(c, microBatch);
    GRAD_ACCUM.check(c, gradAccum);
    LR.check(c, lr);
    SCHEDULE.check(c, schedule);
    WARMUP_RATIO.check(c, warmupRatio);
    WEIGHT_DECAY.check(c, weightDecay);
    ADAM_BETA1.check(c, adamBeta1);
    ADAM_BETA2.check(c, adamBeta2);
    ADAM_EPS.check(c, adamEps);
    MAX_GRAD_NORM.check(c, maxGradNorm);
    LOG_EVERY.check(c, logEvery);
    KEEP_LAST.check(c, keepLast);
    BATCHING_KEY.check(c, batching);
    if ("packing".equals(batching) && "djl".equals(engine)) {
      c.fail(
          "batching",
          "packing is implemented by the hf engine only; with engine djl use"
              + " length-grouped (on a CPU, length-grouped micro-batches already waste little"
              + " padding)");
    }
    c.present("python", python);
    RETRIES.check(c, retries).done();
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
        ENGINE.read(s),
        DEVICE.read(s),
        EPOCHS.read(s),
        MAX_STEPS.read(s),
        LIMIT.read(s),
        EVAL_LIMIT.read(s),
        MICRO_BATCH.read(s),
        GRAD_ACCUM.read(s),
        LR.read(s),
        SCHEDULE.read(s),
        WARMUP_RATIO.read(s),
        WEIGHT_DECAY.read(s),
        ADAM_BETA1.read(s),
        ADAM_BETA2.read(s),
        ADAM_EPS.read(s),
        MAX_GRAD_NORM.read(s),
        LOG_EVERY.read(s),
        EVAL_EVERY.read(s),
        SAVE_EVERY.read(s),
        KEEP_LAST.read(s),
        SEED.read(s),
        BATCHING_KEY.read(s),
        PYTHON.read(s),
        RETRIES.read(s));
  }

  /** Parses {@code epoch} or a step count. */
  static final class Interval {
    private Interval() {}

    static int steps(String value) {
      return "epoch".equals(value) ? -1 : Integer.parseInt(value);
    }
  }
}
