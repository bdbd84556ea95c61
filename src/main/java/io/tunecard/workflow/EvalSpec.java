package io.tunecard.workflow;

import java.util.HashSet;
import java.util.List;

/**
 * Evaluation: eval loss of every checkpoint, then generation with each strategy on the chosen
 * split, scored against the references. Each key's default, bounds and meaning are declared once,
 * in the {@link Setting} constants below.
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

  public static final Setting<String> ENGINE =
      Setting.choice("engine", "djl", TrainSpec.ENGINES).help("who evaluates");
  public static final Setting<String> SPLIT =
      Setting.choice("split", "test", SPLITS).help("the questions answered and scored");
  public static final Setting<Integer> LIMIT =
      Setting.count("limit", null, 1)
          .help("score only the first N questions of the split (null: all of them)");
  public static final Setting<Integer> MAX_NEW_TOKENS =
      Setting.count("max_new_tokens", 256, 1, ModelSpec.MAX_POSITIONS - 1, ModelSpec.POSITIONS_WHY)
          .help(
              "generation cap; answers that reach it are counted and flagged in the card (below"
                  + " the model's positions)");
  public static final Setting<Integer> BATCH =
      Setting.count("batch", 8, 1, MAX_BATCH, BATCH_WHY)
          .help(
              "validation rows per batch of the eval loss (the Trainer-compatible `eval_loss` is a"
                  + " mean of batch means, so it depends on it) and questions generated together"
                  + " unless `generate_batch` is set");
  public static final Setting<Integer> GENERATE_BATCH =
      Setting.count("generate_batch", null, 1, MAX_BATCH, BATCH_WHY)
          .help(
              "`hf` engine: questions its decoding loop keeps in flight (a beam strategy's divided"
                  + " by its beams); on a large GPU 512 keeps it busy (docs/benchmarks.md) while"
                  + " `batch` stays the eval loss's")
          .shown("`batch`");
  public static final Setting<Boolean> COMPARE_BASE =
      Setting.flag("compare_base", true)
          .help("also generate with the base model, for base vs fine-tune");
  public static final Setting<Integer> BOOTSTRAP_RESAMPLES =
      Setting.count(
              "bootstrap_resamples", MIN_RESAMPLES, MIN_RESAMPLES, MAX_RESAMPLES, RESAMPLES_WHY)
          .help("resamples of each 95 % bootstrap interval");
  public static final Setting<Long> SEED =
      Setting.seed("seed", 42L).help("bootstrap and sampling seeds");
  public static final Setting<Boolean> ROUGE_STEMMING =
      Setting.flag("rouge_stemming", false).help("Porter stemming in ROUGE-L");

  /**
   * This section's scalar keys, in the order docs/workflow.md lists them ({@code strategies} and
   * {@code bertscore} are sections of their own).
   */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          ENGINE,
          SPLIT,
          LIMIT,
          MAX_NEW_TOKENS,
          BATCH,
          GENERATE_BATCH,
          COMPARE_BASE,
          BOOTSTRAP_RESAMPLES,
          SEED,
          ROUGE_STEMMING);

  public EvalSpec {
    strategies = List.copyOf(strategies);
    Check c = new Check();
    ENGINE.check(c, engine);
    SPLIT.check(c, split);
    MAX_NEW_TOKENS.check(c, maxNewTokens);
    BATCH.check(c, batch);
    BOOTSTRAP_RESAMPLES.check(c, bootstrapResamples);
    LIMIT.check(c, limit);
    GENERATE_BATCH.check(c, generateBatch);
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
        ENGINE.read(s),
        SPLIT.read(s),
        LIMIT.read(s),
        MAX_NEW_TOKENS.read(s),
        BATCH.read(s),
        s.list("strategies", referenceStrategies(), StrategySpec::read),
        s.optional("bertscore", BertScoreSpec::read),
        COMPARE_BASE.read(s),
        BOOTSTRAP_RESAMPLES.read(s),
        SEED.read(s),
        ROUGE_STEMMING.read(s),
        GENERATE_BATCH.read(s));
  }

  /**
   * Questions the hf engine's decoding loop keeps in flight: {@code generate_batch}, else batch.
   */
  public int generationBatch() {
    return generateBatch != null ? generateBatch : batch;
  }
}
