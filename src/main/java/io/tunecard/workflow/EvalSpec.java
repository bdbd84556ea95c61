package io.tunecard.workflow;

import java.util.HashSet;
import java.util.List;

/**
 * Evaluation: eval loss of every checkpoint, then generation with each strategy on the chosen
 * split, scored against the references.
 *
 * @param limit score only the first N questions of the split (null: all of them)
 * @param compareBase also generate with the base model, for a base-vs-fine-tune comparison
 * @param bootstrapResamples resamples of each 95 % bootstrap confidence interval
 */
public record EvalSpec(
    String engine,
    String split,
    Integer limit,
    int maxNewTokens,
    int batch,
    List<StrategySpec> strategies,
    BertScoreSpec bertscore,
    boolean compareBase,
    int bootstrapResamples,
    long seed,
    boolean rougeStemming) {

  public static final List<String> SPLITS = List.of("test", "validation");

  public EvalSpec {
    Check.oneOf("engine", engine, TrainSpec.ENGINES);
    Check.oneOf("split", split, SPLITS);
    if (limit != null) {
      Check.atLeast("limit", limit, 1);
    }
    Check.atLeast("max_new_tokens", maxNewTokens, 1);
    Check.atLeast("batch", batch, 1);
    strategies = List.copyOf(strategies);
    if (strategies.isEmpty()) {
      throw new IllegalArgumentException("strategies: expected at least one strategy");
    }
    var names = new HashSet<String>();
    for (StrategySpec st : strategies) {
      if (!names.add(st.name())) {
        throw new IllegalArgumentException("strategies: duplicate name '" + st.name() + "'");
      }
    }
    Check.atLeast("bootstrap_resamples", bootstrapResamples, 1000);
    if (bertscore != null && !"fp32".equals(bertscore.dtype()) && !"hf".equals(engine)) {
      throw new IllegalArgumentException(
          "bertscore.dtype: "
              + bertscore.dtype()
              + " needs engine: hf (the djl engine encodes in fp32)");
    }
  }

  /** The six strategies of the reference fine-tune. */
  public static List<StrategySpec> referenceStrategies() {
    return List.of(
        new StrategySpec("beam_4", 4, 1.0, false, false, 1.0, 0, 1.0, 0, null),
        new StrategySpec("topp_0.9", 1, 1.0, false, true, 1.0, 50, 0.9, 0, null),
        new StrategySpec("temp_1.2", 1, 1.0, false, true, 1.2, 50, 1.0, 0, null),
        StrategySpec.greedy("greedy"),
        new StrategySpec("temp_0.9", 1, 1.0, false, true, 0.9, 50, 1.0, 0, null),
        new StrategySpec("topk_50", 1, 1.0, false, true, 1.0, 50, 1.0, 0, null));
  }

  static EvalSpec read(Section s) {
    return new EvalSpec(
        s.oneOf("engine", "djl", TrainSpec.ENGINES),
        s.oneOf("split", "test", SPLITS),
        s.integer("limit", null),
        s.integer("max_new_tokens", 256),
        s.integer("batch", 8),
        s.list("strategies", referenceStrategies(), StrategySpec::read),
        s.optional("bertscore", BertScoreSpec::read),
        s.bool("compare_base", true),
        s.integer("bootstrap_resamples", 1000),
        s.longValue("seed", 42L),
        s.bool("rouge_stemming", false));
  }
}
