package io.tunecard.evaluate;

import io.tunecard.worker.WorkerSpecs;
import io.tunecard.workflow.StrategySpec;
import java.io.Serializable;

/**
 * How one strategy decodes, with Hugging Face {@code generate} semantics: greedy when neither beams
 * nor sampling are asked for; beam search with {@code numBeams > 1}; sampling with temperature,
 * then top-k, then top-p (transformers' order). {@code earlyStopping} is transformers' boolean (its
 * {@code "never"} is not offered).
 *
 * @param topK 0 turns top-k off
 * @param topP 1 turns top-p off
 * @param minNewTokens EOS is impossible before this many new tokens
 * @param seed the strategy's seed; each question draws from its own generator derived from it
 */
public record Decoding(
    int numBeams,
    double lengthPenalty,
    boolean earlyStopping,
    boolean doSample,
    double temperature,
    int topK,
    double topP,
    int minNewTokens,
    int maxNewTokens,
    long seed)
    implements Serializable {

  public Decoding {
    if (numBeams < 1) {
      throw new IllegalArgumentException("num_beams: expected >= 1, found " + numBeams);
    }
    if (doSample && numBeams > 1) {
      throw new IllegalArgumentException("num_beams: beam sampling is not supported");
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature: expected a number > 0, found " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top_k: expected >= 0, found " + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top_p: expected a number in (0, 1], found " + topP);
    }
    if (minNewTokens < 0) {
      throw new IllegalArgumentException("min_new_tokens: expected >= 0, found " + minNewTokens);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens: expected >= 1, found " + maxNewTokens);
    }
    if (Double.isNaN(lengthPenalty) || Double.isInfinite(lengthPenalty)) {
      throw new IllegalArgumentException(
          "length_penalty: expected a number, found " + lengthPenalty);
    }
  }

  /**
   * The decoding of a workflow strategy; a strategy without a seed gets {@code evalSeed +
   * CRC32(name)} as the hf engine does ({@link WorkerSpecs#strategySeed}).
   */
  public static Decoding of(StrategySpec s, int maxNewTokens, long evalSeed) {
    return new Decoding(
        s.numBeams(),
        s.lengthPenalty(),
        s.earlyStopping(),
        s.doSample(),
        s.temperature(),
        s.topK(),
        s.topP(),
        s.minNewTokens(),
        maxNewTokens,
        s.seed() != null ? s.seed() : WorkerSpecs.strategySeed(evalSeed, s.name()));
  }

  public static Decoding greedy(int maxNewTokens) {
    return new Decoding(1, 1.0, false, false, 1.0, 0, 1.0, 0, maxNewTokens, 0);
  }

  public boolean isBeamSearch() {
    return numBeams > 1;
  }
}
