package io.tunecard.workflow;

/**
 * BERTScore with {@code bert_score} semantics. {@code model} is a Hugging Face RoBERTa directory or
 * a Hub id found in the local Hugging Face cache; when no weights are found the metric is reported
 * as not computed, never estimated.
 */
public record BertScoreSpec(String model, int layer, boolean rescaleWithBaseline, int batch) {
  /** Pairs matched per batch: bert_score's default, whose padding the scores depend on. */
  public static final int DEFAULT_BATCH = 64;

  public BertScoreSpec {
    Check.present("model", model);
    Check.atLeast("layer", layer, 1);
    Check.atLeast("batch", batch, 1);
  }

  static BertScoreSpec read(Section s) {
    return new BertScoreSpec(
        s.string("model", "roberta-large"),
        s.integer("layer", 17),
        s.bool("rescale_with_baseline", false),
        s.integer("batch", DEFAULT_BATCH));
  }
}
