package io.tunecard.workflow;

import java.util.List;

/**
 * BERTScore with {@code bert_score} semantics. {@code model} is a Hugging Face RoBERTa directory or
 * a Hub id found in the local Hugging Face cache; when no weights are found the metric is reported
 * as not computed, never estimated.
 *
 * @param dtype the encoder's precision: {@code fp32}, or {@code bf16} (the hf engine on a GPU only)
 */
public record BertScoreSpec(
    String model, int layer, boolean rescaleWithBaseline, int batch, String dtype) {
  public static final List<String> DTYPES = List.of("fp32", "bf16");

  /** Pairs matched per batch: bert_score's default, whose padding the scores depend on. */
  public static final int DEFAULT_BATCH = 64;

  public static final Setting<String> MODEL =
      Setting.text("model", "roberta-large")
          .help("a Hugging Face RoBERTa directory, or a Hub id found in the local cache");
  public static final Setting<Integer> LAYER =
      Setting.count("layer", 17, 1, 1000, "no encoder has more layers")
          .help("the encoder layer whose embeddings are matched");
  public static final Setting<Boolean> RESCALE_WITH_BASELINE =
      Setting.flag("rescale_with_baseline", false)
          .help("rescale with the model's `rescale_baseline.tsv`, as `bert_score`");
  public static final Setting<Integer> BATCH =
      Setting.count("batch", DEFAULT_BATCH, 1, EvalSpec.MAX_BATCH, EvalSpec.BATCH_WHY)
          .help("pairs per batch, as `bert_score` (whose padding the scores depend on)");
  public static final Setting<String> DTYPE =
      Setting.choice("dtype", "fp32", DTYPES)
          .help("the encoder's precision; `bf16` (on a GPU) needs `eval.engine: hf`");

  /** This section's keys, in the order docs/workflow.md lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(MODEL, LAYER, RESCALE_WITH_BASELINE, BATCH, DTYPE);

  public BertScoreSpec {
    Check c = new Check().present("model", model);
    LAYER.check(c, layer);
    BATCH.check(c, batch);
    DTYPE.check(c, dtype).done();
  }

  /** What the evaluation uses when the workflow has no {@code eval.bertscore} section. */
  public static BertScoreSpec defaults() {
    return new BertScoreSpec(
        MODEL.fallback(),
        LAYER.fallback(),
        RESCALE_WITH_BASELINE.fallback(),
        BATCH.fallback(),
        DTYPE.fallback());
  }

  static BertScoreSpec read(Section s) {
    return new BertScoreSpec(
        MODEL.read(s), LAYER.read(s), RESCALE_WITH_BASELINE.read(s), BATCH.read(s), DTYPE.read(s));
  }
}
