package io.tunecard.evaluate;

import io.tunecard.workflow.StrategySpec;
import java.util.Objects;

/**
 * How the JVM decoder runs one strategy: the strategy's knobs ({@link StrategySpec}, checked there)
 * with what the run adds to them.
 *
 * @param maxNewTokens generation stops after this many new tokens
 * @param seed the strategy's resolved seed; each question draws from its own generator derived from
 *     it ({@link QuestionSeeds})
 */
public record Decoding(StrategySpec strategy, int maxNewTokens, long seed) {

  public Decoding {
    Objects.requireNonNull(strategy, "strategy");
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("max_new_tokens: expected >= 1, found " + maxNewTokens);
    }
  }

  /** The decoding of a workflow strategy, its seed resolved against {@code evalSeed}. */
  public static Decoding of(StrategySpec s, int maxNewTokens, long evalSeed) {
    return new Decoding(s, maxNewTokens, s.resolvedSeed(evalSeed));
  }

  public static Decoding greedy(int maxNewTokens) {
    return new Decoding(StrategySpec.greedy("greedy"), maxNewTokens, 0);
  }

  public boolean isBeamSearch() {
    return strategy.numBeams() > 1;
  }
}
