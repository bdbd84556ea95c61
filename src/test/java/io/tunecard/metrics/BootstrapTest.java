package io.tunecard.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {
  private static double[] sample(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble() * r.nextDouble();
    }
    return v;
  }

  /** The documented scheme, written plainly: resample r uses the r-th split of the seed's RNG. */
  private static double[][] naiveResamples(int n, long seed, int resamples) {
    SplittableRandom root = new SplittableRandom(seed);
    double[][] draws = new double[resamples][];
    for (int r = 0; r < resamples; r++) {
      SplittableRandom g = root.split();
      draws[r] = new double[n];
      for (int i = 0; i < n; i++) {
        draws[r][i] = ResampleBlock.uniform(g, n);
      }
    }
    return draws;
  }

  @Test
  void meanIntervalEqualsThePlainlyWrittenPercentileBootstrap() {
    double[] v = sample(257, 3);
    Estimate e = new Bootstrap(42, 1000).mean(v);
    double[][] draws = naiveResamples(v.length, 42, 1000);
    double[] means = new double[draws.length];
    for (int r = 0; r < draws.length; r++) {
      double s = 0;
      for (double index : draws[r]) {
        s += v[(int) index];
      }
      means[r] = s / v.length;
    }
    Arrays.sort(means);
    assertThat(e.mean()).isCloseTo(Arrays.stream(v).average().orElseThrow(), within(1e-12));
    assertThat(e.ciLow()).isEqualTo(means[24] + 0.975 * (means[25] - means[24]));
    assertThat(e.ciHigh()).isEqualTo(means[974] + 0.025 * (means[975] - means[974]));
    assertThat(e.n()).isEqualTo(257);
    assertThat(e.ciLow()).isLessThan(e.mean()).isGreaterThan(e.mean() - 0.1);
  }

  @Test
  void deterministicForASeed() {
    double[] v = sample(100, 5);
    assertThat(new Bootstrap(7, 1000).mean(v)).isEqualTo(new Bootstrap(7, 1000).mean(v));
    assertThat(new Bootstrap(8, 1000).mean(v)).isNotEqualTo(new Bootstrap(7, 1000).mean(v));
  }

  @Test
  void pairedDifferenceOfIdenticalSetsIsExactlyZero() {
    double[] v = sample(50, 9);
    Estimate d = new Bootstrap(1, 1000).pairedMeanDifference(v, v);
    assertThat(d).isEqualTo(new Estimate(0, 0, 0, 50));
    double[] shifted = Arrays.stream(v).map(x -> x + 1).toArray();
    Estimate s = new Bootstrap(1, 1000).pairedMeanDifference(shifted, v);
    assertThat(s.mean()).isCloseTo(1, within(1e-12));
    assertThat(s.ciLow()).isCloseTo(1, within(1e-12));
    assertThat(s.ciHigh()).isCloseTo(1, within(1e-12));
  }

  @Test
  void uniformDrawsCoverTheRangeEvenly() {
    SplittableRandom g = new SplittableRandom(1);
    int[] hist = new int[7];
    for (int i = 0; i < 70_000; i++) {
      hist[ResampleBlock.uniform(g, 7)]++;
    }
    for (int c : hist) {
      assertThat(c).isBetween(9_600, 10_400);
    }
  }

  @Test
  void corpusIntervalIsRecentredOnTheCorpusValue() {
    SplittableRandom r = new SplittableRandom(4);
    int[][] tokens = new int[300][];
    for (int a = 0; a < tokens.length; a++) {
      tokens[a] = r.ints(40, 0, 2000).toArray();
    }
    CorpusDistinct stat = CorpusDistinct.of(tokens, 1);
    Estimate e = new Bootstrap(42, 1000).estimate(tokens.length, stat);
    assertThat(e.mean()).isEqualTo(stat.full());
    assertThat(e.ciLow()).isLessThan(e.mean());
    assertThat(e.ciHigh()).isGreaterThan(e.mean());
  }

  @Test
  void percentileInterpolatesLikeNumpy() {
    double[] sorted = {1, 2, 3, 4};
    assertThat(Bootstrap.percentile(sorted, 0.25)).isEqualTo(1.75);
    assertThat(Bootstrap.percentile(sorted, 0.5)).isEqualTo(2.5);
    assertThat(Bootstrap.percentile(sorted, 1.0)).isEqualTo(4);
    assertThat(Bootstrap.percentile(new double[] {5}, 0.975)).isEqualTo(5);
  }

  @Test
  void corpusDistinctOnResamplesEqualsRecountingTheResampledCorpus() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 90;
    int[][] tokens = new int[n][];
    for (int a = 0; a < n; a++) {
      // Small vocabulary: many n-grams shared, some unique to one answer, a few empty answers.
      tokens[a] = r.ints(r.nextInt(0, 12), 0, a % 3 == 0 ? 400 : 15).toArray();
    }
    for (int gram = 1; gram <= 2; gram++) {
      CorpusDistinct stat = CorpusDistinct.of(tokens, gram);
      assertThat(stat.full()).isCloseTo(naiveDistinct(tokens, gram, ones(n)), within(1e-12));
      ResampleBlock block = new ResampleBlock(n);
      SplittableRandom root = new SplittableRandom(99);
      SplittableRandom[] g = new SplittableRandom[40];
      for (int i = 0; i < g.length; i++) {
        g[i] = root.split();
      }
      block.draw(g, 0, 40, new double[0], 0, new double[0][]);
      double[] out = new double[ResampleBlock.MAX_SIZE];
      stat.resampled(block, out);
      for (int b = 0; b < 40; b++) {
        assertThat(out[b])
            .as("n=%d resample %d", gram, b)
            .isCloseTo(naiveDistinct(tokens, gram, block.counts(b)), within(1e-12));
      }
    }
  }

  private static int[] ones(int n) {
    int[] c = new int[n];
    Arrays.fill(c, 1);
    return c;
  }

  private static double naiveDistinct(int[][] tokens, int n, int[] counts) {
    HashSet<List<Integer>> unique = new HashSet<>();
    long total = 0;
    for (int a = 0; a < tokens.length; a++) {
      for (int k = 0; k < counts[a]; k++) {
        for (int i = 0; i + n <= tokens[a].length; i++) {
          List<Integer> gram = new ArrayList<>();
          for (int j = 0; j < n; j++) {
            gram.add(tokens[a][i + j]);
          }
          unique.add(gram);
          total++;
        }
      }
    }
    return total == 0 ? 0 : (double) unique.size() / total;
  }
}
