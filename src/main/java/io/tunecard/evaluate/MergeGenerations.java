package io.tunecard.evaluate;

import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Gathers the answers of each model and strategy into {@code eval/generations/<strategy>.jsonl}
 * (the fine-tune) or {@code eval/generations-base/<strategy>.jsonl}, sorted by id and written
 * atomically; outputs each set keyed by strategy.
 */
public final class MergeGenerations
    extends PTransform<
        PCollection<KV<String, GeneratedAnswer>>, PCollection<KV<String, GenerationSet>>> {
  private static final long serialVersionUID = 1L;
  private final EvalSettings settings;

  public MergeGenerations(EvalSettings settings) {
    this.settings = settings;
  }

  @Override
  public PCollection<KV<String, GenerationSet>> expand(
      PCollection<KV<String, GeneratedAnswer>> answers) {
    return answers
        .apply("GroupByModelAndStrategy", GroupByKey.create())
        .apply("WriteGenerations", ParDo.of(new GenerateSteps.WriteFile(settings)));
  }
}
