package io.tunecard.workflow;

/**
 * BERTScore with {@code bert_score} semantics. {@code model} is a Hugging Face RoBERTa directory or
 * a Hub id found in the local Hugging Face cache; when no weights are found the metric is reported
 * as not computed, never estimated.
 */
public record BertScoreSpec(String model, int layer, boolean rescaleWithBaseline, int batch) {

  public BertScoreSpec {
    new Check()
        .present("model", model)
        .between("layer", layer, 1, 1000, "no encoder has more layers")
        .between("batch", batch, 1, EvalSpec.MAX_BATCH, EvalSpec.BATCH_WHY)
        .done();
  }

  static BertScoreSpec read(Section s) {
    return new BertScoreSpec(
        s.string("model", "roberta-large"),
        s.integer("layer", 17),
        s.bool("rescale_with_baseline", false),
        s.integer("batch", 32));
  }
}
