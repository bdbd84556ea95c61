package io.tunecard.evaluate;

import io.tunecard.workflow.WorkflowContext;
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
  private final WorkflowContext context;
  private final EvalOptions options;

  public MergeGenerations(WorkflowContext context, EvalOptions options) {
    this.context = context;
    this.options = options;
  }

  @Override
  public PCollection<KV<String, GenerationSet>> expand(
      PCollection<KV<String, GeneratedAnswer>> answers) {
    return answers
        .apply("GroupByModelAndStrategy", GroupByKey.create())
        .apply("WriteGenerations", ParDo.of(new GenerateSteps.WriteFile(context, options)));
  }
}
