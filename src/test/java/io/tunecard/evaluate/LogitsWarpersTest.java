package io.tunecard.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunecard.workflow.StrategySpec;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sampling warpers against distributions worked out by hand. */
class LogitsWarpersTest {
  static StrategySpec sampling(double temperature, int topK, double topP) {
    return StrategySpec.sampling("s").withTemperature(temperature).withTopK(topK).withTopP(topP);
  }

  static float[] logs(double... probs) {
    float[] out = new float[probs.length];
    for (int i = 0; i < probs.length; i++) {
      out[i] = (float) Math.log(probs[i]);
    }
    return out;
  }

  static void assertDistribution(double[] actual, double... expected) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("p[%d]", i).isCloseTo(expected[i], within(1e-6));
    }
  }

  @Test
  void temperatureDividesTheLogits() {
    double[] p = LogitsWarpers.distribution(new float[] {1, 2, 3}, sampling(2.0, 0, 1.0));
    double z = Math.exp(0.5) + Math.exp(1.0) + Math.exp(1.5);
    assertDistribution(p, Math.exp(0.5) / z, Math.exp(1.0) / z, Math.exp(1.5) / z);
  }

  @Test
  void topKKeepsEveryTokenTiedWithTheKth() {
    float[] logits = {1, 3, 2, 3, 0};
    assertDistribution(LogitsWarpers.distribution(logits, sampling(1, 2, 1)), 0, .5, 0, .5, 0);
    double z = 2 * Math.exp(3) + Math.exp(2);
    assertDistribution(
        LogitsWarpers.distribution(logits, sampling(1, 3, 1)),
        0,
        Math.exp(3) / z,
        Math.exp(2) / z,
        Math.exp(3) / z,
        0);
  }

  @Test
  void topPRemovesTheTailWhoseCumulativeProbabilityStaysWithinOneMinusP() {
    float[] logits = logs(0.5, 0.3, 0.15, 0.05);
    // ascending 0.05, 0.15, 0.30, 0.50; cumulative 0.05, 0.20, 0.50, 1.00
    assertDistribution(
        LogitsWarpers.distribution(logits, sampling(1, 0, 0.9)),
        0.5 / 0.95,
        0.3 / 0.95,
        0.15 / 0.95,
        0); // only 0.05 <= 0.1
    assertDistribution(
        LogitsWarpers.distribution(logits, sampling(1, 0, 0.75)), 0.5 / 0.8, 0.3 / 0.8, 0, 0);
    // a tiny p still keeps the most probable token (min_tokens_to_keep = 1)
    assertDistribution(LogitsWarpers.distribution(logits, sampling(1, 0, 0.01)), 1, 0, 0, 0);
  }

  @Test
  void temperatureThenTopKThenTopP() {
    float[] logits = logs(0.4, 0.3, 0.2, 0.1);
    // T = 2: p ~ sqrt(q) = .6325 .5477 .4472 .3162; top-k 3 drops the last; of the remaining
    // three (.3886 .3366 .2748) top-p 0.7 drops .2748 (cumulative .2748 <= 0.3).
    double a = Math.sqrt(0.4);
    double b = Math.sqrt(0.3);
    assertDistribution(
        LogitsWarpers.distribution(logits, sampling(2.0, 3, 0.7)), a / (a + b), b / (a + b), 0, 0);
    // without temperature and top-k, p = 0.75 keeps three tokens: cumulative .1 <= .25 removes
    // the last, .1 + .2 > .25 keeps the third
    assertDistribution(
        LogitsWarpers.distribution(logits, sampling(1.0, 0, 0.75)), .4 / .9, .3 / .9, .2 / .9, 0);
  }

  @Test
  void samplingDrawsFromTheDistribution() {
    float[] logits = logs(0.5, 0.3, 0.15, 0.05);
    SplittableRandom random = new SplittableRandom(7);
    int[] counts = new int[4];
    int n = 40_000;
    for (int i = 0; i < n; i++) {
      counts[LogitsWarpers.sample(logits.clone(), 0, 4, random)]++;
    }
    double[] expected = {0.5, 0.3, 0.15, 0.05};
    for (int i = 0; i < 4; i++) {
      assertThat(counts[i] / (double) n).isCloseTo(expected[i], within(0.01));
    }
    float[] cut = logits.clone();
    LogitsWarpers.topK(cut, 0, 4, 1);
    assertThat(LogitsWarpers.sample(cut, 0, 4, random)).isZero();
  }

  @Test
  void minNewTokensSuppressesEos() {
    float[] s = {0, 5, 1};
    LogitsWarpers.suppress(s, 0, new long[] {1});
    assertThat(LogitsWarpers.argmax(s, 0, 3)).isEqualTo(2);
  }

  @Test
  void aQuestionsGeneratorDependsOnSeedAndIdOnly() {
    long a = QuestionSeeds.random(42, "GARD_0001-1").nextLong();
    assertThat(QuestionSeeds.random(42, "GARD_0001-1").nextLong()).isEqualTo(a);
    assertThat(QuestionSeeds.random(43, "GARD_0001-1").nextLong()).isNotEqualTo(a);
    assertThat(QuestionSeeds.random(42, "GARD_0001-2").nextLong()).isNotEqualTo(a);
  }

  @Test
  void topKThresholdIsTheKthLargestOnRandomRows() {
    SplittableRandom r = new SplittableRandom(11);
    for (int trial = 0; trial < 200; trial++) {
      int vocab = r.nextInt(1, 300);
      int k = r.nextInt(1, vocab + 1);
      float[] s = new float[vocab];
      for (int i = 0; i < vocab; i++) {
        s[i] = r.nextInt(20) / 4f; // ties on purpose
      }
      float[] sorted = s.clone();
      java.util.Arrays.sort(sorted);
      float kth = sorted[vocab - k];
      float[] cut = s.clone();
      LogitsWarpers.topK(cut, 0, vocab, k);
      for (int i = 0; i < vocab; i++) {
        assertThat(cut[i]).isEqualTo(s[i] >= kth ? s[i] : Float.NEGATIVE_INFINITY);
      }
    }
  }
}
