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
 * @param generateBatch questions the hf engine's decoding loop keeps in flight (divided by a beam
 *     strategy's beams); null: {@code batch}. The eval loss always batches by {@code batch}, the
 *     batch size its Trainer-compatible mean depends on
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
    boolean rougeStemming,
    Integer generateBatch) {

  public static final List<String> SPLITS = List.of("test", "validation");

  /** Bootstrap resamples: at least 1000 for a 95 % interval; see {@link #MAX_RESAMPLES}. */
  public static final int MIN_RESAMPLES = 1000;

  /** Each resample redraws every answer: 10^6 resamples of 16,000 answers is 1.6e10 draws. */
  public static final int MAX_RESAMPLES = 1_000_000;

  public static final String RESAMPLES_WHY =
      "each resample redraws every answer, and a million already bound a 95 % interval's ends"
          + " far below the metrics' printed precision";

  /** Sequences generated at once (per beam); activations and KV cache grow with it. */
  static final int MAX_BATCH = 4096;

  static final String BATCH_WHY = "a batch is held in memory at once";

  public EvalSpec {
    strategies = List.copyOf(strategies);
    Check c =
        new Check()
            .oneOf("engine", engine, TrainSpec.ENGINES)
            .oneOf("split", split, SPLITS)
            .between(
                "max_new_tokens",
                maxNewTokens,
                1,
                ModelSpec.MAX_POSITIONS - 1,
                ModelSpec.POSITIONS_WHY)
            .between("batch", batch, 1, MAX_BATCH, BATCH_WHY)
            .between(
                "bootstrap_resamples",
                bootstrapResamples,
                MIN_RESAMPLES,
                MAX_RESAMPLES,
                RESAMPLES_WHY);
    if (limit != null) {
      c.atLeast("limit", limit, 1);
    }
    if (generateBatch != null) {
      c.between("generate_batch", generateBatch, 1, MAX_BATCH, BATCH_WHY);
    }
    if (strategies.isEmpty()) {
      c.fail("strategies", "expected at least one strategy");
    }
    var names = new HashSet<String>();
    for (StrategySpec st : strategies) {
      if (!names.add(st.name())) {
        c.fail("strategies", "duplicate name '" + st.name() + "'");
      }
      if (st.minNewTokens() > maxNewTokens) {
        c.fail(
            "strategies",
            "'"
                + st.name()
                + "' has min_new_tokens "
                + st.minNewTokens()
                + ", more than max_new_tokens "
                + maxNewTokens);
      }
    }
    if (bertscore != null && !"fp32".equals(bertscore.dtype()) && !"hf".equals(engine)) {
      c.fail(
          "bertscore.dtype",
          bertscore.dtype() + " needs engine: hf (the djl engine encodes in fp32)");
    }
    c.done();
  }

  /** The six strategies of the reference fine-tune. */
  public static List<StrategySpec> referenceStrategies() {
    return List.of(
        StrategySpec.greedy("beam_4").withBeams(4),
        StrategySpec.sampling("topp_0.9").withTopP(0.9),
        StrategySpec.sampling("temp_1.2").withTemperature(1.2),
        StrategySpec.greedy("greedy"),
        StrategySpec.sampling("temp_0.9").withTemperature(0.9),
        StrategySpec.sampling("topk_50"));
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
        s.integer("bootstrap_resamples", MIN_RESAMPLES),
        s.longValue("seed", 42L),
        s.bool("rouge_stemming", false),
        s.integer("generate_batch", null));
  }

  /**
   * Questions the hf engine's decoding loop keeps in flight: {@code generate_batch}, else batch.
   */
  public int generationBatch() {
    return generateBatch != null ? generateBatch : batch;
  }
}
