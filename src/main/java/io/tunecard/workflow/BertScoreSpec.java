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

  public BertScoreSpec {
    new Check()
        .present("model", model)
        .between("layer", layer, 1, 1000, "no encoder has more layers")
        .between("batch", batch, 1, EvalSpec.MAX_BATCH, EvalSpec.BATCH_WHY)
        .oneOf("dtype", dtype, DTYPES)
        .done();
  }

  /** What the evaluation uses when the workflow has no {@code eval.bertscore} section. */
  public static BertScoreSpec defaults() {
    return new BertScoreSpec("roberta-large", 17, false, DEFAULT_BATCH, "fp32");
  }

  static BertScoreSpec read(Section s) {
    return new BertScoreSpec(
        s.string("model", "roberta-large"),
        s.integer("layer", 17),
        s.bool("rescale_with_baseline", false),
        s.integer("batch", DEFAULT_BATCH),
        s.oneOf("dtype", "fp32", DTYPES));
  }
}
