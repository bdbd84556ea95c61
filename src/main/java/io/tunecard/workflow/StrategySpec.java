package io.tunecard.workflow;

/**
 * A decoding strategy with Hugging Face {@code generate} semantics. Sampling is on when any of
 * temperature, top_k or top_p is set (or {@code do_sample: true}); as in transformers, a sampling
 * strategy without {@code top_k} uses top_k 50 ({@code top_k: 0} turns it off), and logits
 * processors apply in transformers' order: temperature, top-k, top-p.
 *
 * @param seed per-strategy seed; null derives one from the workflow's eval seed and the name
 */
public record StrategySpec(
    String name,
    int numBeams,
    double lengthPenalty,
    boolean earlyStopping,
    boolean doSample,
    double temperature,
    int topK,
    double topP,
    int minNewTokens,
    Long seed) {

  /** transformers' default top_k when sampling and none is given. */
  public static final int HF_DEFAULT_TOP_K = 50;

  public StrategySpec {
    Check c =
        new Check()
            .present("name", name)
            .matches(
                "name",
                name,
                "[A-Za-z0-9_.\\-]{1,64}",
                "letters, digits, '_', '.', '-' (it names a file)")
            .between(
                "num_beams",
                numBeams,
                1,
                64,
                "every beam is a sequence generated at once, with its own KV cache")
            .range("temperature", temperature, 0, 100, true)
            .between(
                "top_k",
                topK,
                0,
                TokenizerSpec.MAX_VOCAB,
                "top_k counts vocabulary entries, and no supported vocabulary is larger")
            .range("top_p", topP, 0, 1, true)
            .between(
                "min_new_tokens",
                minNewTokens,
                0,
                ModelSpec.MAX_POSITIONS,
                ModelSpec.POSITIONS_WHY);
    if (c.ok("num_beams") && doSample && numBeams > 1) {
      c.fail("num_beams", "beam sampling is not supported; use num_beams 1 with sampling");
    }
    c.done();
  }

  public static StrategySpec greedy(String name) {
    return new StrategySpec(name, 1, 1.0, false, false, 1.0, 0, 1.0, 0, null);
  }

  static StrategySpec read(Section s) {
    boolean sampling =
        s.has("temperature") || s.has("top_k") || s.has("top_p") || s.bool("do_sample", false);
    return new StrategySpec(
        s.requiredString("name"),
        s.integer("num_beams", 1),
        s.number("length_penalty", 1.0),
        s.bool("early_stopping", false),
        sampling,
        s.number("temperature", 1.0),
        s.integer("top_k", sampling ? HF_DEFAULT_TOP_K : 0),
        s.number("top_p", 1.0),
        s.integer("min_new_tokens", 0),
        s.longValue("seed", null));
  }
}
